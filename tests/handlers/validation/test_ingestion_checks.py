"""Ingestion on DuckDB: the latest extract has 5 rows, so one bad row scores 80.0."""

from datetime import timedelta

import pytest

from handlers.contract import DEFAULT_INGESTION_LOOKBACK_DAYS
from handlers.events import GlueJobRun
from handlers.validation.errors import QueryEngineError
from handlers.validation.runner import validate_ingestion

from .conftest import LATEST, NOW

RAW = "salesforce_raw.sf_user"


def _job_run(state: str) -> GlueJobRun:
    return GlueJobRun.model_validate(
        {
            "Id": "jr_1",
            "JobName": "sf-user-extract",
            "JobRunState": state,
            "ErrorMessage": "OOM" if state == "FAILED" else None,
        }
    )


def _plant(warehouse, statement: str) -> None:
    warehouse.execute(statement.format(**warehouse.columns.configured()))


def _check(report, name):
    return next(check for check in report.checks if check.name == name)


def test_clean_extract_passes_with_freshness_in_hours(warehouse):
    report = validate_ingestion(
        warehouse.settings(), warehouse.engine(), NOW, _job_run("SUCCEEDED")
    )
    assert report.passed
    assert report.data_quality_score == 100.0
    assert report.data_freshness_hours == 1.0
    assert [c.name for c in report.checks] == [
        "expected_columns",
        "glue_job_status",
        "min_record_count",
        "data_freshness",
        "extract_volume_drop",
        "mass_deletion",
        "required_fields_present",
        "unique_user_id",
        "data_quality_score",
    ]


@pytest.mark.parametrize("blank", ["NULL", "''", "'   '"])
def test_missing_required_field_fails_the_rule_and_scores_80(warehouse, blank):
    _plant(
        warehouse,
        f"UPDATE {RAW} SET {{division}} = {blank}"
        f" WHERE {{user_id}} = 'u2' AND {{extracted_at}} = {LATEST}",
    )
    report = validate_ingestion(warehouse.settings(), warehouse.engine(), NOW)
    assert set(report.failed_checks) == {"required_fields_present", "data_quality_score"}
    assert _check(report, "required_fields_present").observed == 1
    assert report.data_quality_score == 80.0
    assert not report.breaker_tripped  # a quality failure, not a circuit breaker


def test_default_required_fields_are_user_id_and_the_tracked_attributes(seed_warehouse):
    # u6 has no audit phase in the latest extract: 1 of 5 rows.
    report = validate_ingestion(
        seed_warehouse.settings(required_fields=()), seed_warehouse.engine(), NOW
    )
    assert set(report.failed_checks) == {"required_fields_present", "data_quality_score"}
    assert report.data_quality_score == 80.0


def test_duplicate_user_rows_all_count_against_the_score(warehouse):
    _plant(warehouse, f"INSERT INTO {RAW} VALUES ('u3', 'cy2', 'Ops', 'P2', {LATEST})")
    report = validate_ingestion(warehouse.settings(), warehouse.engine(), NOW)
    assert set(report.failed_checks) == {"unique_user_id", "data_quality_score"}
    assert _check(report, "unique_user_id").observed == 2
    assert report.data_quality_score == round(4 / 6 * 100, 2)


def test_stale_extract_fails_freshness_only(warehouse):
    report = validate_ingestion(warehouse.settings(), warehouse.engine(), NOW + timedelta(hours=10))
    assert report.failed_checks == ["data_freshness"]
    assert _check(report, "data_freshness").observed == 11.0
    assert report.data_freshness_hours == 11.0
    assert report.data_quality_score == 100.0


def test_freshness_window_is_configurable(warehouse):
    report = validate_ingestion(warehouse.settings(freshness_hours=0.5), warehouse.engine(), NOW)
    assert report.failed_checks == ["data_freshness"]


def test_too_few_records_fails_the_count_only(warehouse):
    report = validate_ingestion(warehouse.settings(min_record_count=6), warehouse.engine(), NOW)
    assert report.failed_checks == ["min_record_count"]
    assert _check(report, "min_record_count").observed == 5


def test_failed_glue_job_fails_job_status_with_its_error(warehouse):
    report = validate_ingestion(warehouse.settings(), warehouse.engine(), NOW, _job_run("FAILED"))
    assert report.failed_checks == ["glue_job_status"]
    status = _check(report, "glue_job_status")
    assert (status.observed, status.threshold) == ("FAILED", "SUCCEEDED")
    assert "OOM" in status.message


def test_empty_raw_table_fails_count_freshness_and_score(seed_warehouse):
    _plant(seed_warehouse, f"DELETE FROM {RAW}")
    report = validate_ingestion(seed_warehouse.settings(), seed_warehouse.engine(), NOW)
    assert set(report.failed_checks) == {"min_record_count", "data_freshness", "data_quality_score"}
    assert report.data_quality_score == 0.0
    assert report.data_freshness_hours >= DEFAULT_INGESTION_LOOKBACK_DAYS * 24  # at least


def test_quality_threshold_decides_the_score_check(warehouse):
    _plant(
        warehouse,
        f"UPDATE {RAW} SET {{division}} = NULL"
        f" WHERE {{user_id}} = 'u2' AND {{extracted_at}} = {LATEST}",
    )
    report = validate_ingestion(
        warehouse.settings(data_quality_threshold=80.0), warehouse.engine(), NOW
    )
    assert report.passed  # 80.0 >= 80.0, and 1 bad row of 5 is within the 20 % tolerance


def test_missing_table_is_an_engine_error_not_a_failed_check(warehouse):
    with pytest.raises(QueryEngineError, match="ingestion"):
        validate_ingestion(
            warehouse.settings(raw_table="salesforce_raw.nope"), warehouse.engine(), NOW
        )
