"""Prove, after a deploy, that this stack's alarms reach its alert topics end to end.

    make verify-delivery STACK=dev   # pulumi stack output --json | python -m ops.verify_delivery

Optional, against real AWS, with credentials for the stack's account. From the stack's outputs
(`criticalTopicArn`, `warningTopicArn`, `deliveryCheckAlarmName`, `alertKmsKeyArns`):

1. Checks each topic: it exists and is a standard topic; if encrypted, its key is customer
   managed (an AWS-managed key such as `alias/aws/sns` drops alarm notifications without an
   error) and is a key the error handler is granted (else its alerts fail to publish).
2. Subscribes a temporary SQS queue to every topic (only those topics may send to it).
3. Creates an alarm named `deliveryCheckAlarmName` plus a suffix of this run, which notifies
   every topic, and sets it to ALARM with SetAlarmState. The name is under the stack's alarm
   prefix, so the topics' CloudWatch grant, scoped to this stack's alarms, admits it exactly as
   it admits the real ones; the suffix makes the change to ALARM a new one (SetAlarmState
   notifies only on a change) and keeps two checks at once apart.
4. Waits for CloudWatch's notification from each topic: a bounded number of SQS long polls.
5. Deletes the alarm, the subscriptions and the queue, whatever happened.

The notification reaches every subscriber of those topics (the on-call rota of a shared paging
topic too); the alarm's description says it is a delivery check, not an incident.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import sys
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TextIO

import boto3

from handlers.call_budget import CallBudget
from handlers.contract import NAMESPACE, AlertRoute

from .queue_inbox import Delivery, receive, subscribe_queue, unsubscribe_queue

ATTEMPTS: Final = 6  # SQS long polls: at most ATTEMPTS x WAIT_SECONDS of waiting
WAIT_SECONDS: Final = 20  # SQS's longest long poll
REASON: Final = "make verify-delivery: a delivery check of the alert topics, not an incident"
AWS_MANAGED: Final = "AWS"  # KMS KeyManager of AWS-managed keys (alias/aws/sns)
# An operator's run, no Lambda timeout to fit; a read must outlast SQS's long poll.
CLIENTS: Final = CallBudget(max_attempts=5, connect_timeout=5, read_timeout=WAIT_SECONDS + 10)


@dataclass(frozen=True)
class DeliveryCheck:
    """What the stack's outputs say to check."""

    topic_arns: tuple[str, ...]  # unique, in route order
    alarm_name: str
    granted_key_arns: frozenset[str]  # keys the error handler may use

    @property
    def region(self) -> str:
        return self.topic_arns[0].split(":")[3]

    @classmethod
    def from_outputs(cls, outputs: Mapping[str, Any]) -> DeliveryCheck:
        missing = [
            key
            for key in (*(f"{r.value}TopicArn" for r in AlertRoute), "deliveryCheckAlarmName")
            if not outputs.get(key)
        ]
        if missing:
            raise ValueError(f"the stack outputs lack {', '.join(missing)}: deploy first")
        topics = dict.fromkeys(outputs[f"{route.value}TopicArn"] for route in AlertRoute)
        return cls(
            topic_arns=tuple(topics),
            alarm_name=outputs["deliveryCheckAlarmName"],
            granted_key_arns=frozenset(outputs.get("alertKmsKeyArns") or ()),
        )


@dataclass
class DeliveryReport:
    problems: list[str] = field(default_factory=list)
    delivered: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.missing


def topic_problems(
    topic_arn: str,
    attributes: Mapping[str, str],
    key: Mapping[str, str] | None,
    granted: frozenset[str],
) -> list[str]:
    """What keeps alerts from this topic: `attributes` from GetTopicAttributes, `key` the KMS
    KeyMetadata of its KmsMasterKeyId (None when not encrypted)."""
    problems = []
    if attributes.get("FifoTopic") == "true":
        problems.append(f"{topic_arn}: a FIFO topic, which CloudWatch alarms cannot notify")
    if key is not None and key["KeyManager"] == AWS_MANAGED:
        problems.append(
            f"{topic_arn}: encrypted with the AWS-managed key {attributes['KmsMasterKeyId']}, "
            "which CloudWatch may not use: alarm notifications are dropped. Re-encrypt it with "
            "a customer-managed key whose policy admits this stack's alarms (existingTopicGrants)"
        )
    elif key is not None and key["Arn"] not in granted:
        problems.append(
            f"{topic_arn}: encrypted with {key['Arn']}, which the error handler is not granted: "
            "its alerts would fail to publish. Set criticalTopicKmsKeyArn / warningTopicKmsKeyArn "
            "to that key's ARN and run pulumi up"
        )
    return problems


def _clients(region: str) -> dict[str, Any]:
    return {
        service: boto3.client(service, region_name=region, config=CLIENTS.config())
        for service in ("sns", "sqs", "kms", "cloudwatch")
    }


