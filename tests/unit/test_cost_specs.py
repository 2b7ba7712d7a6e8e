"""Pure specs of the cost guards and the monitoring's self-health: workgroup, lifecycle, IAM,
environment, canary, alarms, widgets."""

import json
import re

import pytest

from components import alarm_specs as specs
from components import arns
from components.alarm_model import (
    EXPRESSION_ID,
    Comparison,
    MetricMath,
    MissingData,
    metric_alarm_inputs,
)
from components.alarm_specs import AlarmKey
from components.athena_workgroup import workgroup_configuration
from components.canary import (
    canary_input,
    publish_self_test_policy,
    send_failures_policy,
)
from components.dashboard_body import dashboard_segments
from components.handler_table import lambda_policy
from components.results_lifecycle import lifecycle_rules
from handlers import contract
from handlers.contract import AlertRoute, EnvVar, HandlerKey, Metric
from tests.unit.settings_fixtures import function_environment, make_settings
from tests.unit.test_runbooks import RUNBOOKS, assert_sections_in_order_with_three_steps
from tests.unit.test_specs import TARGETS

KEY = "arn:aws:kms:us-east-1:111122223333:key/results-key"


def test_workgroup_enforces_location_encryption_cutoff_engine_and_metrics():
    config = workgroup_configuration(make_settings(athenaBytesScannedCutoff="104857600"))
    assert config["enforce_workgroup_configuration"] is True
    assert config["publish_cloudwatch_metrics_enabled"] is True
    assert config["bytes_scanned_cutoff_per_query"] == 104_857_600
    assert config["engine_version"] == {"selected_engine_version": "Athena engine version 3"}
    results = config["result_configuration"]
    assert results["output_location"] == "s3://athena-results-111122223333/validator/"
    assert results["encryption_configuration"] == {"encryption_option": "SSE_S3"}


def test_workgroup_uses_sse_kms_with_a_configured_key():
    config = workgroup_configuration(make_settings(athenaResultsKmsKeyArn=KEY))
    encryption = config["result_configuration"]["encryption_configuration"]
    assert encryption == {"encryption_option": "SSE_KMS", "kms_key_arn": KEY}


def test_lifecycle_expires_only_the_results_prefix():
    (rule,) = lifecycle_rules(make_settings(athenaResultsPrefix="athena/validator",
                                            athenaResultsExpirationDays="14"))  # fmt: skip
    assert rule["status"] == "Enabled"
    assert rule["filter"] == {"prefix": "athena/validator/"}  # not athena/validator-other/
    assert rule["expiration"] == {"days": 14}


def _validator_statements(settings):
    return lambda_policy(settings, HandlerKey.PIPELINE_VALIDATOR, TARGETS)["Statement"]


def test_validator_iam_follows_the_workgroup_and_the_results_prefix():
    statements = _validator_statements(make_settings(athenaResultsPrefix="q"))
    (athena,) = [s for s in statements if "athena:StartQueryExecution" in s["Action"]]
    assert athena["Resource"] == (
        "arn:aws:athena:us-east-1:111122223333:workgroup/sf-user-pipeline-dev-validator"
    )
    (writes,) = [s for s in statements if "s3:PutObject" in s["Action"]]
    assert writes["Resource"] == "arn:aws:s3:::athena-results-111122223333/q/*"
    existing = _validator_statements(make_settings(athenaWorkgroup="analytics"))
    (athena,) = [s for s in existing if "athena:StartQueryExecution" in s["Action"]]
    assert athena["Resource"].endswith(":workgroup/analytics")


