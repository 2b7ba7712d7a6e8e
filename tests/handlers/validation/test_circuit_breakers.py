"""The ingestion validation's circuit breakers on DuckDB: volume drop, mass deletion, schema drift.

Each test grows the small warehouse by a population of 200 users present in both extracts and
current in the dimension (so the previous extract has 204 rows, the latest 205 and the dimension
205 current users), then breaks one thing.
"""

from datetime import timedelta

import pytest

from handlers.validation.runner import validate_ingestion
from handlers.validation.settings import ValidatorSettings
from handlers.validator_output import ValidatorOutput
from tests.frozen_time import sql_timestamp

from .conftest import LATEST, LATEST_AT, NOW, PREVIOUS_AT, Warehouse, days_ago

RAW = "salesforce_raw.sf_user"
SCD = "salesforce_curated.dim_sf_user_scd"
POPULATION = 200
BREAKERS = ("expected_columns", "extract_volume_drop", "mass_deletion")


def _grow(warehouse: Warehouse) -> None:
    c = warehouse.columns
    for extracted_at in (PREVIOUS_AT, LATEST_AT):
        warehouse.execute(
            f"INSERT INTO {RAW} ({c.user_id}, username, {c.division}, {c.audit_phase},"
            f" {c.extracted_at}) SELECT 'n' || i, 'user' || i, 'Sales', 'P1',"
            f" {sql_timestamp(extracted_at)} FROM range({POPULATION}) t(i)"
        )
    current = f", {c.is_current}" if c.is_current else ""
    deleted = "'False'" if c.is_current is None else "FALSE"  # dbt's flag is a string
    warehouse.execute(
        f"INSERT INTO {SCD} ({c.user_id}, {c.division}, {c.audit_phase}, {c.valid_from},"
        f" {c.valid_to}, {c.is_deleted}{current}) SELECT 'n' || i, 'Sales', 'P1',"
        f" {sql_timestamp(days_ago(300))}, NULL, {deleted}{', TRUE' if current else ''}"
        f" FROM range({POPULATION}) t(i)"
    )


def _drop_latest(warehouse: Warehouse, users: int) -> None:
    """The latest extract loses `users` of the population: a truncated page."""
    c = warehouse.columns
    warehouse.execute(
        f"DELETE FROM {RAW} WHERE {c.extracted_at} = {LATEST}"
        f" AND {c.user_id} IN (SELECT 'n' || i FROM range({users}) t(i))"
    )


def _validate(warehouse: Warehouse, **overrides: object):
    settings: ValidatorSettings = warehouse.settings(min_record_count=100, **overrides)
    return validate_ingestion(settings, warehouse.engine(), NOW)


def _check(report, name):
    (check,) = [check for check in report.checks if check.name == name]
    return check


@pytest.fixture
def grown(warehouse: Warehouse) -> Warehouse:
    _grow(warehouse)
    return warehouse


def test_a_healthy_day_with_two_extracts_passes_every_breaker(grown):
    report = _validate(grown)
    assert report.passed, report.failed_checks
    volume, deletion = _check(report, "extract_volume_drop"), _check(report, "mass_deletion")
    assert (volume.observed, volume.threshold) == (round(-100 / 204, 2), 20.0)
    assert "1 % more" not in volume.message and "% more" in volume.message
    assert (deletion.observed, deletion.threshold) == (0.0, 5.0)
    assert _check(report, "expected_columns").observed == 0
    assert report.extract_volume_change == round(100 / 204, 2)
    assert (report.predicted_deletion_share, report.missing_columns) == (0.0, 0)
    assert report.as_dict()["breaker_tripped"] is False


