"""`python -m local.demo` end to end on a smaller warehouse: exit status, report, preview image."""

import contextlib
import io
import re

import pytest

from handlers import error_handler, metrics_publisher
from handlers.validation import cli
from local import demo

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One demo run for the module (it starts its own emulator, as `make demo` does)."""
    build = tmp_path_factory.mktemp("build")
    error_handler.settings.cache_clear()
    metrics_publisher.settings.cache_clear()
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
            monkeypatch.delenv(name, raising=False)
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            status = demo.main(["--users", "150", "--days", "3", "--build-dir", str(build)])
    error_handler.settings.cache_clear()
    metrics_publisher.settings.cache_clear()
    return status, captured.getvalue(), build


def test_demo_exits_zero_and_writes_the_preview(demo_run):
    status, report, build = demo_run
    assert status == 0
    preview = build / "dashboard-preview.png"
    assert preview.read_bytes().startswith(PNG_SIGNATURE)
    assert "Dashboard preview (same widget specs as the deployed dashboard): " in report
    assert str(preview.name) in report
    assert "the local AWS is stopped" in report


def test_healthy_run_passes_everything_and_alerts_nobody(demo_run):
    _, report, _ = demo_run
    healthy = report.split("Run 1 of 3: healthy", 1)[1].split("Run 2 of 3: broken", 1)[0]
    assert "FAIL " not in healthy
    assert "PASS  scd_integrity_score" in healthy
    assert "Alerts received in the SQS inbox (subscribed to both alert topics):\n  none" in healthy
    assert "WOULD BREACH" not in healthy
    assert "RecordsCreated" in healthy and "JobSuccess" in healthy
    assert "healthy  SUCCEEDED  failed checks: 0  alerts: 0  alarms that would breach: 0" in report


def test_broken_run_fails_the_planted_checks_and_alerts(demo_run):
    _, report, _ = demo_run
    broken = report.split("Run 2 of 3: broken", 1)[1].split("Run 3 of 3", 1)[0]
    for check in ("data_freshness", "current_record_uniqueness", "validity_continuity"):
        assert f"FAIL  {check}" in broken
    assert "PASS  data_quality_score" in broken  # staleness is not a row-level defect
    for error_type, severity, route in (
        ("data_quality_failure", "MEDIUM", "warning"),
        ("dbt_test_failure", "MEDIUM", "warning"),
        ("scd_validation_failure", "HIGH", "critical"),
    ):
        assert f"{error_type}: severity {severity}, delivered via the {route} topic" in broken
    assert demo.FAILING_TEST in broken
    assert "evaluated locally; the emulator does not evaluate alarms" in broken
    assert "WOULD BREACH   sf-user-pipeline-local-SCDIntegrity" in broken
    breaching = broken.count("WOULD BREACH")
    summary = f"failed checks: 4  alerts: 3  alarms that would breach: {breaching}"
    assert f"broken   FAILED     {summary}" in report


def test_the_partial_extract_trips_the_breakers_and_stops_before_dbt(demo_run):
    _, report, _ = demo_run
    partial = report.split("Run 3 of 3: partial extract", 1)[1].split("Summary", 1)[0]
    assert "Stages: RunGlueJob ok -> ValidateIngestion FAILED\n" in partial
    assert "RunDbt, TestDbt, ValidateScd, PublishMetrics never ran" in partial
    assert "dbt runner invocations: 0." in partial
    assert re.search(
        r"Dimension \S+: (\d+) versions before the run, \1 after \(unchanged\)", partial
    )
    for check in ("extract_volume_drop", "mass_deletion"):
        assert f"FAIL  {check}" in partial
        assert f"- {check}: observed " in partial  # the alert's root cause says by how much
        assert f"WOULD BREACH   sf-user-pipeline-local-{_alarm(check)}" in partial
    assert "PASS  expected_columns" in partial
    assert "data_quality_failure: severity MEDIUM, delivered via the warning topic" in partial
    assert "partial  FAILED" in report


def _alarm(check: str) -> str:
    return {"extract_volume_drop": "ExtractVolumeDrop", "mass_deletion": "MassDeletion"}[check]


def test_the_readmes_cli_gate_fails_on_the_broken_warehouse_only(demo_run):
    _, _, build = demo_run
    for warehouse, status in (("warehouse-healthy", 0), ("warehouse-broken", 1)):
        path = build / "demo" / f"{warehouse}.duckdb"
        with contextlib.redirect_stdout(io.StringIO()):
            assert cli.main(["--duckdb", str(path), "--type", "scd_integrity"]) == status