def test_validator_gets_the_results_key_only_when_configured():
    def key_grants(settings):
        return [s for s in _validator_statements(settings) if "kms:GenerateDataKey" in s["Action"]]

    assert key_grants(make_settings()) == []
    (grant,) = key_grants(make_settings(athenaResultsKmsKeyArn=KEY))
    assert grant["Resource"] == KEY
    assert sorted(grant["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]


COST_GUARDS = {EnvVar.ATHENA_RESULT_REUSE_MINUTES, EnvVar.INGESTION_LOOKBACK_DAYS}
SELF_TEST = {EnvVar.SELF_TEST_TOPIC_ARN, EnvVar.SELF_TEST_ALERTS}


def test_validator_environment_carries_reuse_and_lookback():
    settings = make_settings(athenaResultReuseMinutes="0", ingestionLookbackDays="3")
    env = function_environment(settings, HandlerKey.PIPELINE_VALIDATOR)
    assert env[EnvVar.ATHENA_RESULT_REUSE_MINUTES] == "0"
    assert env[EnvVar.INGESTION_LOOKBACK_DAYS] == "3"
    assert env[EnvVar.ATHENA_WORKGROUP] == arns.validator_workgroup(settings)
    assert not SELF_TEST & set(env)


def test_error_handler_environment_carries_self_test_and_dedup_settings():
    settings = make_settings(canaryAlerts="log")
    env = function_environment(settings, HandlerKey.ERROR_HANDLER)
    assert env[EnvVar.SELF_TEST_ALERTS] == contract.SelfTestAlerts.LOG
    assert env[EnvVar.SELF_TEST_TOPIC_ARN] == (
        "arn:aws:sns:us-east-1:111122223333:sf-user-pipeline-dev-self-test"
    )
    assert {EnvVar.IDEMPOTENCY_TABLE, EnvVar.IDEMPOTENCY_WINDOW_SECONDS} <= set(env)
    assert not COST_GUARDS & set(env)
    quiet = function_environment(make_settings(canaryEnabled="false"), HandlerKey.ERROR_HANDLER)
    # Without the canary there is no self-test topic, and the handler only logs a self-test.
    assert EnvVar.SELF_TEST_TOPIC_ARN not in quiet
    assert quiet[EnvVar.SELF_TEST_ALERTS] == contract.SelfTestAlerts.LOG
    publisher = function_environment(settings, HandlerKey.METRICS_PUBLISHER)
    assert not (SELF_TEST | COST_GUARDS) & set(publisher)


def test_canary_event_is_the_contract_self_test():
    assert json.loads(canary_input()) == {contract.SELF_TEST_KEY: True}


def test_publisher_and_validator_roles_may_send_their_async_failures():
    queue = "arn:aws:sqs:us-east-1:111122223333:q"
    (send,) = send_failures_policy(queue)["Statement"]
    assert (send["Action"], send["Resource"]) == (["sqs:SendMessage"], queue)


def test_self_test_publishing_grants_the_topic_only():
    # The topic's key is the alert key, granted once by the error handler's alert policy;
    # tests/guardrails/test_least_privilege proves that grant still covers the self-test topic.
    (publish,) = publish_self_test_policy("arn:topic")["Statement"]
    assert (publish["Action"], publish["Resource"]) == (["sns:Publish"], "arn:topic")


def test_heartbeat_alarm_breaches_on_missing_data_over_two_intervals():
    settings = make_settings(canarySchedule="rate(6 hours)")
    heartbeat = specs.heartbeat_spec(settings)
    assert heartbeat.watches.metric_name == Metric.MONITORING_HEARTBEAT.name
    assert heartbeat.watches.namespace == contract.NAMESPACE
    assert dict(heartbeat.watches.dimensions) == Metric.MONITORING_HEARTBEAT.dimensions("dev")
    assert heartbeat.period_seconds == 2 * 6 * 3_600
    assert heartbeat.treat_missing_data is MissingData.BREACHING
    assert (heartbeat.comparison, heartbeat.threshold) == (Comparison.LESS, 1)
    assert heartbeat.route is AlertRoute.CRITICAL  # a blind monitoring pages


def test_no_heartbeat_alarm_without_the_canary():
    keys = [s.key for s in specs.alarm_specs(make_settings(canaryEnabled="false"))]
    assert AlarmKey.MONITORING_HEARTBEAT not in keys
    assert AlarmKey.MONITORING_HANDLER_ERRORS in keys


def test_handler_errors_alarm_sums_the_three_functions_and_alert_fallbacks():
    spec = specs.handler_errors_spec(make_settings())
    assert isinstance(spec.watches, MetricMath)
    inputs = metric_alarm_inputs(spec)
    assert inputs["threshold"] == 1 and "threshold_metric_id" not in inputs
    *metrics, total = inputs["metric_queries"]
    assert total["id"] == EXPRESSION_ID
    errors = [q for q in metrics if q["metric"]["namespace"] == "AWS/Lambda"]
    assert {q["metric"]["dimensions"]["FunctionName"] for q in errors} == {
        contract.function_name("dev", handler) for handler in HandlerKey
    }
    assert all(q["metric"]["metric_name"] == "Errors" and q["metric"]["stat"] == "Sum"
               for q in errors)  # fmt: skip
    (fallbacks,) = [q["metric"] for q in metrics if q not in errors]
    assert (fallbacks["namespace"], fallbacks["metric_name"], fallbacks["stat"]) == (
        contract.NAMESPACE,
        Metric.ALERT_FALLBACKS.name,
        "Sum",
    )
    assert fallbacks["dimensions"] == Metric.ALERT_FALLBACKS.dimensions("dev")
    assert not any(q["return_data"] for q in metrics) and total["return_data"] is True
    assert sorted(re.findall(r"[a-z_]+", total["expression"].removeprefix("SUM"))) == sorted(
        q["id"] for q in metrics
    )
    assert spec.route is AlertRoute.CRITICAL


def test_self_health_and_cost_segments_show_heartbeat_handler_health_and_query_cost():
    settings = make_settings()
    segments = dashboard_segments(settings)[-2:]
    assert [s.title.split(":")[0] for s in segments] == ["Cost", "Self-health"]
    lines = {(m.namespace, m.metric_name, tuple(m.dimensions.values()))
             for s in segments for w in s.widgets for m in w.metrics}  # fmt: skip
    for metric in (Metric.MONITORING_HEARTBEAT, Metric.ATHENA_BYTES_SCANNED):
        dims = tuple(metric.dimensions("dev").values())
        assert (contract.NAMESPACE, metric.name, dims) in lines
    for handler in HandlerKey:
        for name in ("Errors", "Duration"):
            assert ("AWS/Lambda", name, (contract.function_name("dev", handler),)) in lines


ALARM_SECTIONS = ("**What it means.**", "**Likely causes.**", "**First three steps.**",
                  "**Verify the fix.**")  # fmt: skip


@pytest.mark.parametrize("key", [AlarmKey.MONITORING_HEARTBEAT, AlarmKey.MONITORING_HANDLER_ERRORS])
def test_monitoring_runbooks_have_the_four_sections(key):
    text = (RUNBOOKS / f"{specs.runbook_slug(key)}.md").read_text()
    assert text.startswith(f"# Alarm: {key.value} (critical)\n")
    assert_sections_in_order_with_three_steps(text, ALARM_SECTIONS)
