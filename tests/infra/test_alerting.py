"""Alerting as registered by the real program: absence, band, freshness and dead-letter alarms,
severity routing, maintenance suppression, EventBridge capture with its dead-letter path,
idempotency table."""

import functools
import json
import re

import pytest

from components import arns
from components.alarm_specs import AlarmKey
from components.handler_table import HANDLERS, AsyncFailures
from handlers import contract
from handlers.contract import AlertRoute, EnvVar, HandlerKey
from tests.infra.cloudwatch_api import put_composite_alarm_params, put_metric_alarm_params, validate
from tests.infra.conftest import alarm_routes
from tests.infra.pulumi_harness import StackRun, run_stack

METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
PERMISSION = "aws:lambda/permission:Permission"
QUEUE = "aws:sqs/queue:Queue"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
TABLE = "aws:dynamodb/table:Table"
CAPTURE = "sfuser:monitoring:EventCapture"
MONITORING_HEALTH = (AlarmKey.MONITORING_HEARTBEAT, AlarmKey.MONITORING_HANDLER_ERRORS)
SUPPRESSOR_KEY = "sf-user-monitoring:maintenanceSuppressorAlarm"
ABSENCE_BAND_FRESHNESS_AND_DELIVERY = {
    AlarmKey.MISSED_RUN, AlarmKey.RECORD_VOLUME_BAND, AlarmKey.DURATION_BAND,
    AlarmKey.DATA_FRESHNESS, AlarmKey.ALERT_DEAD_LETTERS,
}  # fmt: skip


@functools.cache
def suppressed_run(suppressor: str) -> StackRun:
    return run_stack("prod", {SUPPRESSOR_KEY: suppressor})


def _metric_alarms(run: StackRun) -> dict[str, dict]:
    return {a.inputs["name"]: a.inputs for a in run.of_type(METRIC_ALARM)}


def _composites(run: StackRun) -> dict[str, dict]:
    return {a.inputs["alarmName"]: a.inputs for a in run.of_type(COMPOSITE_ALARM)}


def _children(rule: str) -> set[str]:
    return set(re.findall(r'ALARM\("([^"]+)"\)', rule))


def test_absence_band_freshness_and_delivery_alarms_validate_against_the_cloudwatch_model(
    stack_run, stack_settings
):
    alarms = _metric_alarms(stack_run)
    for key in ABSENCE_BAND_FRESHNESS_AND_DELIVERY:
        inputs = alarms[arns.alarm_name(stack_settings, key)]
        validate("PutMetricAlarm", put_metric_alarm_params(stack_run.named(f"alarms-{key}")))
        assert inputs["alarmActions"], key
    missed = alarms[arns.alarm_name(stack_settings, AlarmKey.MISSED_RUN)]
    assert missed["period"] * missed["evaluationPeriods"] == stack_settings.missed_run_hours * 3600
    band = alarms[arns.alarm_name(stack_settings, AlarmKey.DURATION_BAND)]
    expressions = [q["expression"] for q in band["metricQueries"] if "expression" in q]
    assert expressions == [f"ANOMALY_DETECTION_BAND(m1, {stack_settings.anomaly_band_width:g})"]


def test_every_metric_alarm_notifies_its_contract_route_directly_by_default(stack_run):
    topics = {route: stack_run.outputs[f"{route.value}TopicArn"] for route in AlertRoute}
    assert [name.rsplit("-", 1)[1] for name in _composites(stack_run)] == ["PipelineHealth"]
    routes = alarm_routes(stack_run)
    for name, inputs in _metric_alarms(stack_run).items():
        assert inputs["alarmActions"] == [topics[routes[name]]], name
    assert all("actionsSuppressor" not in c for c in _composites(stack_run).values())


@pytest.mark.parametrize("suppressor", ["create", "ops-maintenance-window"])
def test_in_suppression_mode_only_suppressed_composites_page(suppressor):
    run = suppressed_run(suppressor)
    prefix = contract.resource_prefix("prod")
    created = f"{prefix}-MaintenanceMode"
    expected_suppressor = created if suppressor == "create" else suppressor
    metric_alarms = _metric_alarms(run)
    composites = _composites(run)
    paging = {name: c for name, c in composites.items() if c["alarmActions"]}
    assert set(paging) == {f"{prefix}-Critical", f"{prefix}-Warning", f"{prefix}-PipelineHealth"}
    for name, composite in paging.items():
        assert composite["actionsSuppressor"]["alarm"] == expected_suppressor, name
        (resource,) = [a for a in run.of_type(COMPOSITE_ALARM) if a.inputs["alarmName"] == name]
        validate("PutCompositeAlarm", put_composite_alarm_params(resource))
    covered = set().union(*(_children(c["alarmRule"]) for c in paging.values()))
    for name, inputs in metric_alarms.items():
        if name == created:  # the suppressor announces maintenance itself
            assert inputs["alarmActions"] == [run.outputs["warningTopicArn"]]
            continue
        assert inputs["alarmActions"] == [] and inputs["okActions"] == [], name
        assert name in covered, name  # it still pages, through a composite
    # The monitoring's own alarms follow the same rule as the pipeline's.
    health = {f"{prefix}-{k}" for k in MONITORING_HEALTH}
    assert health <= set(metric_alarms) and health <= covered
    for route in AlertRoute:
        route_children = _children(composites[f"{prefix}-{route.value.capitalize()}"]["alarmRule"])
        assert {alarm_routes(run)[n] for n in route_children} == {route}
    assert (created in metric_alarms) == (suppressor == "create")
    assert sorted(run.outputs["alarmNames"]) == sorted([*metric_alarms, *composites])


