"""The SCD validation counts the latest load's records: extract rows, versions opened and closed,
users newly deleted. Each test plants a load into the small warehouse (see conftest) and states
the counts that load implies."""

from datetime import timedelta

import duckdb
import pytest

from handlers.contract import Environment
from handlers.validation.engines.duckdb import DuckDBEngine
from handlers.validation.runner import RecordCounts, validate_scd
from handlers.validation.settings import QueryEngineName, ValidatorSettings
from local.salesforce_users import ExtractPlan
from local.warehouse import RAW_TABLE, SCD_TABLE, build_warehouse

from .conftest import LATEST_AT as LATEST

LATEST_EXTRACT_ROWS = 5


def _open_version(warehouse, user: str, division: str, phase: str | None, at, deleted=False):
    c = warehouse.columns
    names = [c.user_id, c.division, c.audit_phase, c.valid_from, c.valid_to, c.is_deleted]
    flag = ("True" if deleted else "False") if c.is_current is None else deleted
    values: list[object] = [user, division, phase, at, None, flag]
    if c.is_current:
        names.append(c.is_current)
        values.append(True)
    with duckdb.connect(str(warehouse.path)) as connection:
        connection.execute(
            f"INSERT INTO {SCD_TABLE} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            values,
        )


def _close_current(warehouse, user: str, at) -> None:
    c = warehouse.columns
    current = f", {c.is_current} = FALSE" if c.is_current else ""
    with duckdb.connect(str(warehouse.path)) as connection:
        connection.execute(
            f"UPDATE {SCD_TABLE} SET {c.valid_to} = ?{current}"
            f" WHERE {c.user_id} = ? AND {c.valid_to} IS NULL",
            [at, user],
        )


def _raw(warehouse, statement: str, parameters: list[object]) -> None:
    with duckdb.connect(str(warehouse.path)) as connection:
        connection.execute(statement.format(**warehouse.columns.configured()), parameters)


def _records(warehouse) -> RecordCounts:
    report = validate_scd(warehouse.settings(), warehouse.engine())
    assert report.passed, report.failed_checks  # every planted load is a coherent SCD2 load
    assert report.records is not None
    return report.records


def test_a_load_without_changes_processes_rows_and_changes_nothing(warehouse):
    assert _records(warehouse) == RecordCounts(LATEST_EXTRACT_ROWS, 0, 0, 0)


def test_a_move_a_hire_and_a_deletion_are_counted_exactly(warehouse):
    # u2 moves division: one version closed, one opened.
    _close_current(warehouse, "u2", LATEST)
    _open_version(warehouse, "u2", "Ops", "P1", LATEST)
    _raw(warehouse, f"UPDATE {RAW_TABLE} SET {{division}} = 'Ops' WHERE {{user_id}} = 'u2'", [])
    # u7 is hired: one version opened, one more extract row.
    _open_version(warehouse, "u7", "Sales", "P1", LATEST)
    _raw(warehouse, f"INSERT INTO {RAW_TABLE} VALUES ('u7', 'gus', 'Sales', 'P1', ?)", [LATEST])
    # u6 leaves the org: its version is closed and a deleted version opened; one row fewer.
    _close_current(warehouse, "u6", LATEST)
    _open_version(warehouse, "u6", "Ops", None, LATEST, deleted=True)
    _raw(warehouse, f"DELETE FROM {RAW_TABLE} WHERE {{user_id}} = 'u6'", [])

    assert _records(warehouse) == RecordCounts(processed=5, created=3, updated=2, deleted=1)


def test_versions_stamped_after_the_extract_belong_to_the_latest_load(seed_warehouse):
    """A dbt snapshot stamps the snapshot's time, minutes after the extract."""
    snapshot_time = LATEST + timedelta(minutes=12)
    _close_current(seed_warehouse, "u5", snapshot_time)
    _open_version(seed_warehouse, "u5", "Finance", "P3", snapshot_time)
    _raw(seed_warehouse, f"UPDATE {RAW_TABLE} SET audit_phase__c = 'P3' WHERE user_id = 'u5'", [])

    assert _records(seed_warehouse) == RecordCounts(LATEST_EXTRACT_ROWS, 1, 1, 0)


def test_a_user_already_deleted_is_not_deleted_again(seed_warehouse):
    """u4's deletion happened in an earlier load; re-stamping it now is not a new deletion."""
    _close_current(seed_warehouse, "u4", LATEST)
    _open_version(seed_warehouse, "u4", "Sales", "P3", LATEST, deleted=True)

    report = validate_scd(seed_warehouse.settings(), seed_warehouse.engine())
    assert report.records == RecordCounts(LATEST_EXTRACT_ROWS, 1, 1, 0)


def test_processed_counts_rows_not_users(seed_warehouse):
    _raw(
        seed_warehouse,
        f"INSERT INTO {RAW_TABLE} SELECT * FROM {RAW_TABLE} WHERE user_id = 'u1' AND"
        " _extracted_at = ?",
        [LATEST],
    )
    report = validate_scd(seed_warehouse.settings(), seed_warehouse.engine())
    assert report.records is not None
    assert report.records.processed == LATEST_EXTRACT_ROWS + 1


def test_empty_tables_count_nothing(seed_warehouse):
    seed_warehouse.execute(f"DELETE FROM {SCD_TABLE}; DELETE FROM {RAW_TABLE}")
    report = validate_scd(seed_warehouse.settings(), seed_warehouse.engine())
    assert report.records == RecordCounts(0, 0, 0, 0)
    assert report.as_dict()["records"] == {"processed": 0, "created": 0, "updated": 0, "deleted": 0}


@pytest.mark.parametrize("days", [1, 4])
def test_generated_history_counts_match_its_plan(tmp_path, days):
    plan = ExtractPlan(users=60, days=days, hires_per_day=4, deletions_per_day=3)
    path = tmp_path / "generated.duckdb"
    with duckdb.connect(str(path)) as connection:
        summary = build_warehouse(connection, plan, LATEST)
        latest_rows = connection.execute(
            f"SELECT count(*) FROM {RAW_TABLE} WHERE _extracted_at = ?", [LATEST]
        ).fetchall()[0][0]
    settings = ValidatorSettings(
        environment=Environment.DEV, engine=QueryEngineName.DUCKDB, duckdb_path=str(path)
    )

    records = validate_scd(settings, DuckDBEngine(path)).records

    assert records is not None
    assert records.processed == latest_rows
    if days == 1:  # the first load creates every user and changes nothing
        assert records == RecordCounts(plan.users, plan.users, 0, 0)
        return
    assert records.deleted == plan.deletions_per_day
    # Hires and deletions open versions without closing one; every other change does both.
    assert records.created - records.updated == plan.hires_per_day
    assert records.updated >= plan.deletions_per_day
    assert summary.latest_extract_at == LATEST