def _preflight(clients: Mapping[str, Any], check: DeliveryCheck) -> list[str]:
    sns, kms = clients["sns"], clients["kms"]
    problems = []
    for topic_arn in check.topic_arns:
        try:
            attributes = sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]
        except sns.exceptions.NotFoundException:
            problems.append(f"{topic_arn}: no such topic")
            continue
        key_id = attributes.get("KmsMasterKeyId")
        key = kms.describe_key(KeyId=key_id)["KeyMetadata"] if key_id else None
        problems += topic_problems(topic_arn, attributes, key, check.granted_key_arns)
    return problems


def notified_topic(delivery: Delivery, alarm_name: str) -> str | None:
    """The topic a delivery came through, if it is this check's ALARM notification."""
    notification = delivery.message
    matches = (
        isinstance(notification, dict)
        and notification.get("AlarmName") == alarm_name
        and notification.get("NewStateValue") == "ALARM"
    )
    return delivery.topic_arn if matches else None


def _await_notifications(
    sqs: Any, queue_url: str, check: DeliveryCheck, attempts: int, wait_seconds: int
) -> set[str]:
    arrived: set[str] = set()
    for _ in range(attempts):
        for delivery in receive(sqs, queue_url, wait_seconds):
            topic = notified_topic(delivery, check.alarm_name)
            if topic is not None:
                arrived.add(topic)
        if arrived >= set(check.topic_arns):
            break
    return arrived


def verify(
    check: DeliveryCheck,
    *,
    attempts: int = ATTEMPTS,
    wait_seconds: int = WAIT_SECONDS,
    clients: Mapping[str, Any] | None = None,
) -> DeliveryReport:
    clients = clients or _clients(check.region)
    sns, sqs, cloudwatch = clients["sns"], clients["sqs"], clients["cloudwatch"]
    check = dataclasses.replace(check, alarm_name=f"{check.alarm_name}-{uuid.uuid4().hex[:8]}")
    report = DeliveryReport(problems=_preflight(clients, check))
    with contextlib.ExitStack() as cleanup:  # every step runs, whatever fails before or in it
        queue_url = sqs.create_queue(
            QueueName=check.alarm_name,
            Attributes={"SqsManagedSseEnabled": "true"},
        )["QueueUrl"]
        cleanup.callback(sqs.delete_queue, QueueUrl=queue_url)
        cleanup.callback(unsubscribe_queue, sns, sqs, queue_url, check.topic_arns)
        subscribe_queue(sns, sqs, queue_url, check.topic_arns)
        cleanup.callback(cloudwatch.delete_alarms, AlarmNames=[check.alarm_name])
        cloudwatch.put_metric_alarm(
            AlarmName=check.alarm_name,
            AlarmDescription=REASON,
            ActionsEnabled=True,
            AlarmActions=list(check.topic_arns),
            Namespace=NAMESPACE,
            MetricName="DeliveryCheck",  # never published: the alarm stays as it is set
            Statistic="Maximum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            TreatMissingData="ignore",
        )
        cloudwatch.set_alarm_state(
            AlarmName=check.alarm_name, StateValue="ALARM", StateReason=REASON
        )
        report.delivered = _await_notifications(sqs, queue_url, check, attempts, wait_seconds)
    report.missing = set(check.topic_arns) - report.delivered
    return report


def describe(report: DeliveryReport, check: DeliveryCheck, waited_seconds: int) -> list[str]:
    lines = [f"  PROBLEM    {problem}" for problem in report.problems]
    lines += [f"  DELIVERED  {topic}" for topic in check.topic_arns if topic in report.delivered]
    for topic in (t for t in check.topic_arns if t in report.missing):
        lines.append(
            f"  MISSING    {topic}: no notification of {check.alarm_name} within "
            f"{waited_seconds} s. Its access policy must admit cloudwatch.amazonaws.com for this "
            "stack's alarms and an encrypting key's policy must too (stack output "
            "existingTopicGrants, docs/runbooks/existing-alert-topics.md); CloudWatch records "
            "the refusal in the alarm history of a real alarm of the stack"
        )
    return lines


def main(argv: Sequence[str] | None = None, stdin: TextIO = sys.stdin) -> int:
    parser = argparse.ArgumentParser(description="Prove alarms reach the stack's alert topics.")
    parser.add_argument("--outputs", help="`pulumi stack output --json` file (default: stdin)")
    parser.add_argument("--attempts", type=int, default=ATTEMPTS)
    parser.add_argument("--wait-seconds", type=int, default=WAIT_SECONDS)
    args = parser.parse_args(argv)
    if args.outputs:
        with open(args.outputs) as file:
            outputs = json.load(file)
    else:
        outputs = json.load(stdin)
    check = DeliveryCheck.from_outputs(outputs)
    report = verify(check, attempts=args.attempts, wait_seconds=args.wait_seconds)
    print(f"Delivery check of {check.alarm_name}:")
    print("\n".join(describe(report, check, args.attempts * args.wait_seconds)))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
