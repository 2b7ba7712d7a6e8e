"""Every alarm, the composite alarm and the dashboard fit botocore's CloudWatch input shapes."""

import re

import pytest
from botocore.exceptions import ParamValidationError

from tests.infra.cloudwatch_api import (
    enum_values,
    evaluated_stats,
    put_composite_alarm_params,
    put_dashboard_params,
    put_metric_alarm_params,
    validate,
)


def test_metric_alarms_validate_as_put_metric_alarm(stack_run):
    alarms = stack_run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert alarms
    for alarm in alarms:
        params = put_metric_alarm_params(alarm)
        validate("PutMetricAlarm", params)
        assert params["ComparisonOperator"] in enum_values("ComparisonOperator")
        stats = evaluated_stats(params)
        assert {stat for stat, _ in stats} <= enum_values("Statistic")
        (period,) = {period for _, period in stats}  # one period per alarm
        assert period in (10, 20, 30) or period % 60 == 0
        # PutMetricAlarm: at most 1 day of evaluation below one-hour periods, 7 days otherwise.
        limit = 86_400 if period < 3_600 else 7 * 86_400
        assert period * params["EvaluationPeriods"] <= limit, params["AlarmName"]


def test_composite_alarm_validates_as_put_composite_alarm(stack_run):
    (composite,) = stack_run.of_type("aws:cloudwatch/compositeAlarm:CompositeAlarm")
    params = put_composite_alarm_params(composite)
    validate("PutCompositeAlarm", params)
    assert len(params["AlarmRule"]) <= 10_240  # PutCompositeAlarm AlarmRule limit


def test_dashboard_validates_as_put_dashboard(stack_run):
    (dashboard,) = stack_run.of_type("aws:cloudwatch/dashboard:Dashboard")
    validate("PutDashboard", put_dashboard_params(dashboard))


def test_the_validation_itself_rejects_bad_parameters(stack_run):
    alarm = stack_run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")[0]  # a single-metric one
    too_long = put_metric_alarm_params(alarm) | {"AlarmDescription": "x" * 1025}
    with pytest.raises(ValueError, match="AlarmDescription has length 1025"):
        validate("PutMetricAlarm", too_long)
    wrong_type = put_metric_alarm_params(alarm) | {"Threshold": "one"}
    with pytest.raises(ParamValidationError):
        validate("PutMetricAlarm", wrong_type)


def test_query_alarms_return_the_series_they_compare(stack_run):
    """PutMetricAlarm with Metrics: a static threshold compares the one query returning data;
    an anomaly band returns the metric and the band (ThresholdMetricId); ids are valid."""
    with_queries = [
        put_metric_alarm_params(a)
        for a in stack_run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if "metricQueries" in a.inputs
    ]
    assert {"Threshold" in p for p in with_queries} == {True, False}  # math and band alarms
    for params in with_queries:
        returned = [q for q in params["Metrics"] if q["ReturnData"]]
        if "ThresholdMetricId" in params:
            (band,) = [q for q in returned if q["Id"] == params["ThresholdMetricId"]]
            assert band["Expression"].startswith("ANOMALY_DETECTION_BAND(")
            (metric,) = [q for q in returned if q is not band]
            assert "MetricStat" in metric
        else:
            assert len(returned) == 1 and "Expression" in returned[0]
        assert all(re.fullmatch(r"[a-z][A-Za-z0-9_]*", q["Id"]) for q in params["Metrics"])
        assert len(params["Metrics"]) <= 20
