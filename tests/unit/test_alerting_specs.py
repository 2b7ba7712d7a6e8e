"""Alerting as pure data: absence, anomaly bands, freshness and dead-letter alarms, severity
routing, maintenance suppression, event capture, idempotency."""

import dataclasses
import re
from pathlib import Path

import pytest

from components import alarm_specs as specs
from components import arns, event_capture, maintenance
from components.alarm_model import Comparison, metric_alarm_inputs
from components.alarm_specs import AlarmKey
from components.anomaly_band import BAND_ID, AnomalyBand, BandComparison
from components.eventbridge_delivery import dead_letter_queue_policy
from components.handler_table import lambda_policy
from components.idempotency_table import table_inputs
from components.metrics import MetricSpec
from handlers.contract import AlertRoute, EnvVar, HandlerKey, Metric
from tests.unit.settings_fixtures import function_environment, make_settings
from tests.unit.test_specs import TARGETS

RUNBOOKS = Path(__file__).resolve().parents[2] / "docs" / "runbooks"
ALARM_SECTIONS = (
    "**What it means.**", "**Likely causes.**", "**First three steps.**", "**Verify the fix.**"
)  # fmt: skip
TOPICS = {AlertRoute.CRITICAL: "critical-arn", AlertRoute.WARNING: "warning-arn"}


def _by_key(settings):
    return {spec.key: spec for spec in specs.alarm_specs(settings)}


# ---- missed run --------------------------------------------------------------------------


def test_missed_run_needs_every_hour_of_the_window_without_a_success():
    spec = _by_key(make_settings())[AlarmKey.MISSED_RUN]
    assert spec.watches == MetricSpec(
        "AWS/States", "ExecutionsSucceeded",
        {"StateMachineArn": make_settings().state_machine_arn}, "Sum", 3_600, "Succeeded",
    )  # fmt: skip
    assert (spec.threshold, spec.comparison) == (1, "LessThanThreshold")
    assert spec.period_seconds == 3_600
    default = make_settings().missed_run_hours
    assert spec.evaluation_periods == spec.datapoints_to_alarm == default
    assert spec.treat_missing_data == "breaching"


def test_missed_run_window_follows_config_within_cloudwatchs_evaluation_limit():
    spec = _by_key(make_settings(missedRunHours="48"))[AlarmKey.MISSED_RUN]
    assert spec.evaluation_periods == spec.datapoints_to_alarm == 48
    widest = _by_key(make_settings(missedRunHours="168"))[AlarmKey.MISSED_RUN]
    assert widest.period_seconds * widest.evaluation_periods == 7 * 86_400


def test_evaluation_range_beyond_cloudwatchs_limit_is_rejected():
    spec = _by_key(make_settings())[AlarmKey.DATA_FRESHNESS]  # five-minute periods
    with pytest.raises(ValueError, match="exceeds CloudWatch's 86400 s"):
        dataclasses.replace(spec, evaluation_periods=289, datapoints_to_alarm=1)
    hourly = _by_key(make_settings())[AlarmKey.MISSED_RUN]
    with pytest.raises(ValueError, match="exceeds CloudWatch's 604800 s"):
        dataclasses.replace(hourly, evaluation_periods=169, datapoints_to_alarm=169)


# ---- anomaly bands -----------------------------------------------------------------------


def test_band_alarms_watch_the_contract_metrics_with_the_configured_width():
    by_key = _by_key(make_settings(anomalyBandWidth="3"))
    volume, duration = by_key[AlarmKey.RECORD_VOLUME_BAND], by_key[AlarmKey.DURATION_BAND]
    assert volume.watches.metric_name == Metric.RECORDS_PROCESSED.name
    assert volume.watches.dimensions == Metric.RECORDS_PROCESSED.dimensions("dev")
    assert volume.comparison is BandComparison.OUTSIDE  # a drop or a full reload
    assert (duration.watches.namespace, duration.watches.metric_name) == (
        "AWS/States", "ExecutionTime"
    )  # fmt: skip
    assert duration.comparison is BandComparison.ABOVE  # faster is never a problem
    assert volume.threshold == duration.threshold == AnomalyBand(3)
    # The static thresholds stay beside the bands.
    assert by_key[AlarmKey.RECORD_VOLUME_ANOMALY].threshold == make_settings().min_record_count
    assert by_key[AlarmKey.STEP_FUNCTIONS_DURATION].threshold == (
        make_settings().pipeline_timeout_ms
    )


def test_band_alarm_inputs_are_metric_math_with_the_band_as_threshold():
    spec = _by_key(make_settings(anomalyBandWidth="2.5"))[AlarmKey.RECORD_VOLUME_BAND]
    inputs = metric_alarm_inputs(spec)
    assert "threshold" not in inputs and "metric_name" not in inputs
    assert inputs["threshold_metric_id"] == BAND_ID
    metric, band = inputs["metric_queries"]
    assert band == {
        "id": BAND_ID, "return_data": True,
        "expression": f"ANOMALY_DETECTION_BAND({metric['id']}, 2.5)",
        "label": "RecordsProcessed (expected)",
    }  # fmt: skip
    assert metric["metric"]["metric_name"] == "RecordsProcessed"
    assert metric["metric"]["stat"] == "Sum" and metric["return_data"] is True


