"""What CloudWatch does on an alarm's state change and moto does not: notify the alarm's SNS
actions, as AWS decides it may.

moto's SetAlarmState records the new state and runs no action (moto 5.2,
`CloudWatchBackend.set_alarm_state`), so `cloudwatch_runs_alarm_actions` adds that step: for
each SNS action the topic's access policy must allow `cloudwatch.amazonaws.com` to `sns:Publish`
and, for an encrypted topic, the key must be customer managed and its policy must allow the same
principal `kms:GenerateDataKey*` / `kms:Decrypt`, both with the request context CloudWatch sends
(`aws:SourceAccount`, `aws:SourceArn` = the alarm, over TLS). A notification that is not allowed
is dropped, as AWS drops it; an allowed one is published in CloudWatch's JSON shape.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest
from moto.cloudwatch.models import CloudWatchBackend
from moto.kms.models import kms_backends
from moto.sns.models import sns_backends

CLOUDWATCH = "cloudwatch.amazonaws.com"
# The condition operators these policies use; any other makes a statement not match (fail closed).
_OPERATORS = {
    "StringEquals": lambda value, pattern: value == pattern,
    "StringLike": fnmatch.fnmatchcase,
    "ArnEquals": lambda value, pattern: value == pattern,
    "ArnLike": fnmatch.fnmatchcase,
    "Bool": lambda value, pattern: value == str(pattern).lower(),
}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _matches(
    statement: Mapping[str, Any], action: str, resource: str, context: Mapping[str, str]
) -> bool:
    principal = statement.get("Principal")
    services = _as_list(principal.get("Service", [])) if isinstance(principal, dict) else []
    if principal != "*" and CLOUDWATCH not in services:
        return False
    actions = [a.lower() for a in _as_list(statement.get("Action", []))]
    if not any(fnmatch.fnmatchcase(action.lower(), a) for a in actions):
        return False
    if not any(fnmatch.fnmatchcase(resource, r) for r in _as_list(statement.get("Resource", []))):
        return False
    for operator, keys in (statement.get("Condition") or {}).items():
        test = _OPERATORS.get(operator)
        if test is None:
            return False
        for key, patterns in keys.items():
            value = context.get(key)
            if value is None or not any(test(value, p) for p in _as_list(patterns)):
                return False
    return True


def allows(
    policy: Mapping[str, Any], action: str, resource: str, context: Mapping[str, str]
) -> bool:
    """Whether `policy` lets CloudWatch do `action` on `resource`: an Allow matches, no Deny."""
    statements = _as_list(policy.get("Statement", []))
    matched = [s for s in statements if _matches(s, action, resource, context)]
    return any(s["Effect"] == "Allow" for s in matched) and not any(
        s["Effect"] == "Deny" for s in matched
    )


def _notification(alarm: Any) -> str:
    return json.dumps(
        {
            "AlarmName": alarm.name,
            "AlarmDescription": alarm.description,
            "AWSAccountId": alarm.alarm_arn.split(":")[4],
            "NewStateValue": alarm.state_value,
            "NewStateReason": alarm.state_reason,
            "Region": alarm.region_name,
            "AlarmArn": alarm.alarm_arn,
            "OldStateValue": "INSUFFICIENT_DATA",
        }
    )


def notify(alarm: Any) -> list[str]:
    """Publish `alarm`'s notification to each SNS action that admits it; the topics it reached."""
    account, region = alarm.alarm_arn.split(":")[4], alarm.region_name
    context = {"aws:SourceAccount": account, "aws:SourceArn": alarm.alarm_arn,
               "aws:SecureTransport": "true"}  # fmt: skip
    reached = []
    for action in alarm.alarm_actions:
        topic = sns_backends[account][region].get_topic(action)
        if not allows(json.loads(topic.policy), "sns:Publish", action, context):
            continue
        if topic.kms_master_key_id:
            key = kms_backends[account][region].describe_key(topic.kms_master_key_id)
            key_policy = json.loads(key.policy)
            usable = key.key_manager == "CUSTOMER" and all(
                allows(key_policy, kms_action, "*", context)
                for kms_action in ("kms:GenerateDataKey", "kms:Decrypt")
            )
            if not usable:
                continue
        sns_backends[account][region].publish(
            message=_notification(alarm), arn=action, subject=f'ALARM: "{alarm.name}"'
        )
        reached.append(action)
    return reached


@contextmanager
def cloudwatch_runs_alarm_actions() -> Iterator[list[str]]:
    """Inside `mock_aws()`: SetAlarmState to ALARM notifies as CloudWatch would; yields the
    topics reached."""
    reached: list[str] = []
    original = CloudWatchBackend.set_alarm_state

    def set_alarm_state(
        self: CloudWatchBackend, alarm_name: str, *args: Any, **kwargs: Any
    ) -> None:
        original(self, alarm_name, *args, **kwargs)
        alarm = self.alarms[alarm_name]
        if alarm.state_value == "ALARM" and alarm.actions_enabled:
            reached.extend(notify(alarm))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CloudWatchBackend, "set_alarm_state", set_alarm_state)
        yield reached
