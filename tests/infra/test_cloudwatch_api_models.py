"""Every alarm, the composite alarm and the dashboard fit botocore's CloudWatch input shapes."""

import pytest
from botocore.exceptions import ParamValidationError

from tests.infra.cloudwatch_api import (
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
        assert params["ComparisonOperator"] in enum_values("ComparisonOperator")
        if "Metrics" in params:  # anomaly band: the period lives in the metric query
            (stat,) = [q["MetricStat"] for q in params["Metrics"] if "MetricStat" in q]
            period = stat["Period"]
            assert stat["Stat"] in enum_values("Statistic")
        else:
            assert params["Statistic"] in enum_values("Statistic")
            period = params["Period"]
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
    alarm = stack_run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")[0]
    too_long = put_metric_alarm_params(alarm) | {"AlarmDescription": "x" * 1025}
    with pytest.raises(ValueError, match="AlarmDescription has length 1025"):
        validate("PutMetricAlarm", too_long)
    wrong_type = put_metric_alarm_params(alarm) | {"Threshold": "one"}
    with pytest.raises(ParamValidationError):
        validate("PutMetricAlarm", wrong_type)
