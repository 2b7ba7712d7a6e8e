"""AlertTopics: one KMS-encrypted SNS topic per alert route, deliverable from CloudWatch alarms
and EventBridge rules, with optional email / HTTPS subscriptions.

An encrypted topic only receives what its publishers can encrypt: CloudWatch and EventBridge
need `kms:Decrypt` and `kms:GenerateDataKey*` on the key in the KEY policy (SNS developer guide,
"Enable compatibility between event sources from AWS services and encrypted topics"), besides
`sns:Publish` in the topic policy. Without both, alarms deploy cleanly and deliver nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from handlers.contract import AlertRoute

from . import arns
from .iam_policies import deny_without_tls
from .settings import Settings

CLOUDWATCH_PRINCIPAL = "cloudwatch.amazonaws.com"
EVENTBRIDGE_PRINCIPAL = "events.amazonaws.com"
KMS_PUBLISH_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey*"]

PolicyDocument = dict[str, Any]


def _from_this_stacks_alarms(settings: Settings) -> dict[str, Any]:
    """Confused-deputy guard: only this account's alarms named with this stack's prefix."""
    return {
        "StringEquals": {"aws:SourceAccount": settings.account_id},
        "ArnLike": {"aws:SourceArn": arns.alarm_arn_pattern(settings)},
    }


def key_policy(settings: Settings) -> PolicyDocument:
    """Key policy for the topics' key: account administration plus the two publishing services.

    The CloudWatch grant is scoped to this account's alarms of this stack. The EventBridge grant
    carries no source conditions on purpose: AWS documents that aws:SourceAccount / aws:SourceArn
    are not present on EventBridge's KMS requests, so such a condition would silently drop every
    event. Its scope is bounded by the topic policy instead.
    """
    account_root = f"arn:{settings.partition}:iam::{settings.account_id}:root"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministersKeyThroughIam",
                "Effect": "Allow",
                "Principal": {"AWS": account_root},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "CloudWatchAlarmsEncryptNotifications",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDWATCH_PRINCIPAL},
                "Action": KMS_PUBLISH_ACTIONS,
                "Resource": "*",
                "Condition": _from_this_stacks_alarms(settings),
            },
            {
                "Sid": "EventBridgeEncryptNotifications",
                "Effect": "Allow",
                "Principal": {"Service": EVENTBRIDGE_PRINCIPAL},
                "Action": KMS_PUBLISH_ACTIONS,
                "Resource": "*",
            },
        ],
    }


def topic_policy(settings: Settings, topic_arn: str) -> PolicyDocument:
    """Who may publish: this stack's alarms, this account's EventBridge rules, TLS only."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CloudWatchAlarmsPublish",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDWATCH_PRINCIPAL},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": _from_this_stacks_alarms(settings),
            },
            {
                "Sid": "EventBridgeRulesPublish",
                "Effect": "Allow",
                "Principal": {"Service": EVENTBRIDGE_PRINCIPAL},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": settings.account_id}},
            },
            deny_without_tls("sns:Publish", topic_arn, sid="DenyPublishWithoutTls"),
        ],
    }


class AlertTopics(pulumi.ComponentResource):
    """`sfuser:monitoring:AlertTopics`: the key, a topic per AlertRoute, policies, subscriptions."""

    key: aws.kms.Key
    topics: dict[AlertRoute, aws.sns.Topic]
    topic_arns: dict[AlertRoute, pulumi.Output[str]]

    def __init__(
        self, name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("sfuser:monitoring:AlertTopics", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"Encrypts the {settings.prefix} alert topics",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps(key_policy(settings)),
            opts=child,
        )
        aws.kms.Alias(
            f"{name}-key-alias",
            name=arns.alert_key_alias(settings),
            target_key_id=self.key.key_id,
            opts=child,
        )
        self.topics = {}
        for route in AlertRoute:
            topic = aws.sns.Topic(
                f"{name}-{route.value}",
                name=arns.topic_name(settings, route),
                display_name=f"{settings.prefix} {route.value} alerts",
                kms_master_key_id=self.key.arn,
                opts=child,
            )
            aws.sns.TopicPolicy(
                f"{name}-{route.value}-policy",
                arn=topic.arn,
                policy=topic.arn.apply(lambda arn: json.dumps(topic_policy(settings, arn))),
                opts=child,
            )
            self._subscribe(name, settings, route, topic, child)
            self.topics[route] = topic
        self.topic_arns = {route: topic.arn for route, topic in self.topics.items()}
        topic_outputs = {f"{route.value}TopicArn": arn for route, arn in self.topic_arns.items()}
        self.register_outputs({"keyArn": self.key.arn, **topic_outputs})

    @staticmethod
    def _subscribe(
        name: str,
        settings: Settings,
        route: AlertRoute,
        topic: aws.sns.Topic,
        opts: pulumi.ResourceOptions,
    ) -> None:
        endpoints = [("email", e) for e in settings.alert_emails(route)] + [
            ("https", w) for w in settings.alert_webhooks(route)
        ]
        for index, (protocol, endpoint) in enumerate(endpoints):
            aws.sns.TopicSubscription(
                f"{name}-{route.value}-{protocol}-{index}",
                topic=topic.arn,
                protocol=protocol,
                endpoint=pulumi.Output.secret(endpoint.get_secret_value()),
                # Keep SNS's JSON envelope for webhooks: it carries the Signature the receiver
                # verifies and the SubscriptionConfirmation flow, and AWS Chatbot's endpoint
                # expects it; raw delivery would strip both. (Email ignores the attribute.)
                raw_message_delivery=False if protocol == "https" else None,
                opts=opts,
            )
