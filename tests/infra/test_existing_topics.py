"""Routes on existing topics: nothing is created for them, everything points at them, the other
route is untouched, and the owner is told exactly what to add."""

from __future__ import annotations

import base64
import functools
import json
import logging

import dill
import pytest

from components import arns
from components.existing_topic_policy import ExistingTopicStatementProvider
from components.topic_grants import existing_topic_statement
from handlers.contract import AlertRoute, EnvVar, HandlerKey, function_name
from tests.guardrails.programs import function_named, identity_policies
from tests.guardrails.world import function_environment
from tests.infra.configurations import (
    EXISTING_TOPICS,
    PAGING_KEY,
    PAGING_TOPIC,
    configured_run,
)
from tests.infra.conftest import alarm_routes, settings_of
from tests.infra.pulumi_harness import PROJECT_ROOT, StackRun, run_stack, unsecret

P = "sf-user-monitoring"
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
KEY = "aws:kms/key:Key"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
STATEMENT_RESOURCE = "pulumi-python:dynamic/sfuser:ExistingTopicStatement"
EXISTING_CRITICAL = "dev-existing-critical-topic"
SHARED = "dev-one-shared-topic"


@functools.cache
def suppressed_existing_critical() -> StackRun:
    """Maintenance suppression on: the per-route composites page instead of the alarms."""
    overrides = {**EXISTING_TOPICS[EXISTING_CRITICAL], f"{P}:maintenanceSuppressorAlarm": "create"}
    return run_stack("dev", overrides)


def _error_handler_statements(run: StackRun) -> dict[str, dict]:
    function = function_named(run, function_name("dev", HandlerKey.ERROR_HANDLER))
    return {s["Sid"]: s for d in identity_policies(run, function) for s in d["Statement"]}


def _actions_by_alarm(run: StackRun) -> dict[str, tuple[list[str], list[str]]]:
    return {
        alarm.inputs.get("alarmName") or alarm.inputs["name"]: (
            alarm.inputs.get("alarmActions", []),
            alarm.inputs.get("okActions", []),
        )
        for kind in (METRIC_ALARM, COMPOSITE_ALARM)
        for alarm in run.of_type(kind)
    }


def test_an_existing_critical_topic_creates_nothing_for_that_route():
    run = configured_run(EXISTING_CRITICAL)
    settings = settings_of(run)
    created = {t.inputs["name"] for t in run.of_type(TOPIC)}
    assert arns.topic_name(settings, AlertRoute.CRITICAL) not in created
    assert arns.topic_name(settings, AlertRoute.WARNING) in created
    assert PAGING_TOPIC not in {p.inputs["arn"] for p in run.of_type(TOPIC_POLICY)}
    assert not run.of_type(STATEMENT_RESOURCE)  # manageExistingTopicPolicy is off
    assert {s.inputs["topic"] for s in run.of_type(SUBSCRIPTION)} <= {
        run.outputs["warningTopicArn"]
    }
    # The key stays: the warning topic and the canary's self-test topic use it.
    assert len(run.of_type(KEY)) == 1
    assert run.outputs["criticalTopicArn"] == PAGING_TOPIC


def _existing_critical() -> StackRun:
    return configured_run(EXISTING_CRITICAL)


@pytest.mark.parametrize(
    "run_of", [_existing_critical, suppressed_existing_critical], ids=["direct", "composites"]
)
def test_every_critical_alarm_and_composite_notifies_the_existing_topic(run_of):
    run = run_of()
    settings = settings_of(run)
    routes = alarm_routes(run)
    actions = _actions_by_alarm(run)
    critical = arns.alarm_name(settings, AlertRoute.CRITICAL.value.capitalize())
    paging = [name for name, route in routes.items() if route is AlertRoute.CRITICAL]
    suppressed = critical in actions
    for name in [critical] if suppressed else paging:
        assert actions[name] == ([PAGING_TOPIC], [PAGING_TOPIC]), name
    created_critical = arns.sns_topic_arn(settings, arns.topic_name(settings, AlertRoute.CRITICAL))
    every_action = {arn for pair in actions.values() for arn in [*pair[0], *pair[1]]}
    assert created_critical not in every_action
    assert every_action == {PAGING_TOPIC, run.outputs["warningTopicArn"]}


def test_the_error_handler_publishes_to_the_existing_topic_with_its_key():
    run = configured_run(EXISTING_CRITICAL)
    environment = function_environment(run, HandlerKey.ERROR_HANDLER)
    assert environment[EnvVar.CRITICAL_TOPIC_ARN] == PAGING_TOPIC
    assert environment[EnvVar.WARNING_TOPIC_ARN] == run.outputs["warningTopicArn"]
    statements = _error_handler_statements(run)
    assert statements["PublishAlerts"]["Resource"] == sorted(
        [PAGING_TOPIC, run.outputs["warningTopicArn"]]
    )
    (alert_key,) = [k.state["arn"] for k in run.of_type(KEY)]
    assert statements["EncryptAlerts"]["Resource"] == sorted([PAGING_KEY, alert_key])
    assert run.outputs["alertKmsKeyArns"] == sorted([PAGING_KEY, alert_key])