def test_static_alarm_inputs_keep_a_single_metric():
    inputs = metric_alarm_inputs(_by_key(make_settings())[AlarmKey.DATA_FRESHNESS])
    assert "metric_queries" not in inputs
    assert inputs["metric_name"] == Metric.DATA_FRESHNESS_HOURS.name


def test_band_and_comparison_must_agree():
    spec = _by_key(make_settings())[AlarmKey.DURATION_BAND]
    with pytest.raises(ValueError, match="band threshold needs a band comparison"):
        dataclasses.replace(spec, comparison=Comparison.GREATER)
    with pytest.raises(ValueError, match="positive width"):
        AnomalyBand(0)


# ---- freshness and dead letters ----------------------------------------------------------


def test_freshness_alarm_uses_the_validator_metric_and_threshold():
    spec = _by_key(make_settings(freshnessHours="12"))[AlarmKey.DATA_FRESHNESS]
    assert spec.watches.metric_name == Metric.DATA_FRESHNESS_HOURS.name
    assert spec.watches.dimensions == Metric.DATA_FRESHNESS_HOURS.dimensions("dev")
    assert (spec.threshold, spec.comparison) == (12, "GreaterThanThreshold")


def test_dead_letter_alarm_pages_critical_on_the_first_message():
    settings = make_settings()
    spec = _by_key(settings)[AlarmKey.ALERT_DEAD_LETTERS]
    assert spec.route is AlertRoute.CRITICAL
    assert spec.watches.dimensions == {"QueueName": arns.alert_dead_letter_queue_name(settings)}
    assert spec.watches.metric_name == "ApproximateNumberOfMessagesVisible"
    assert (spec.threshold, spec.comparison) == (0, "GreaterThanThreshold")


def test_every_spec_has_a_runbook_titled_with_its_route():
    every = [*specs.alarm_specs(make_settings()), maintenance.maintenance_mode_spec(
        make_settings(maintenanceSuppressorAlarm="create"))]  # fmt: skip
    for spec in every:
        text = (RUNBOOKS / f"{spec.runbook_url.rsplit('/', 1)[1]}").read_text()
        assert text.startswith(f"# Alarm: {spec.key.value} ({spec.route.value}")
        assert [text.index(section) for section in ALARM_SECTIONS] == sorted(
            text.index(section) for section in ALARM_SECTIONS
        )
        steps = text.split("**First three steps.**")[1].split("**Verify")[0]
        assert re.findall(r"^\d\. ", steps, flags=re.MULTILINE) == ["1. ", "2. ", "3. "]


# ---- severity routing and maintenance suppression ---------------------------------------


def test_ok_notifications_only_for_critical_routes():
    assert maintenance.paging_actions(AlertRoute.CRITICAL, "t") == (["t"], ["t"])
    assert maintenance.paging_actions(AlertRoute.WARNING, "t") == (["t"], [])


def test_without_a_suppressor_alarms_notify_directly():
    settings = make_settings()
    assert maintenance.suppression(settings) is None
    assert maintenance.maintenance_mode_spec(settings) is None
    assert maintenance.route_composite_specs(settings, specs.alarm_specs(settings)) == []
    warning = _by_key(settings)[AlarmKey.DATA_QUALITY]
    assert maintenance.metric_alarm_actions(settings, warning, TOPICS) == (["warning-arn"], [])


@pytest.mark.parametrize(
    ("configured", "suppressor"),
    [
        ("create", "sf-user-pipeline-dev-MaintenanceMode"),
        ("ops-maintenance-window", "ops-maintenance-window"),
        (
            "arn:aws:cloudwatch:us-east-1:111122223333:alarm:ops-window",
            "arn:aws:cloudwatch:us-east-1:111122223333:alarm:ops-window",
        ),
    ],
)
def test_with_a_suppressor_only_per_route_composites_page(configured, suppressor):
    settings = make_settings(
        maintenanceSuppressorAlarm=configured, maintenanceExtensionPeriodSeconds="900"
    )
    assert maintenance.suppression(settings) == maintenance.Suppression(suppressor, 120, 900)
    children = specs.alarm_specs(settings)
    for child in children:
        assert maintenance.metric_alarm_actions(settings, child, TOPICS) == ([], [])
    composites = {c.route: c for c in maintenance.route_composite_specs(settings, children)}
    assert {c.name for c in composites.values()} == {
        "sf-user-pipeline-dev-Critical", "sf-user-pipeline-dev-Warning"
    }  # fmt: skip
    for route, composite in composites.items():
        named = set(re.findall(r'ALARM\("([^"]+)"\)', composite.rule))
        assert named == {spec.name for spec in children if spec.route is route}
    created = maintenance.maintenance_mode_spec(settings)
    assert (created is not None) == (configured == "create")
    if created is not None:  # maintenance starting is news: the suppressor itself notifies
        assert maintenance.metric_alarm_actions(settings, created, TOPICS) == (["warning-arn"], [])


