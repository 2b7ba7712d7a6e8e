"""DataFreshnessHours is published on every ingestion validation, most of all when the data is
stalest: with no extract inside the ingestion lookback, the value is the time since the window's
start, so the DataFreshness alarm (missing data ignored) breaches instead of staying OK."""

from datetime import timedelta

import pytest
from moto import mock_aws

from components.alarm_specs import AlarmKey, alarm_specs
from components.stack_file import stack_settings
from handlers import aws_clients, clock, pipeline_validator
from handlers.contract import EnvVar
from handlers.validation import checks, sql
from local.alarm_evaluation import AlarmState, alarm_state, breaches, evaluation_range
from tests.frozen_time import ago, naive

from .conftest import NOW
from .test_pipeline_validator_handler import EXECUTION, FakeContext

LOOKBACK_DAYS = 2


@pytest.fixture
def stale_warehouse(monkeypatch, seed_warehouse):
    """Every extract ten days old: none inside the two-day lookback."""
    seed_warehouse.execute(
        "UPDATE salesforce_raw.sf_user SET _extracted_at = _extracted_at - INTERVAL 10 DAY"
    )
    monkeypatch.setenv(EnvVar.QUERY_ENGINE, "duckdb")
    monkeypatch.setenv(EnvVar.DUCKDB_PATH, str(seed_warehouse.path))
    monkeypatch.setenv(EnvVar.ENVIRONMENT, "dev")
    monkeypatch.setenv(EnvVar.INGESTION_LOOKBACK_DAYS, str(LOOKBACK_DAYS))
    return seed_warehouse


def _state_after(spec, values: list[float]) -> AlarmState:
    """The alarm's state, OK before, after CloudWatch evaluates the period holding `values`
    (the older periods of its evaluation range hold no datapoint)."""
    latest = breaches(max(values), spec.comparison, spec.threshold) if values else None
    return alarm_state(
        [*[None] * (evaluation_range(spec.evaluation_periods) - 1), latest],
        evaluation_periods=spec.evaluation_periods,
        datapoints_to_alarm=spec.datapoints_to_alarm,
        treat_missing_data=spec.treat_missing_data,
        current=AlarmState.OK,
    )


def _published(spec) -> list[float]:
    """The datapoints the alarm's own metric query sees over its period ending now."""
    watched = spec.watches
    now = clock.now()
    points = aws_clients.client("cloudwatch").get_metric_statistics(
        Namespace=watched.namespace,
        MetricName=watched.metric_name,
        Dimensions=[{"Name": k, "Value": v} for k, v in watched.dimensions.items()],
        StartTime=now - timedelta(seconds=spec.period_seconds),
        EndTime=now + timedelta(seconds=1),
        Period=spec.period_seconds,
        Statistics=[watched.statistic],
    )["Datapoints"]
    return [point[watched.statistic] for point in points]


@mock_aws
def test_no_extract_in_the_lookback_still_publishes_freshness_and_the_alarm_breaches(
    stale_warehouse,
):
    output = pipeline_validator.handler(
        {"validation_type": "ingestion", "execution": EXECUTION}, FakeContext()
    )
    window_start = sql.extraction_window_start(NOW, LOOKBACK_DAYS)
    at_least = (NOW - window_start) / timedelta(hours=1)
    assert output["data_freshness_hours"] >= at_least >= LOOKBACK_DAYS * 24
    [freshness] = [c for c in output["checks"] if c["name"] == "data_freshness"]
    assert freshness["passed"] is False and freshness["observed"] == output["data_freshness_hours"]
    assert "no extract since" in freshness["message"]

    dev = stack_settings("dev")
    [spec] = [s for s in alarm_specs(dev) if s.key == AlarmKey.DATA_FRESHNESS]
    values = _published(spec)
    assert _state_after(spec, values) is AlarmState.ALARM
    assert values == [output["data_freshness_hours"]]


def test_without_an_extract_the_age_is_a_lower_bound_rounded_up():
    window_start = sql.extraction_window_start(NOW, LOOKBACK_DAYS)
    age = checks.ExtractAge.of(None, NOW, window_start)
    exact = (NOW - window_start) / timedelta(hours=1)
    assert age.latest is None and exact <= age.hours < exact + 0.01


def test_with_an_extract_the_age_is_measured():
    latest = naive(ago(hours=7, minutes=30))
    age = checks.ExtractAge.of(latest, NOW, sql.extraction_window_start(NOW, LOOKBACK_DAYS))
    assert (age.hours, age.latest) == (7.5, latest)
