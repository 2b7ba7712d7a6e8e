"""The alarm model: the three shapes of what a metric alarm watches, and their inputs."""

import dataclasses

import botocore.session
import pytest

from components import alarm_specs as specs
from components.alarm_model import (
    EXPRESSION_ID,
    MAX_DESCRIPTION_CHARS,
    AlarmSpec,
    MetricMath,
    describe,
    metric_alarm_inputs,
    period_text,
)
from components.alarm_specs import AlarmKey
from components.anomaly_band import BAND_ID
from components.metrics import MetricSpec
from tests.unit.settings_fixtures import make_settings

ERRORS = MetricSpec("AWS/Lambda", "Errors", {"FunctionName": "f"}, "Sum")


def _by_key() -> dict[AlarmKey, AlarmSpec]:
    return {spec.key: spec for spec in specs.alarm_specs(make_settings())}


def test_every_spec_becomes_inputs_of_exactly_one_shape():
    """One metric: plain fields; anything else: metric queries, with either a static threshold
    or the band's query as the threshold, never both."""
    shapes = set()
    for spec in _by_key().values():
        inputs = metric_alarm_inputs(spec)
        assert inputs["name"] == spec.name and inputs["alarm_description"] == spec.description
        assert ("threshold" in inputs) != ("threshold_metric_id" in inputs), spec.key
        assert ("metric_queries" in inputs) != ("metric_name" in inputs), spec.key
        if "metric_queries" in inputs:
            assert "period" not in inputs and "statistic" not in inputs  # in the queries
            periods = {q["metric"]["period"] for q in inputs["metric_queries"] if "metric" in q}
            assert periods == {spec.period_seconds}
        shapes.add(("metric_queries" in inputs, "threshold" in inputs))
    assert shapes == {(False, True), (True, False), (True, True)}  # single, band, math


def test_math_inputs_return_only_the_expression():
    spec = dataclasses.replace(
        _by_key()[AlarmKey.VALIDATOR_ERROR],
        watches=MetricMath("SUM([a, b])", "Errors", {"a": ERRORS, "b": ERRORS}),
    )
    *metrics, expression = metric_alarm_inputs(spec)["metric_queries"]
    assert [(q["id"], q["return_data"]) for q in metrics] == [("a", False), ("b", False)]
    assert expression == {
        "id": EXPRESSION_ID, "return_data": True, "expression": "SUM([a, b])", "label": "Errors"
    }  # fmt: skip


def test_an_anomaly_band_watches_a_single_metric_only():
    band = _by_key()[AlarmKey.DURATION_BAND]
    assert metric_alarm_inputs(band)["threshold_metric_id"] == BAND_ID
    with pytest.raises(ValueError, match="an anomaly band watches a single metric"):
        dataclasses.replace(band, watches=MetricMath("SUM([a])", "Errors", {"a": ERRORS}))


@pytest.mark.parametrize("query_id", ["A1", "1a", "a-b", EXPRESSION_ID])
def test_metric_math_rejects_ids_cloudwatch_or_the_expression_would_reject(query_id):
    with pytest.raises(ValueError, match="metric query id"):
        MetricMath(f"SUM([{query_id}])", "Errors", {query_id: ERRORS})


def test_metric_math_needs_a_metric():
    with pytest.raises(ValueError, match="at least one metric"):
        MetricMath("SUM([])", "Errors", {})


def test_the_metrics_of_one_alarm_share_its_period():
    with pytest.raises(ValueError, match="share one period"):
        MetricMath("SUM([a, b])", "Errors", {"a": ERRORS, "b": ERRORS.over(60)})
    spec = dataclasses.replace(
        _by_key()[AlarmKey.VALIDATOR_ERROR],
        watches=MetricMath("SUM([a])", "Errors", {"a": ERRORS.over(3_600)}),
    )
    assert spec.period_seconds == 3_600
    assert metric_alarm_inputs(spec)["metric_queries"][0]["metric"]["period"] == 3_600


def test_periods_read_naturally():
    assert [period_text(s) for s in (86_400, 7200, 300, 45)] == ["1 d", "2 h", "5 min", "45 s"]


def test_a_description_may_be_as_long_as_cloudwatch_accepts_and_no_longer():
    limit = (
        botocore.session.get_session()
        .get_service_model("cloudwatch")
        .shape_for("AlarmDescription")
        .metadata["max"]
    )
    assert limit == MAX_DESCRIPTION_CHARS
    runbook = "https://example.com/r.md"
    fixed = len(describe("", runbook))
    assert len(describe("x" * (limit - fixed), runbook)) == limit
    with pytest.raises(ValueError, match=f"is {limit + 1} chars, the limit is {limit}"):
        describe("x" * (limit - fixed + 1), runbook)
