"""The policy pack: the real program passes every policy; each rule catches its violation."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path
from typing import Any

import pulumi_policy
import pytest

from policies.sfuser_guardrails import iam, resources, stack
from policies.sfuser_guardrails.alarm_rule import RuleSyntaxError, fires_when_only
from policies.sfuser_guardrails.model import StackResource
from policies.sfuser_guardrails.pack import ENFORCEMENT, PACK_NAME, POLICIES
from tests.guardrails.programs import program, stack_resources
from tests.infra.configurations import CONFIGURATIONS

PACK_DIR = Path(__file__).resolve().parents[1]


def resource_violations(resource: StackResource) -> list[str]:
    """Every resource-level rule, applied the way the pack applies it."""
    props, kind = resource.props, resource.type
    found = iam.iam_violations(kind, props)
    if kind == resources.LOG_GROUP:
        found += resources.log_group_retention(props, resources.DEFAULT_MAX_RETENTION_DAYS)
    if kind == resources.LAMBDA_FUNCTION:
        found += resources.lambda_settings(props)
    if kind == resources.SNS_TOPIC:
        found += resources.sns_topic_encrypted(props)
    if kind == resources.SQS_QUEUE:
        found += resources.sqs_queue_encrypted(props)
    return found


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_every_registered_resource_passes_every_policy(configuration):
    registered = stack_resources(program(configuration))
    assert registered
    problems = [p for r in registered for p in resource_violations(r)]
    problems += stack.alarm_notification_violations(registered)
    problems += stack.async_lambda_failure_violations(registered)
    assert problems == []


def test_the_pack_lists_every_policy_mandatory(monkeypatch):
    captured: dict[str, Any] = {}
    monkeypatch.setattr(sys, "path", list(sys.path))  # __main__ prepends the pack directory
    monkeypatch.setattr(pulumi_policy, "PolicyPack", lambda **kwargs: captured.update(kwargs))
    runpy.run_path(str(PACK_DIR / "__main__.py"), run_name="__main__")
    assert captured["name"] == PACK_NAME == "sf-user-monitoring-guardrails"
    assert captured["enforcement_level"] is ENFORCEMENT is pulumi_policy.EnforcementLevel.MANDATORY
    assert {p.name for p in captured["policies"]} == {
        "alarms-notify",
        "log-group-retention",
        "lambda-explicit-settings",
        "async-lambda-keeps-failures",
        "sns-topic-kms-encrypted",
        "sqs-queue-encrypted",
        "iam-least-privilege",
    }
    assert [p.name for p in captured["policies"]] == [p.name for p in POLICIES]


def _report(policy: Any, args: Any) -> list[str]:
    reported: list[str] = []
    policy.validate(args, lambda message, urn=None: reported.append(message))
    return reported


def _policy(name: str) -> Any:
    return next(p for p in POLICIES if p.name == name)


def test_the_retention_policy_reads_max_retention_days_from_its_config():
    args = pulumi_policy.ResourceValidationArgs(
        resources.LOG_GROUP,
        {"name": "g", "retentionInDays": 400},
        "urn:g",
        "g",
        None,  # type: ignore[arg-type]
        None,
        config={"maxRetentionDays": 365},
    )
    assert len(_report(_policy("log-group-retention"), args)) == 1
    args = pulumi_policy.ResourceValidationArgs(
        resources.LOG_GROUP,
        {"name": "g", "retentionInDays": 400},
        "urn:g",
        "g",
        None,
        None,  # type: ignore[arg-type]
    )
    assert _report(_policy("log-group-retention"), args) == []


# ---- one failing example per rule -------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "maximum", "expected"),
    [
        ({"name": "g"}, 3653, "no retentionInDays"),
        ({"name": "g", "retentionInDays": 0}, 3653, "no retentionInDays"),
        ({"name": "g", "retentionInDays": 731}, 365, "more than the configured maximum of 365"),
    ],
)
def test_log_group_without_bounded_retention_is_a_violation(props, maximum, expected):
    [problem] = resources.log_group_retention(props, maximum)
    assert expected in problem
    assert resources.log_group_retention({**props, "retentionInDays": 30}, maximum) == []


GOOD_LAMBDA = {"name": "f", "timeout": 60, "memorySize": 256, "tracingConfig": {"mode": "Active"}}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"timeout": None}, "no explicit timeout"),
        ({"memorySize": None}, "no explicit memorySize"),
        ({"tracingConfig": {"mode": "PassThrough"}}, "tracingConfig.mode Active"),
        ({"tracingConfig": None}, "tracingConfig.mode Active"),
    ],
)
def test_lambda_without_explicit_settings_is_a_violation(change, expected):
    assert resources.lambda_settings(GOOD_LAMBDA) == []
    [problem] = resources.lambda_settings({**GOOD_LAMBDA, **change})
    assert expected in problem


def test_unencrypted_topic_and_queue_are_violations():
    assert resources.sns_topic_encrypted({"name": "t"})
    assert resources.sns_topic_encrypted({"name": "t", "kmsMasterKeyId": "alias/k"}) == []
    assert resources.sqs_queue_encrypted({"name": "q", "sqsManagedSseEnabled": False})
    assert resources.sqs_queue_encrypted({"name": "q", "sqsManagedSseEnabled": True}) == []
    assert resources.sqs_queue_encrypted({"name": "q", "kmsMasterKeyId": "alias/k"}) == []


def _policy_props(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"policy": json.dumps({"Version": "2012-10-17", "Statement": list(statements)})}


METRICS = {
    "Effect": "Allow",
    "Action": "cloudwatch:PutMetricData",
    "Resource": "*",
    "Condition": {"StringEquals": {"cloudwatch:namespace": "SfUserPipeline"}},
}


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b"}, "wildcard action"),
        ({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b"}, "wildcard"),
        ({"Effect": "Allow", "Action": ["s3:Get*"], "Resource": "arn:aws:s3:::b/*"}, "wildcard"),
        ({"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}, "support resource ARNs"),
        ({**METRICS, "Condition": {}}, "without a cloudwatch:namespace condition"),
        ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, "NotAction"),
        ({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::b"}, "NotRes"),
    ],
)
def test_broad_iam_statements_are_violations(statement, expected):
    for kind in sorted(iam.POLICY_DOCUMENT_TYPES):
        problems = iam.iam_violations(kind, _policy_props(statement))
        assert any(expected in p for p in problems), problems
    role = {"inlinePolicies": [{"name": "p", **_policy_props(statement)}]}
    assert iam.iam_violations(iam.ROLE, role)


def test_unscoped_actions_and_deny_statements_pass():
    deny = {"Effect": "Deny", "Action": "*", "Resource": "*"}
    xray = {"Effect": "Allow", "Action": ["xray:PutTraceSegments"], "Resource": "*"}
    props = _policy_props(METRICS, deny, xray)
    assert iam.iam_violations("aws:iam/rolePolicy:RolePolicy", props) == []


# ---- alarms ------------------------------------------------------------------------------------

TOPIC = "arn:aws:sns:us-east-1:123456789012:alerts"


def _metric_alarm(name: str, actions: list[str] | None = None, **props: Any) -> StackResource:
    return StackResource(stack.METRIC_ALARM, name, {"name": name, "alarmActions": actions, **props})


def _composite(name: str, rule: str, actions: list[str] | None = None, **props: Any):
    return StackResource(
        stack.COMPOSITE_ALARM,
        name,
        {"alarmName": name, "alarmRule": rule, "alarmActions": actions, **props},
    )


def test_alarm_without_actions_is_a_violation():
    [problem] = stack.alarm_notification_violations([_metric_alarm("a")])
    assert "'a' notifies no one" in problem
    assert stack.alarm_notification_violations([_metric_alarm("a", [TOPIC])]) == []
    disabled = _metric_alarm("a", [TOPIC], actionsEnabled=False)
    assert stack.alarm_notification_violations([disabled])


def test_a_child_of_a_notifying_composite_notifies_through_it_precisely():
    suppressor = {"alarm": "maintenance", "extensionPeriod": 60, "waitPeriod": 60}
    rule = 'ALARM("a") OR (ALARM(b) AND ALARM(c)) OR (ALARM(d) AND NOT ALARM("maintenance"))'
    alarms = [
        *(_metric_alarm(name) for name in "abcd"),
        _metric_alarm("maintenance"),
        _composite("rollup", rule, [TOPIC], actionsSuppressor=suppressor),
    ]
    problems = stack.alarm_notification_violations(alarms)
    # a and d fire the rollup alone; b and c only together; the suppressor is exempt.
    assert [p.split("'")[1] for p in problems] == ["b", "c"]
    silent_rollup = _composite("rollup", rule, None, actionsSuppressor=suppressor)
    problems = stack.alarm_notification_violations([*alarms[:-1], silent_rollup])
    assert [p.split("'")[1] for p in problems] == ["a", "b", "c", "d", "rollup"]


def test_nested_composites_and_arn_references_count():
    arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:a"
    alarms = [
        _metric_alarm("a"),
        _composite("inner", f"ALARM({arn})"),
        _composite("outer", 'ALARM("inner") OR OK("never")', [TOPIC]),
        _metric_alarm("never", [TOPIC]),
    ]
    assert stack.alarm_notification_violations(alarms) == []


def test_rules_the_evaluator_cannot_read_do_not_cover():
    with pytest.raises(RuleSyntaxError):
        fires_when_only('AT_LEAST(1, ALARM, (ALARM("a")))', "a")
    alarms = [_metric_alarm("a"), _composite("c", 'AT_LEAST(1, ALARM, (ALARM("a")))', [TOPIC])]
    assert stack.alarm_notification_violations(alarms)


# ---- async Lambdas -----------------------------------------------------------------------------

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:handler"


def _function(**props: Any) -> StackResource:
    return StackResource(
        resources.LAMBDA_FUNCTION, "fn", {"name": "handler", "arn": FUNCTION_ARN, **props}
    )


@pytest.mark.parametrize(
    "invoker",
    [
        StackResource(stack.EVENT_TARGET, "target", {"arn": FUNCTION_ARN}),
        # During preview the ARN is unknown; the property dependency still names the function.
        StackResource(stack.EVENT_TARGET, "target", {}, property_dependencies={"arn": {"fn"}}),
        StackResource(
            stack.LAMBDA_PERMISSION,
            "perm",
            {"function": "handler", "principal": "events.amazonaws.com"},
        ),
        StackResource(
            stack.SNS_SUBSCRIPTION, "sub", {"protocol": "lambda", "endpoint": FUNCTION_ARN}
        ),
        StackResource(stack.SCHEDULE, "schedule", {"target": {"arn": FUNCTION_ARN}}),
    ],
)
def test_async_invoked_lambda_without_dlq_or_destination_is_a_violation(invoker):
    [problem] = stack.async_lambda_failure_violations([_function(), invoker])
    assert "'handler' is invoked asynchronously" in problem
    with_dlq = _function(deadLetterConfig={"targetArn": "arn:aws:sqs:us-east-1:1:dlq"})
    assert stack.async_lambda_failure_violations([with_dlq, invoker]) == []
    config = StackResource(
        stack.EVENT_INVOKE_CONFIG,
        "cfg",
        {"functionName": "handler", "destinationConfig": {"onFailure": {"destination": "arn:q"}}},
    )
    assert stack.async_lambda_failure_violations([_function(), invoker, config]) == []


def test_synchronously_invoked_lambda_needs_no_dlq():
    states_permission = StackResource(
        stack.LAMBDA_PERMISSION, "p", {"function": "handler", "principal": "states.amazonaws.com"}
    )
    assert stack.async_lambda_failure_violations([_function(), states_permission]) == []


def test_an_invoke_config_without_on_failure_is_async_and_a_violation():
    config = StackResource(stack.EVENT_INVOKE_CONFIG, "cfg", {"functionName": FUNCTION_ARN})
    assert stack.async_lambda_failure_violations([_function(), config])
