"""The contract module is internally consistent and agrees with CloudWatch's API model."""

import botocore.session
import pytest

from handlers import contract
from handlers.contract import (
    ALL_METRICS,
    DEFAULT_THRESHOLDS,
    ERROR_SEVERITY,
    SEVERITY_ROUTE,
    Dimension,
    ErrorType,
    Metric,
    Severity,
)


def _cloudwatch_model():
    return botocore.session.get_session().get_service_model("cloudwatch")


def test_metric_names_are_unique():
    names = [metric.name for metric in ALL_METRICS]
    assert len(names) == len(set(names))
    assert Metric.RECORDS_PROCESSED in ALL_METRICS


def test_every_dimension_set_starts_with_environment_and_is_bounded():
    for metric in ALL_METRICS:
        for dimension_set in metric.dimension_sets:
            assert dimension_set[0] is Dimension.ENVIRONMENT, metric.name
            assert len(set(dimension_set)) == len(dimension_set), metric.name
            assert len(dimension_set) <= 30  # CloudWatch's per-metric dimension limit


def test_job_type_value_present_exactly_when_dimension_is():
    for metric in ALL_METRICS:
        uses_job_type = any(Dimension.JOB_TYPE in s for s in metric.dimension_sets)
        assert uses_job_type == (metric.job_type is not None), metric.name


def test_units_are_cloudwatch_standard_units():
    allowed = set(_cloudwatch_model().shape_for("StandardUnit").enum)
    for metric in ALL_METRICS:
        assert metric.unit.value in allowed, metric.name


def test_dimensions_fill_fixed_and_variable_values():
    assert Metric.RECORDS_PROCESSED.dimensions("prod") == {
        "Environment": "prod",
        "JobType": "Ingestion",
    }
    errors = Metric.PIPELINE_ERRORS
    assert errors.dimensions("dev", ErrorType="glue_job_failure", Severity="HIGH") == {
        "Environment": "dev",
        "ErrorType": "glue_job_failure",
        "Severity": "HIGH",
    }
    assert errors.dimensions("dev", (Dimension.ENVIRONMENT,)) == {"Environment": "dev"}


def test_dimensions_reject_unknown_set_and_missing_values():
    with pytest.raises(ValueError, match="not published with dimensions"):
        Metric.RECORDS_PROCESSED.dimensions("dev", (Dimension.ENVIRONMENT,))
    with pytest.raises(ValueError, match="needs a value for dimension ErrorType"):
        Metric.PIPELINE_ERRORS.dimensions("dev")


def test_every_error_type_has_a_severity_and_every_severity_a_route():
    assert set(ERROR_SEVERITY) == set(ErrorType)
    assert set(SEVERITY_ROUTE) == set(Severity)


def test_default_thresholds_are_valid_scores_counts_and_windows():
    assert 0 < DEFAULT_THRESHOLDS.data_quality_percent <= 100
    assert 0 < DEFAULT_THRESHOLDS.scd_integrity_percent <= 100
    assert DEFAULT_THRESHOLDS.min_record_count > 0
    assert DEFAULT_THRESHOLDS.freshness_hours > 0
    assert contract.lookback_covers_freshness(
        contract.DEFAULT_INGESTION_LOOKBACK_DAYS, DEFAULT_THRESHOLDS.freshness_hours
    )


def test_names_carry_the_environment():
    assert contract.state_machine_log_group("dev") == "/aws/stepfunctions/sf-user-pipeline-dev"
    assert (
        contract.function_name("staging", contract.HandlerKey.ERROR_HANDLER)
        == "sf-user-pipeline-staging-error-handler"
    )
