"""EventBridge rule -> Lambda function, permitted end to end (EventCapture and Canary share it).

- EventBridge -> Lambda: a Lambda permission for events.amazonaws.com scoped by `source_arn` to
  the rule; the target is created after it.
- EventBridge -> dead-letter queue: an event still undelivered after the target's retry policy
  goes to an SQS queue whose policy lets events.amazonaws.com `sqs:SendMessage` only for the
  given rules of this account (EventBridge user guide, "Granting permissions to the dead-letter
  queue"). Such queues use SSE-SQS: EventBridge cannot send to a queue encrypted with a
  customer-managed key unless that key's policy admits it; SSE-SQS needs no grant.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .iam_policies import deny_without_tls, document
from .policy_statements import PolicyDocument
from .settings import Settings

EVENTBRIDGE_PRINCIPAL = "events.amazonaws.com"


@dataclass(frozen=True)
class RetryPolicy:
    """An EventBridge target's RetryPolicy."""

    maximum_event_age_seconds: int
    maximum_retry_attempts: int


def dead_letter_queue_policy(
    settings: Settings, queue_arn: str, rule_arns: Sequence[str]
) -> PolicyDocument:
    """EventBridge may dead-letter events of these rules only; nothing moves without TLS."""
    return document(
        [
            {
                "Sid": "EventBridgeRulesDeadLetter",
                "Effect": "Allow",
                "Principal": {"Service": EVENTBRIDGE_PRINCIPAL},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {
                    "ArnEquals": {"aws:SourceArn": sorted(rule_arns)},
                    "StringEquals": {"aws:SourceAccount": settings.account_id},
                },
            },
            deny_without_tls(["sqs:ReceiveMessage", "sqs:SendMessage"], queue_arn),
        ]
    )


def admit_dead_letters(
    name: str,
    settings: Settings,
    queue: aws.sqs.Queue,
    rules: Sequence[aws.cloudwatch.EventRule],
    parent: pulumi.Resource,
) -> aws.sqs.QueuePolicy:
    """The queue's policy (`dead_letter_queue_policy`) once the queue and rule ARNs are known."""

    def render(resolved: list[str]) -> str:
        queue_arn, *rule_arns = resolved
        return json.dumps(dead_letter_queue_policy(settings, queue_arn, rule_arns))

    return aws.sqs.QueuePolicy(
        name,
        queue_url=queue.url,
        policy=pulumi.Output.all(queue.arn, *(rule.arn for rule in rules)).apply(render),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def invoke_from_rule(
    name: str,
    rule: aws.cloudwatch.EventRule,
    function: aws.lambda_.Function,
    *,
    retry: RetryPolicy,
    dead_letter_arn: pulumi.Input[str],
    parent: pulumi.Resource,
    event: str | None = None,
    target_id: str | None = None,
    ready: Sequence[pulumi.Resource] = (),
) -> aws.cloudwatch.EventTarget:
    """`<name>-invoke` (the permission) and `<name>-target`; `event` replaces the matched event,
    `ready` is what else must exist before EventBridge may deliver."""
    permission = aws.lambda_.Permission(
        f"{name}-invoke",
        action="lambda:InvokeFunction",
        function=function.name,
        principal=EVENTBRIDGE_PRINCIPAL,
        source_arn=rule.arn,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return aws.cloudwatch.EventTarget(
        f"{name}-target",
        rule=rule.name,
        target_id=target_id,
        arn=function.arn,
        input=event,
        retry_policy={
            "maximum_event_age_in_seconds": retry.maximum_event_age_seconds,
            "maximum_retry_attempts": retry.maximum_retry_attempts,
        },
        dead_letter_config={"arn": dead_letter_arn},
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[permission, *ready]),
    )