def test_a_partial_extract_trips_volume_and_deletion_but_not_the_record_count(grown):
    _drop_latest(grown, 80)  # 40 % of the population: 125 rows, still above 100
    report = _validate(grown)
    assert set(report.failed_checks) == {"extract_volume_drop", "mass_deletion"}
    assert _check(report, "min_record_count").passed
    volume = _check(report, "extract_volume_drop")
    assert volume.observed == round(100 * (204 - 125) / 204, 2)
    assert "125 rows" in volume.message and "204" in volume.message
    deletion = _check(report, "mass_deletion")
    assert deletion.observed == round(100 * 80 / 205, 2)
    assert "80 of 205 current users" in deletion.message
    assert "dbt would mark them deleted" in deletion.message
    assert report.as_dict()["breaker_tripped"] is True  # the state machine's breaker branch


def test_same_volume_churn_trips_only_mass_deletion(grown):
    c = grown.columns
    _drop_latest(grown, 30)
    grown.execute(
        f"INSERT INTO {RAW} ({c.user_id}, username, {c.division}, {c.audit_phase},"
        f" {c.extracted_at}) SELECT 'x' || i, 'new' || i, 'Sales', 'P1', {LATEST}"
        " FROM range(30) t(i)"
    )
    report = _validate(grown)
    assert report.failed_checks == ["mass_deletion"]
    assert report.breaker_tripped
    assert _check(report, "extract_volume_drop").passed
    assert _check(report, "mass_deletion").observed == round(100 * 30 / 205, 2)


def test_the_first_ever_extract_passes_the_volume_check(grown):
    c = grown.columns
    grown.execute(f"DELETE FROM {RAW} WHERE {c.extracted_at} <> {LATEST}")
    report = _validate(grown)
    volume = _check(report, "extract_volume_drop")
    assert (volume.passed, volume.observed) == (True, None)
    assert "no previous extract" in volume.message
    assert report.extract_volume_change is None
    assert report.passed


def test_the_previous_extract_is_looked_for_within_the_history_window(grown):
    c = grown.columns
    grown.execute(
        f"UPDATE {RAW} SET {c.extracted_at} = {sql_timestamp(days_ago(9))}"
        f" WHERE {c.extracted_at} <> {LATEST}"
    )
    _drop_latest(grown, 80)
    assert _check(_validate(grown), "extract_volume_drop").observed is None
    widened = _validate(grown, volume_history_days=10)
    assert not _check(widened, "extract_volume_drop").passed


@pytest.mark.parametrize(("dropped", "passes"), [(40, True), (41, False)])
def test_the_volume_limit_is_the_largest_drop_that_passes(grown, dropped, passes):
    # 204 previous rows; 40.8 rows is 20 %.
    _drop_latest(grown, dropped + 1)  # the latest extract has one more row than the previous
    report = _validate(grown)
    assert _check(report, "extract_volume_drop").passed is passes


def test_the_limits_are_configurable(grown):
    _drop_latest(grown, 80)
    report = _validate(grown, max_volume_drop_percent=50.0, max_deletion_percent=50.0)
    assert report.passed, report.failed_checks
    assert _check(report, "mass_deletion").threshold == 50.0


def test_deleted_users_of_the_dimension_are_not_counted_as_current(grown):
    c = grown.columns
    deleted = "'True'" if c.is_current is None else "TRUE"
    _drop_latest(grown, 80)
    grown.execute(
        f"UPDATE {SCD} SET {c.is_deleted} = {deleted}"
        f" WHERE {c.user_id} IN (SELECT 'n' || i FROM range(80) t(i))"
    )
    deletion = _check(_validate(grown), "mass_deletion")
    assert (deletion.passed, deletion.observed) == (True, 0.0)
    assert "0 of 125 current users" in deletion.message


def test_a_dimension_not_built_yet_passes_mass_deletion_and_expected_columns(grown):
    grown.execute(f"DROP TABLE {SCD}")
    report = _validate(grown)
    assert report.passed, report.failed_checks
    deletion = _check(report, "mass_deletion")
    assert deletion.observed is None and "does not exist yet" in deletion.message
    assert report.predicted_deletion_share is None
    columns = _check(report, "expected_columns").message
    assert columns.endswith(f"in {RAW} exist ({SCD} does not exist yet)")


