"""Every alarm, the composite alarm and the dashboard fit botocore's CloudWatch input shapes."""

import re

import pytest
from botocore.exceptions import ParamValidationError

from tests.infra.cloudwatch_api import (
    alarm_period,
    enum_values,
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
        statistics = [params.get("Statistic")] if "Statistic" in params else [
            q["MetricStat"]["Stat"] for q in params["Metrics"] if "MetricStat" in q
        ]  # fmt: skip
        assert set(statistics) <= enum_values("Statistic")
        assert params["ComparisonOperator"] in enum_values("ComparisonOperator")
        period = alarm_period(params)
        assert period in (10, 20, 30) or period % 60 == 0
        # PutMetricAlarm: Period x EvaluationPeriods <= 7 days, and <= 1 day below an hour.
        window = period * params["EvaluationPeriods"]
        assert window <= (86_400 if period < 3_600 else 604_800)


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


def test_math_alarms_return_exactly_one_series(stack_run):
    """PutMetricAlarm with Metrics: exactly one query returns data and ids are valid."""
    math = [
        put_metric_alarm_params(a)
        for a in stack_run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if "metricQueries" in a.inputs
    ]
    assert math
    for params in math:
        assert sum(q["ReturnData"] for q in params["Metrics"]) == 1
        assert all(re.fullmatch(r"[a-z][A-Za-z0-9_]*", q["Id"]) for q in params["Metrics"])
        assert len(params["Metrics"]) <= 20