def test_the_warning_route_is_unchanged():
    dev, run = configured_run("dev"), configured_run(EXISTING_CRITICAL)
    for name in ("alerts-warning", "alerts-warning-policy"):
        assert run.named(name).inputs == dev.named(name).inputs
    warning = {
        name: actions
        for name, actions in _actions_by_alarm(dev).items()
        if run.outputs["warningTopicArn"] in actions[0]
    }
    assert warning and {name: _actions_by_alarm(run)[name] for name in warning} == warning
    assert run.outputs["warningTopicArn"] == dev.outputs["warningTopicArn"]


def test_both_routes_on_one_topic_need_no_key_and_one_managed_statement():
    run = configured_run(SHARED)
    settings = settings_of(run)
    assert not run.of_type(TOPIC) and not run.of_type(KEY) and not run.of_type(TOPIC_POLICY)
    assert not run.of_type(SUBSCRIPTION)
    (statement,) = run.of_type(STATEMENT_RESOURCE)
    assert statement.inputs["topic_arn"] == PAGING_TOPIC
    assert json.loads(statement.inputs["statement"]) == existing_topic_statement(
        settings, PAGING_TOPIC
    )
    assert run.outputs["criticalTopicArn"] == run.outputs["warningTopicArn"] == PAGING_TOPIC
    for alarm_actions, _ in _actions_by_alarm(run).values():
        assert alarm_actions == [PAGING_TOPIC]
    statements = _error_handler_statements(run)
    assert statements["PublishAlerts"]["Resource"] == [PAGING_TOPIC]
    assert "EncryptAlerts" not in statements  # no encrypted topic: no KMS grant
    assert run.outputs["alertKmsKeyArns"] == []


def test_the_statement_provider_survives_the_trip_to_the_provider_host():
    """Pulumi pickles the provider into the resource; its host unpickles it to call it."""
    (statement,) = configured_run(SHARED).of_type(STATEMENT_RESOURCE)
    serialized = unsecret(statement.inputs["__provider"])
    provider = dill.loads(base64.b64decode(serialized))
    assert isinstance(provider, ExistingTopicStatementProvider)


def test_the_owner_is_told_what_to_add_in_an_output_and_in_the_update_log(caplog):
    with caplog.at_level(logging.WARNING):
        run = run_stack("dev", EXISTING_TOPICS[EXISTING_CRITICAL])
    settings = settings_of(run)
    grants = run.outputs["existingTopicGrants"][PAGING_TOPIC]
    assert grants["topicPolicyStatement"] == existing_topic_statement(settings, PAGING_TOPIC)
    assert grants["topicPolicyStatementAddedByThisStack"] is False
    assert grants["kmsKeyArn"] == PAGING_KEY
    cloudwatch, error_handler = grants["keyPolicyStatementsIfEncrypted"]
    assert cloudwatch["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert cloudwatch["Condition"] == grants["topicPolicyStatement"]["Condition"]
    # The role by ARN in a condition, not as Principal: KMS would store a role principal as the
    # role's unique id, which a recreated role (destroy and up, a replacement) does not match.
    role = arns.function_role_arn(settings, HandlerKey.ERROR_HANDLER)
    assert error_handler["Principal"] == {"AWS": f"arn:aws:iam::{settings.account_id}:root"}
    assert error_handler["Condition"] == {"ArnEquals": {"aws:PrincipalArn": role}}
    runbook = f"{settings.runbook_base_url}/existing-alert-topics.md"
    assert grants["instructions"] == runbook
    (warning,) = [r.getMessage() for r in caplog.records if PAGING_TOPIC in r.getMessage()]
    assert runbook in warning and "existingTopicGrants" in warning and PAGING_KEY in warning


def test_a_created_topic_stack_has_no_owner_grants():
    assert "existingTopicGrants" not in configured_run("dev").outputs


def test_the_commented_shared_topic_example_in_staging_deploys():
    """Pulumi.staging.yaml's example, uncommented, is a valid configuration."""
    lines = (PROJECT_ROOT / "Pulumi.staging.yaml").read_text().splitlines()
    example = [
        line.strip().removeprefix("# ") for line in lines if line.strip().startswith(f"# {P}:")
    ]
    overrides = {key: value.strip() for key, _, value in (line.partition(": ") for line in example)}
    assert {f"{P}:criticalTopicArn", f"{P}:warningTopicArn"} <= set(overrides)
    run = run_stack("staging", overrides)
    assert run.outputs["criticalTopicArn"] == overrides[f"{P}:criticalTopicArn"]
    assert run.outputs["alertKmsKeyArns"].count(overrides[f"{P}:criticalTopicKmsKeyArn"]) == 1
