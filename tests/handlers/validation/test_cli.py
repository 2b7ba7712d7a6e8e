"""The local CLI: a readable table, and an exit status that can gate CI."""

import subprocess
import sys

import pytest

from handlers.contract import EnvVar
from handlers.validation import cli

from .conftest import LATEST, NOW

SCD_ARGS = ["--type", "scd_integrity", "--required-fields", "user_id,division"]


def _run(warehouse, *extra):
    return cli.main(["--duckdb", str(warehouse.path), *SCD_ARGS, *extra])


def test_clean_warehouse_exits_zero_with_a_check_table(seed_warehouse, capsys):
    assert _run(seed_warehouse) == cli.EXIT_PASSED
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["CHECK", "RESULT", "OBSERVED", "THRESHOLD", "MESSAGE"]
    assert "current_record_uniqueness  PASS" in out
    assert "scd_integrity: PASSED; SCDIntegrityScore 100.0 %" in out


def test_failing_check_exits_one_and_names_it(seed_warehouse, capsys):
    seed_warehouse.execute(
        f"DELETE FROM salesforce_raw.sf_user WHERE user_id = 'u6' AND _extracted_at = {LATEST}"
    )
    assert _run(seed_warehouse) == cli.EXIT_CHECK_FAILED
    out = capsys.readouterr().out
    assert "deleted_users_flagged      FAIL" in out
    assert "FAILED (deleted_users_flagged, scd_integrity_score)" in out


def test_a_dropped_column_exits_one_with_its_checks_shown_as_skipped(seed_warehouse, capsys):
    seed_warehouse.execute("ALTER TABLE salesforce_raw.sf_user DROP COLUMN division")
    ingestion = [
        "--type",
        "ingestion",
        "--required-fields",
        "user_id,division",
        "--min-records",
        "5",
    ]
    status = cli.main(["--duckdb", str(seed_warehouse.path), *ingestion, "--now", NOW.isoformat()])
    assert status == cli.EXIT_CHECK_FAILED
    out = capsys.readouterr().out
    assert "required_fields_present  SKIP" in out
    assert "division (required field) in salesforce_raw.sf_user" in out
    assert out.rstrip().endswith("ingestion: FAILED (expected_columns)")  # no score: skipped


def test_dbt_snapshot_preset(clean_warehouses, monkeypatch, capsys):
    warehouse = clean_warehouses["dbt_snapshot"]  # only read: the shared clean copy will do
    monkeypatch.setenv(EnvVar.COLUMN_USER_ID, "id")
    status = cli.main(
        [
            "--duckdb",
            str(warehouse.path),
            "--type",
            "ingestion",
            "--dbt-snapshot",
            "--required-fields",
            "id",
            "--min-records",
            "5",
            "--now",
            NOW.isoformat(),
            "--json",
        ]
    )
    assert status == cli.EXIT_PASSED
    assert '"data_freshness_hours": 1.0' in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--scd-table", "dim; DROP TABLE x"], "SCD_TABLE"),
        (["--min-records", "lots"], "MIN_RECORD_COUNT"),
    ],
)
def test_configuration_errors_exit_two_naming_the_setting(seed_warehouse, capsys, extra, message):
    assert _run(seed_warehouse, *extra) == cli.EXIT_CANNOT_VALIDATE
    assert message in capsys.readouterr().err


def test_missing_database_exits_two(tmp_path, capsys):
    status = cli.main(["--duckdb", str(tmp_path / "none.duckdb"), *SCD_ARGS])
    assert status == cli.EXIT_CANNOT_VALIDATE
    assert "does not exist" in capsys.readouterr().err


def test_runs_as_a_module_with_usage_errors_exiting_two(seed_warehouse):
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "handlers.validation.cli",
            "--duckdb",
            str(seed_warehouse.path),
            *SCD_ARGS,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    usage = subprocess.run(
        [sys.executable, "-m", "handlers.validation.cli", "--type", "nonsense"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert usage.returncode == 2
