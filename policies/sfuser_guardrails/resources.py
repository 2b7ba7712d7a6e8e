"""Rules over one resource's properties: log retention, Lambda settings, encryption at rest."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

LOG_GROUP: Final = "aws:cloudwatch/logGroup:LogGroup"
LAMBDA_FUNCTION: Final = "aws:lambda/function:Function"
SNS_TOPIC: Final = "aws:sns/topic:Topic"
SQS_QUEUE: Final = "aws:sqs/queue:Queue"

# CloudWatch Logs' largest finite retention (10 years); 0 / unset means "never expire".
DEFAULT_MAX_RETENTION_DAYS: Final = 3653
ACTIVE_TRACING: Final = "Active"

Props = Mapping[str, Any]


def log_group_retention(props: Props, max_retention_days: int) -> list[str]:
    """A log group must expire its events, after at most `max_retention_days` days."""
    days = props.get("retentionInDays")  # numbers cross the engine's wire as floats
    if not isinstance(days, int | float) or isinstance(days, bool) or days <= 0:
        return [f"log group {props.get('name')!r} has no retentionInDays (events never expire)"]
    if days > max_retention_days:
        return [
            f"log group {props.get('name')!r} keeps events {days:g} days, more than the"
            f" configured maximum of {max_retention_days}"
        ]
    return []


def lambda_settings(props: Props) -> list[str]:
    """Explicit timeout and memory (not the 3 s / 128 MB defaults by accident), active tracing."""
    name = props.get("name")
    problems = [
        f"Lambda {name!r} has no explicit {setting}"
        for setting in ("timeout", "memorySize")
        if props.get(setting) is None
    ]
    tracing = props.get("tracingConfig") or {}
    if tracing.get("mode") != ACTIVE_TRACING:
        problems.append(f"Lambda {name!r} does not have tracingConfig.mode {ACTIVE_TRACING}")
    return problems


def sns_topic_encrypted(props: Props) -> list[str]:
    if props.get("kmsMasterKeyId"):
        return []
    return [f"SNS topic {props.get('name')!r} is not KMS-encrypted (no kmsMasterKeyId)"]


def sqs_queue_encrypted(props: Props) -> list[str]:
    if props.get("kmsMasterKeyId") or props.get("sqsManagedSseEnabled") is True:
        return []
    return [
        f"SQS queue {props.get('name')!r} is not encrypted"
        " (set kmsMasterKeyId or sqsManagedSseEnabled)"
    ]