def test_a_dropped_required_column_fails_expected_columns_naming_it_and_skips_its_checks(grown):
    grown.execute(f"ALTER TABLE {RAW} DROP COLUMN username")
    report = _validate(grown, required_fields=(grown.columns.user_id, "username"))
    drift = _check(report, "expected_columns")
    assert (drift.passed, drift.observed, drift.threshold) == (False, 1, 0)
    assert "username (required field) in salesforce_raw.sf_user" in drift.message
    assert report.failed_checks == ["expected_columns"] and report.breaker_tripped
    assert report.skipped_checks == ["required_fields_present", "data_quality_score"]
    skipped = _check(report, "required_fields_present")
    assert (skipped.passed, skipped.observed) == (False, None)
    assert skipped.message == "skipped: needs username (required field) in salesforce_raw.sf_user"
    assert report.data_quality_score is None and report.missing_columns == 1
    for name in ("min_record_count", "data_freshness", "unique_user_id", *BREAKERS[1:]):
        assert _check(report, name).passed, name


def test_a_dimension_without_its_deleted_flag_skips_only_mass_deletion(grown):
    flag = grown.columns.is_deleted
    grown.execute(f"ALTER TABLE {SCD} DROP COLUMN {flag}")
    report = _validate(grown)
    assert report.failed_checks == ["expected_columns"]
    assert report.skipped_checks == ["mass_deletion"]
    assert f"{flag} (deleted flag) in {SCD}" in _check(report, "expected_columns").message
    assert report.predicted_deletion_share is None
    assert report.data_quality_score == 100.0


def test_a_raw_table_without_its_extraction_time_reports_instead_of_crashing(grown):
    grown.execute(f"ALTER TABLE {RAW} DROP COLUMN {grown.columns.extracted_at}")
    report = _validate(grown)
    assert report.failed_checks == ["expected_columns"]
    assert set(report.skipped_checks) == {
        "min_record_count",
        "data_freshness",
        *BREAKERS[1:],
        "required_fields_present",
        "unique_user_id",
        "data_quality_score",
    }
    # Its age is unknown, not a lower bound: no DataFreshnessHours (SchemaDrift alarms instead).
    assert (report.data_freshness_hours, report.missing_columns) == (None, 1)


def test_a_tracked_column_the_checks_do_not_read_still_fails_expected_columns(grown):
    grown.execute(f"ALTER TABLE {RAW} DROP COLUMN {grown.columns.audit_phase}")
    report = _validate(grown)
    assert report.failed_checks == ["expected_columns"]
    assert report.skipped_checks == []
    assert "(tracked column)" in _check(report, "expected_columns").message


def test_a_skipped_check_is_not_a_failed_check_for_the_readers(grown):
    grown.execute(f"ALTER TABLE {SCD} DROP COLUMN {grown.columns.is_deleted}")
    output = ValidatorOutput.model_validate(_validate(grown).as_dict())
    assert not output.passed
    assert [check.name for check in output.failed_checks] == ["expected_columns"]
    (skipped,) = [check for check in output.checks if check.skipped]
    assert (skipped.name, skipped.passed) == ("mass_deletion", False)


def test_no_extract_in_the_lookback_window_leaves_the_breakers_nothing_to_compare(grown):
    settings = grown.settings(min_record_count=100)
    report = validate_ingestion(settings, grown.engine(), NOW + timedelta(days=3))
    assert set(report.failed_checks) == {"min_record_count", "data_freshness", "data_quality_score"}
    for name in BREAKERS[1:]:
        assert _check(report, name).observed is None
    # Freshness is still reported, as a lower bound: the time since the lookback's start.
    lookback_hours = settings.ingestion_lookback_days * 24
    assert (
        report.data_freshness_hours == _check(report, "data_freshness").observed >= lookback_hours
    )