def test_created_suppressor_is_a_switch_operators_hold():
    spec = maintenance.maintenance_mode_spec(make_settings(maintenanceSuppressorAlarm="create"))
    assert spec is not None
    assert spec.watches.metric_name == Metric.MAINTENANCE_MODE.name
    assert spec.watches.dimensions == Metric.MAINTENANCE_MODE.dimensions("dev")
    assert (spec.watches.statistic, spec.threshold, spec.comparison) == (
        "Maximum", 1, "GreaterThanOrEqualToThreshold"
    )  # fmt: skip
    assert spec.treat_missing_data == "ignore"  # on until someone publishes 0


# ---- event capture -----------------------------------------------------------------------


def test_event_patterns_select_the_pipelines_failures_only():
    settings = make_settings()
    assert event_capture.execution_failure_pattern(settings) == {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {
            "stateMachineArn": [settings.state_machine_arn],
            "status": ["FAILED", "TIMED_OUT", "ABORTED"],
        },
    }
    assert event_capture.glue_failure_pattern(settings) == {
        "source": ["aws.glue"],
        "detail-type": ["Glue Job State Change"],
        "detail": {"jobName": ["sf-user-extract-dev"], "state": ["FAILED", "TIMEOUT", "STOPPED"]},
    }


def test_dead_letter_queue_admits_eventbridge_only_from_its_rules_over_tls():
    rules = ["arn:aws:events:us-east-1:1:rule/b", "arn:aws:events:us-east-1:1:rule/a"]
    policy = dead_letter_queue_policy(make_settings(), "arn:aws:sqs:us-east-1:1:q", rules)
    (allow,) = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert allow["Action"] == "sqs:SendMessage"
    assert allow["Resource"] == "arn:aws:sqs:us-east-1:1:q"
    assert allow["Condition"] == {
        "ArnEquals": {"aws:SourceArn": sorted(rules)},
        "StringEquals": {"aws:SourceAccount": "111122223333"},
    }
    (deny,) = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Principal"] == "*" and "sqs:SendMessage" in deny["Action"]


def test_retries_stop_within_the_dedup_window_and_service_limits():
    assert event_capture.retry_age_seconds(make_settings(), 86_400) == 3_600
    long_window = make_settings(dedupWindowMinutes=str(48 * 60))
    assert event_capture.retry_age_seconds(long_window, 21_600) == 21_600
    assert event_capture.retry_age_seconds(make_settings(dedupWindowMinutes="1"), 21_600) == 60


# ---- idempotency -------------------------------------------------------------------------


def test_idempotency_table_matches_powertools_defaults():
    inputs = table_inputs(make_settings())
    assert inputs["hash_key"] == "id"
    assert inputs["attributes"] == [{"name": "id", "type": "S"}]
    assert inputs["ttl"] == {"attribute_name": "expiration", "enabled": True}
    assert inputs["billing_mode"] == "PAY_PER_REQUEST"
    assert inputs["server_side_encryption"] == {"enabled": True}


def test_only_the_error_handler_gets_idempotency_environment():
    settings = make_settings(dedupWindowMinutes="15")
    for handler in HandlerKey:
        env = function_environment(settings, handler)
        if handler is HandlerKey.ERROR_HANDLER:
            assert env[EnvVar.IDEMPOTENCY_TABLE] == arns.idempotency_table_name(settings)
            assert env[EnvVar.IDEMPOTENCY_WINDOW_SECONDS] == "900"
        else:
            assert EnvVar.IDEMPOTENCY_TABLE not in env


def test_error_handler_may_use_its_table_and_dead_letter_queue_only():
    settings = make_settings()
    table = "arn:aws:dynamodb:us-east-1:111122223333:table/sf-user-pipeline-dev-alert-idempotency"
    queue = "arn:aws:sqs:us-east-1:111122223333:sf-user-pipeline-dev-alert-dead-letters"
    statements = lambda_policy(settings, HandlerKey.ERROR_HANDLER, TARGETS)["Statement"]
    dynamodb = [s for s in statements if any(a.startswith("dynamodb:") for a in s["Action"])]
    assert dynamodb == [
        {"Sid": "IdempotencyRecords", "Effect": "Allow", "Resource": table, "Action": [
            "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]}
    ]  # fmt: skip
    sqs = [s for s in statements if any(a.startswith("sqs:") for a in s["Action"])]
    assert [(s["Action"], s["Resource"]) for s in sqs] == [(["sqs:SendMessage"], queue)]
    for other in (HandlerKey.METRICS_PUBLISHER, HandlerKey.PIPELINE_VALIDATOR):
        text = str(lambda_policy(settings, other, TARGETS))
        assert "dynamodb:" not in text and "sqs:" not in text
