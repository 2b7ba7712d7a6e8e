"""Canary: a schedule that invokes each monitoring handler with a self-test event.

EventBridge invokes every function of `HANDLERS` asynchronously with `{"self_test": true}`
(`contract.SELF_TEST_EVENT`, the only event a handler takes for a self-test); what each does
with it is its spec's `self_test` (the publisher publishes the `MonitoringHeartbeat` metric, the
validator runs a trivial query, the error handler sends a marked test alert to the low-priority
self-test topic or only logs it, `canaryAlerts`).
The MonitoringHeartbeat and MonitoringHandlerErrors alarms (alarm_specs) turn a silent canary or
a failing handler into an alert, so broken monitoring is itself detected.

Every delivery path is permitted end to end: a Lambda permission per function scoped by the
rule's ARN; events EventBridge could not deliver, and async invocations that failed after their
retries (handlers whose spec routes them to `AsyncFailures.CANARY_QUEUE`), land in the encrypted
`<prefix>-canary-failures` queue (queue policy for EventBridge, `eventbridge_delivery`; role
permission for Lambda's on-failure destination). The error handler's async invoke config (DLQ)
belongs to EventCapture. The self-test topic is encrypted with the alert key; only the roles of
handlers whose self-test publishes an alert publish to it, through IAM, which the key policy
delegates to (AccountAdministersKeyThroughIam); a role's grant on that key is its alert policy's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

import pulumi
import pulumi_aws as aws

from handlers import contract
from handlers.contract import HandlerKey

from . import arns
from .eventbridge_delivery import RetryPolicy, admit_dead_letters, invoke_from_rule
from .handler_table import HANDLERS, AsyncFailures, SelfTest
from .iam_policies import deny_without_tls, document
from .policy_statements import PolicyDocument
from .replacement import fixed_identity
from .settings import Settings

ASYNC_RETRIES: Final = 1  # one retry: a self-test is cheap and idempotent
MAX_EVENT_AGE_SECONDS: Final = 3_600  # a self-test older than an hour tests nothing useful
TARGET_RETRIES: Final = 2
QUEUE_RETENTION_SECONDS: Final = 1_209_600  # SQS maximum, 14 days


def canary_input() -> str:
    """The constant event every target receives: the handlers' self-test event, exactly."""
    return json.dumps(dict(contract.SELF_TEST_EVENT))


def failure_routed() -> list[HandlerKey]:
    """Handlers whose failed async invocations this component routes to its queue."""
    return [
        key for key, spec in HANDLERS.items() if spec.async_failures is AsyncFailures.CANARY_QUEUE
    ]


def alert_publishers() -> list[HandlerKey]:
    """Handlers whose self-test publishes a test alert to the self-test topic."""
    return [key for key, spec in HANDLERS.items() if spec.self_test is SelfTest.TEST_ALERT]


def self_test_topic_policy(topic_arn: str) -> PolicyDocument:
    """TLS only; publishers are allowed through IAM (the error handler's role), same account."""
    return document([deny_without_tls("sns:Publish", topic_arn)])


def send_failures_policy(queue_arn: str) -> PolicyDocument:
    """A function role's grant for Lambda's on-failure destination."""
    return document(
        [
            {
                "Sid": "AsyncFailureDestination",
                "Effect": "Allow",
                "Action": ["sqs:SendMessage"],
                "Resource": queue_arn,
            }
        ]
    )


def publish_self_test_policy(topic_arn: str) -> PolicyDocument:
    """A self-test alert publisher's grant for the self-test topic. The topic is encrypted with
    the alert key, which that handler's own policy already grants (iam_policies
    `EncryptAlerts`); a second grant of that key here would be a statement nothing needs."""
    return document(
        [
            {
                "Sid": "PublishSelfTestAlerts",
                "Effect": "Allow",
                "Action": ["sns:Publish"],
                "Resource": topic_arn,
            }
        ]
    )


