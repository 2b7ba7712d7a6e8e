"""The canary as registered: schedule, targets, permissions, failure paths, self-test topic,
and the two monitoring-health alarms, checked end to end against each other."""

import json

from components import arns
from components.alarm_specs import AlarmKey
from components.canary import failure_routed
from handlers import contract
from handlers.contract import EnvVar, HandlerKey, Metric
from tests.guardrails.programs import identity_policies, role_id, role_of
from tests.infra.override_run import override_run

RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
PERMISSION = "aws:lambda/permission:Permission"
INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
QUEUE = "aws:sqs/queue:Queue"
FUNCTION = "aws:lambda/function:Function"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
CANARY = "sfuser:monitoring:Canary"


def _functions(run):
    by_name = {f.inputs["name"]: f for f in run.of_type(FUNCTION)}
    env = run.config["sf-user-monitoring:environment"]
    return {h: by_name[contract.function_name(env, h)] for h in HandlerKey}


def _canary_queue(run, settings):
    (queue,) = [
        q for q in run.of_type(QUEUE) if q.inputs["name"] == f"{settings.prefix}-canary-failures"
    ]
    return queue


def test_schedule_invokes_each_handler_with_the_self_test_event(stack_run, stack_settings):
    (rule,) = stack_run.of_type(RULE, CANARY)
    assert rule.inputs["scheduleExpression"] == stack_settings.canary_schedule
    assert rule.inputs["state"] == "ENABLED"
    assert rule.state["arn"].startswith("arn:aws:events:")
    functions = _functions(stack_run)
    targets = {t.inputs["arn"]: t for t in stack_run.of_type(TARGET, CANARY)}
    assert set(targets) == {f.state["arn"] for f in functions.values()}
    queue = _canary_queue(stack_run, stack_settings)
    for target in targets.values():
        assert target.inputs["rule"] == rule.inputs["name"]
        assert json.loads(target.inputs["input"]) == {contract.SELF_TEST_KEY: True}
        assert target.inputs["deadLetterConfig"] == {"arn": queue.state["arn"]}


def test_eventbridge_may_invoke_each_function_only_from_the_rule(stack_run):
    (rule,) = stack_run.of_type(RULE, CANARY)
    functions = _functions(stack_run)
    permissions = {p.inputs["function"]: p for p in stack_run.of_type(PERMISSION, CANARY)}
    assert set(permissions) == {f.inputs["name"] for f in functions.values()}
    for permission in permissions.values():
        assert permission.inputs["principal"] == "events.amazonaws.com"
        assert permission.inputs["action"] == "lambda:InvokeFunction"
        assert permission.inputs["sourceArn"] == rule.state["arn"]
    for target in stack_run.of_type(TARGET, CANARY):
        assert f"canary-{target.inputs['targetId']}-invoke" in target.dependencies


def test_async_failures_of_publisher_and_validator_reach_the_encrypted_queue(
    stack_run, stack_settings
):
    queue = _canary_queue(stack_run, stack_settings)
    assert queue.inputs["sqsManagedSseEnabled"] is True
    configs = {c.inputs["functionName"]: c for c in stack_run.of_type(INVOKE_CONFIG, CANARY)}
    functions = _functions(stack_run)
    assert set(configs) == {functions[h].inputs["name"] for h in failure_routed()}
    for handler in failure_routed():
        config = configs[functions[handler].inputs["name"]]
        assert config.inputs["destinationConfig"] == {
            "onFailure": {"destination": queue.state["arn"]}
        }
        assert 0 <= config.inputs["maximumRetryAttempts"] <= 2
        grant = stack_run.named(f"canary-{handler.value}-failures")
        assert f"canary-{handler.value}-failures" in config.dependencies
        assert grant.inputs["role"] == role_id(role_of(stack_run, functions[handler]))
        (statement,) = grant.json_input("policy")["Statement"]
        assert (statement["Action"], statement["Resource"]) == (["sqs:SendMessage"],
                                                                queue.state["arn"])  # fmt: skip


def test_eventbridge_may_dead_letter_to_the_queue(stack_run, stack_settings):
    (rule,) = stack_run.of_type(RULE, CANARY)
    queue = _canary_queue(stack_run, stack_settings)
    policy = stack_run.named("canary-failures-policy")
    assert policy.inputs["queueUrl"] == queue.state["url"]
    allow = policy.json_input("policy")["Statement"][0]
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert allow["Resource"] == queue.state["arn"]
    assert allow["Condition"]["ArnEquals"] == {"aws:SourceArn": [rule.state["arn"]]}


