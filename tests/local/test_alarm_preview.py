"""Local alarm evaluation follows each spec's statistic, comparison and missing-data policy."""

import dataclasses

import pytest

from components.alarm_specs import AlarmKey, Comparison, MissingData, alarm_specs
from local.alarm_preview import Verdict, evaluate, evaluate_all
from local.stack_settings import stack_settings

SPECS = {spec.key: spec for spec in alarm_specs(stack_settings("local"))}


@pytest.mark.parametrize(
    ("key", "values", "verdict"),
    [
        (AlarmKey.SCD_INTEGRITY, lambda t: [100.0, t - 1.7], Verdict.BREACH),  # the Minimum < t
        (AlarmKey.SCD_INTEGRITY, lambda t: [t], Verdict.OK),  # not strictly below the threshold
        (AlarmKey.SCD_INTEGRITY, lambda t: [], Verdict.NO_DATA),  # missing data is ignored
        (AlarmKey.RECORD_VOLUME_ANOMALY, lambda t: [t / 2 + 10] * 2, Verdict.OK),  # the Sum >= t
        (AlarmKey.RECORD_VOLUME_ANOMALY, lambda t: [t - 1], Verdict.BREACH),
        (AlarmKey.RECORD_VOLUME_ANOMALY, lambda t: [], Verdict.BREACH),  # missing data breaches
    ],
)
def test_verdict_uses_the_specs_statistic_and_missing_data_policy(key, values, verdict):
    spec = SPECS[key]
    assert evaluate(spec, values(spec.threshold)).verdict is verdict


@pytest.mark.parametrize(
    ("comparison", "value", "breaches"),
    [
        (Comparison.GREATER_OR_EQUAL, 1.0, True),
        (Comparison.GREATER, 1.0, False),
        (Comparison.GREATER, 2.0, True),
        (Comparison.LESS, 0.5, True),
    ],
)
def test_each_comparison_operator(comparison, value, breaches):
    base = SPECS[AlarmKey.SCD_INTEGRITY]
    spec = dataclasses.replace(
        base,
        watches=dataclasses.replace(base.watches, statistic="Maximum"),
        threshold=1.0,
        comparison=comparison,
        treat_missing_data=MissingData.NOT_BREACHING,
    )
    assert (evaluate(spec, [value]).verdict is Verdict.BREACH) is breaches


def test_alarms_on_aws_published_metrics_are_not_evaluated():
    aws_published = [SPECS[AlarmKey.STEP_FUNCTIONS_FAILURE], SPECS[AlarmKey.DBT_RUNNER_ERROR]]
    verdicts = evaluate_all(emulator=None, specs=aws_published, at=None)  # type: ignore[arg-type]
    assert [verdict.verdict for verdict in verdicts] == [Verdict.NOT_EVALUATED] * 2
    assert "AWS/States ExecutionsFailed is published by AWS" in verdicts[0].detail


def test_an_alarm_without_a_static_threshold_is_not_evaluated():
    band = dataclasses.replace(SPECS[AlarmKey.SCD_INTEGRITY], comparison="LessThanLowerThreshold")
    verdict = evaluate(band, [0.0])
    assert verdict.verdict is Verdict.NOT_EVALUATED
    assert "anomaly band" in verdict.detail