class Canary(pulumi.ComponentResource):
    """`sfuser:monitoring:Canary`: empty when `canaryEnabled` is false."""

    rule: aws.cloudwatch.EventRule | None
    topic: aws.sns.Topic | None
    failures: aws.sqs.Queue | None

    def __init__(
        self,
        name: str,
        settings: Settings,
        *,
        functions: Mapping[HandlerKey, aws.lambda_.Function],
        roles: Mapping[HandlerKey, aws.iam.Role],
        key_arn: pulumi.Input[str] | None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`key_arn`: the stack's alert key, which exists whenever the canary is enabled."""
        super().__init__("sfuser:monitoring:Canary", name, None, opts)
        self.rule = self.topic = self.failures = None
        if settings.canary_enabled:
            assert key_arn is not None, "topic_grants.needs_alert_key: the self-test topic uses it"
            self._name, self._settings = name, settings
            publish_grants = self._self_test_topic(roles, key_arn)
            failures = self._failure_destinations(functions, roles)
            self._schedule(functions, ready=[*publish_grants, *failures])
        self.register_outputs(
            {
                "ruleName": arns.canary_rule_name(settings) if self.rule else None,
                "selfTestTopicArn": self.topic.arn if self.topic else None,
            }
        )

    def _self_test_topic(
        self, roles: Mapping[HandlerKey, aws.iam.Role], key_arn: pulumi.Input[str]
    ) -> list[aws.iam.RolePolicy]:
        """The low-priority topic, TLS only, and each alert publisher's grant to publish there."""
        name, child = self._name, pulumi.ResourceOptions(parent=self)
        self.topic = aws.sns.Topic(
            f"{name}-self-test",
            name=arns.self_test_topic_name(self._settings),
            display_name=f"{self._settings.prefix} monitoring self-test (low priority)",
            kms_master_key_id=key_arn,
            opts=fixed_identity(self),
        )
        aws.sns.TopicPolicy(
            f"{name}-self-test-policy",
            arn=self.topic.arn,
            policy=self.topic.arn.apply(lambda arn: json.dumps(self_test_topic_policy(arn))),
            opts=child,
        )
        policy = self.topic.arn.apply(lambda arn: json.dumps(publish_self_test_policy(arn)))
        return [
            aws.iam.RolePolicy(
                f"{name}-{handler.value}-self-test",
                role=roles[handler].id,
                policy=policy,
                opts=child,
            )
            for handler in alert_publishers()
        ]

    def _failure_destinations(
        self,
        functions: Mapping[HandlerKey, aws.lambda_.Function],
        roles: Mapping[HandlerKey, aws.iam.Role],
    ) -> list[pulumi.Resource]:
        """The failures queue and the async invoke configs of the handlers routed to it."""
        name = self._name
        failures = aws.sqs.Queue(
            f"{name}-failures",
            name=arns.canary_failure_queue_name(self._settings),
            sqs_managed_sse_enabled=True,
            message_retention_seconds=QUEUE_RETENTION_SECONDS,
            opts=fixed_identity(self),
        )
        self.failures = failures
        configs: list[pulumi.Resource] = []
        for handler in failure_routed():
            grant = aws.iam.RolePolicy(
                f"{name}-{handler.value}-failures",
                role=roles[handler].id,
                policy=failures.arn.apply(lambda arn: json.dumps(send_failures_policy(arn))),
                opts=pulumi.ResourceOptions(parent=self),
            )
            # Lambda checks the role can reach the destination when the config is written.
            configs.append(
                aws.lambda_.FunctionEventInvokeConfig(
                    f"{name}-{handler.value}-async",
                    function_name=functions[handler].name,
                    maximum_retry_attempts=ASYNC_RETRIES,
                    maximum_event_age_in_seconds=MAX_EVENT_AGE_SECONDS,
                    destination_config={"on_failure": {"destination": failures.arn}},
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[grant]),
                )
            )
        return configs

    def _schedule(
        self, functions: Mapping[HandlerKey, aws.lambda_.Function], ready: list[pulumi.Resource]
    ) -> None:
        """The rule, its dead-letter permission, and per function a permission and a target."""
        name, settings = self._name, self._settings
        assert self.failures is not None
        failures = self.failures
        rule = aws.cloudwatch.EventRule(
            f"{name}-schedule",
            name=arns.canary_rule_name(settings),
            description=f"Self-test of the {settings.prefix} monitoring handlers",
            schedule_expression=settings.canary_schedule,
            state="ENABLED",
            opts=fixed_identity(self),  # the runbooks name it
        )
        self.rule = rule
        admit_dead_letters(f"{name}-failures-policy", settings, failures, [rule], self)
        for handler, function in functions.items():
            invoke_from_rule(
                f"{name}-{handler.value}",
                rule,
                function,
                retry=RetryPolicy(MAX_EVENT_AGE_SECONDS, TARGET_RETRIES),
                dead_letter_arn=failures.arn,
                parent=self,
                event=canary_input(),
                target_id=handler.value,
                ready=ready,
            )