def test_self_test_topic_is_encrypted_and_the_error_handler_may_publish(stack_run, stack_settings):
    (key,) = stack_run.of_type("aws:kms/key:Key")
    topic = stack_run.named("canary-self-test")
    assert topic.inputs["kmsMasterKeyId"] == key.state["arn"]
    assert stack_run.outputs["selfTestTopicArn"] == topic.state["arn"]
    handler = _functions(stack_run)[HandlerKey.ERROR_HANDLER]
    env = handler.inputs["environment"]["variables"]
    assert env[EnvVar.SELF_TEST_TOPIC_ARN] == topic.state["arn"]
    assert env[EnvVar.SELF_TEST_ALERTS] == stack_settings.canary_alerts.value
    grant = stack_run.named("canary-error-handler-self-test")
    assert grant.inputs["role"] == role_id(role_of(stack_run, handler))
    (publish,) = grant.json_input("policy")["Statement"]
    assert publish["Resource"] == topic.state["arn"] and publish["Action"] == ["sns:Publish"]
    # The topic's key is the alert key: the role's one grant on it is in its alert policy.
    statements = [s for p in identity_policies(stack_run, handler) for s in p["Statement"]]
    key_grants = [s for s in statements if key.state["arn"] in s["Resource"]]
    assert [set(s["Action"]) for s in key_grants] == [{"kms:Decrypt", "kms:GenerateDataKey"}]
    # The key policy delegates to IAM, so the role's kms grant takes effect.
    key_policy = key.json_input("policy")["Statement"]
    root = f"arn:aws:iam::{stack_settings.account_id}:root"
    assert any(s["Principal"] == {"AWS": root} for s in key_policy)


def test_monitoring_health_alarms_are_routed_and_watch_the_contract(stack_run, stack_settings):
    alarms = {a.inputs["name"]: a.inputs for a in stack_run.of_type(METRIC_ALARM)}
    env = stack_settings.environment
    heartbeat = alarms[arns.alarm_name(stack_settings, AlarmKey.MONITORING_HEARTBEAT)]
    assert heartbeat["metricName"] == Metric.MONITORING_HEARTBEAT.name
    assert heartbeat["dimensions"] == Metric.MONITORING_HEARTBEAT.dimensions(env)
    assert heartbeat["treatMissingData"] == "breaching"
    assert heartbeat["period"] == 2 * stack_settings.canary_interval_seconds
    errors = alarms[arns.alarm_name(stack_settings, AlarmKey.MONITORING_HANDLER_ERRORS)]
    queried = [q["metric"] for q in errors["metricQueries"] if "metric" in q]
    watched = {m["dimensions"]["FunctionName"] for m in queried if m["namespace"] == "AWS/Lambda"}
    assert watched == {f.inputs["name"] for f in _functions(stack_run).values()}
    fallbacks = [m for m in queried if m["namespace"] == contract.NAMESPACE]
    assert [(m["metricName"], m["dimensions"]) for m in fallbacks] == [
        (Metric.ALERT_FALLBACKS.name, Metric.ALERT_FALLBACKS.dimensions(env))
    ]
    topic = stack_run.outputs["criticalTopicArn"]  # a blind monitoring pages
    for inputs in (heartbeat, errors):
        assert inputs["alarmActions"] == [topic] == inputs["okActions"]


def test_a_disabled_canary_leaves_no_schedule_topic_or_heartbeat_alarm():
    run = override_run()  # canaryEnabled: false
    assert (
        run.of_type(RULE, CANARY)
        == run.of_type(TARGET, CANARY)
        == run.of_type(PERMISSION, CANARY)
        == []
    )
    assert [t.inputs["name"] for t in run.of_type("aws:sns/topic:Topic")
            if t.inputs["name"].endswith("self-test")] == []  # fmt: skip
    names = {a.inputs["name"] for a in run.of_type(METRIC_ALARM)}
    prefix = contract.resource_prefix("prod")
    assert f"{prefix}-{AlarmKey.MONITORING_HEARTBEAT}" not in names
    assert f"{prefix}-{AlarmKey.MONITORING_HANDLER_ERRORS}" in names
    for function in run.of_type(FUNCTION):
        assert EnvVar.SELF_TEST_TOPIC_ARN not in function.inputs["environment"]["variables"]