def test_created_suppressor_exists_before_the_composites_that_name_it():
    run = suppressed_run("create")
    for composite in run.of_type(COMPOSITE_ALARM):
        assert "alarms-MaintenanceMode" in composite.dependencies, composite.name


def test_capture_rules_invoke_the_error_handler_with_retries_and_dead_letters(stack_run):
    handler_arn = stack_run.outputs["functionArns"][HandlerKey.ERROR_HANDLER.value]
    handler_name = stack_run.outputs["functionNames"][HandlerKey.ERROR_HANDLER.value]
    queue_arn = stack_run.outputs["alertDeadLetterQueueArn"]
    rules = {r.state["arn"]: r for r in stack_run.of_type(RULE, CAPTURE)}
    patterns = [json.loads(r.inputs["eventPattern"]) for r in rules.values()]
    assert sorted(p["detail-type"][0] for p in patterns) == [
        "Glue Job State Change", "Step Functions Execution Status Change"
    ]  # fmt: skip
    permissions = {p.inputs["sourceArn"]: p.inputs for p in stack_run.of_type(PERMISSION, CAPTURE)}
    assert set(permissions) == set(rules)  # one permission per rule, scoped to it
    for permission in permissions.values():
        assert permission["principal"] == "events.amazonaws.com"
        assert permission["function"] == handler_name
        assert permission["action"] == "lambda:InvokeFunction"
    targets = stack_run.of_type(TARGET, CAPTURE)
    assert {t.inputs["rule"] for t in targets} == {r.state["name"] for r in rules.values()}
    for target in targets:
        assert target.inputs["arn"] == handler_arn
        assert target.inputs["deadLetterConfig"] == {"arn": queue_arn}
        assert 60 <= target.inputs["retryPolicy"]["maximumEventAgeInSeconds"] <= 86_400
        assert 0 <= target.inputs["retryPolicy"]["maximumRetryAttempts"] <= 185
        assert any(d.endswith("-invoke") for d in target.dependencies)
    (policy,) = stack_run.of_type(QUEUE_POLICY, CAPTURE)
    (allow,) = [s for s in policy.json_input("policy")["Statement"] if s["Effect"] == "Allow"]
    assert allow["Resource"] == queue_arn
    assert allow["Condition"]["ArnEquals"]["aws:SourceArn"] == sorted(rules)


def test_async_failures_of_the_error_handler_reach_the_encrypted_dead_letter_queue(stack_run):
    (queue,) = stack_run.of_type(QUEUE, CAPTURE)
    assert queue.inputs["sqsManagedSseEnabled"] is True
    (config,) = stack_run.of_type(INVOKE_CONFIG, CAPTURE)
    assert config.inputs["functionName"] == stack_run.outputs["functionNames"]["error-handler"]
    assert config.inputs["destinationConfig"] == {
        "onFailure": {"destination": queue.state["arn"]}
    }  # fmt: skip
    assert 0 <= config.inputs["maximumRetryAttempts"] <= 2
    assert 60 <= config.inputs["maximumEventAgeInSeconds"] <= 21_600
    # Lambda checks the role may send to the destination: the role policy must exist first.
    assert "handlers-error-handler-policy" in config.dependencies
    role_policy = stack_run.named("handlers-error-handler-policy").json_input("policy")
    senders = [s for s in role_policy["Statement"] if "sqs:SendMessage" in s["Action"]]
    assert [s["Resource"] for s in senders] == [queue.state["arn"]]


def test_each_function_has_one_async_destination_the_one_its_spec_names(stack_run):
    """Lambda takes one invoke config per function: the handler table says which component
    gives it (EventCapture for ALERT_DEAD_LETTERS, Canary for CANARY_QUEUE)."""
    owners = {
        AsyncFailures.ALERT_DEAD_LETTERS: CAPTURE,
        AsyncFailures.CANARY_QUEUE: "sfuser:monitoring:Canary",
    }
    configs = stack_run.of_type(INVOKE_CONFIG)
    names = [config.inputs["functionName"] for config in configs]
    assert len(names) == len(set(names))
    canary = stack_run.config.get("sf-user-monitoring:canaryEnabled", "true") == "true"
    for key, spec in HANDLERS.items():
        wanted = owners[spec.async_failures]
        if wanted == CAPTURE or canary:
            function = stack_run.outputs["functionNames"][key.value]
            (config,) = [c for c in configs if c.inputs["functionName"] == function]
            assert config.parent_type == wanted, key


def test_idempotency_table_is_what_the_error_handler_is_told_and_allowed(stack_run):
    (table,) = stack_run.of_type(TABLE)
    assert table.inputs["ttl"] == {"attributeName": "expiration", "enabled": True}
    assert table.inputs["hashKey"] == "id" and table.inputs["billingMode"] == "PAY_PER_REQUEST"
    assert table.inputs["serverSideEncryption"]["enabled"] is True
    handler = stack_run.named("handlers-error-handler").inputs["environment"]["variables"]
    assert handler[EnvVar.IDEMPOTENCY_TABLE] == table.inputs["name"]
    assert int(handler[EnvVar.IDEMPOTENCY_WINDOW_SECONDS]) == 3600
    policy = stack_run.named("handlers-error-handler-policy").json_input("policy")
    (records,) = [s for s in policy["Statement"] if s["Sid"] == "IdempotencyRecords"]
    assert records["Resource"] == table.state["arn"]
