"""Who may publish to the alert topics and use their keys: the policy documents, as data.

A CloudWatch alarm delivers to a topic only if the topic's access policy allows
`cloudwatch.amazonaws.com` to `sns:Publish`, and to an encrypted topic only through a
customer-managed key whose key policy lets the same principal `kms:Decrypt` and
`kms:GenerateDataKey*`. The AWS-managed `alias/aws/sns` key cannot be granted to anyone: alarm
notifications to a topic encrypted with it are dropped without an error (SNS developer guide,
"Enable compatibility between event sources from AWS services and encrypted topics"). CloudWatch
supplies `aws:SourceAccount` and `aws:SourceArn` on both requests, so both grants are scoped to
this stack's alarms (`<prefix>-*` in the pipeline's account).

No EventBridge rule of this stack targets a topic (EventCapture and the canary target Lambda
functions), so no policy here admits `events.amazonaws.com`: a grant nothing uses is removed
rather than conditioned (a source condition on an EventBridge key grant would drop every event,
as EventBridge's KMS requests carry no source keys).

The error handler publishes with its role. Topics must be in the pipeline's account, where an IAM
grant suffices for SNS, and for KMS too when the key policy delegates to IAM (the account-root
statement); `owner_grants` spells out the key statement for keys that do not. That statement names
the account root as Principal and the role in an `aws:PrincipalArn` condition, never the role as
Principal: a key policy stores a role principal as the role's unique id, so once the role is
deleted and recreated (destroy and up, or its replacement) a principal grant no longer matches and
the error handler's Publish fails with KMS AccessDenied; a condition on the ARN keeps matching
(KMS developer guide, "Allows access to the AWS account and enables IAM policies"; IAM user guide,
"AWS JSON policy elements: Principal", IAM roles). The role's IAM grant (`iam_policies`) is what
the statement lets count.
"""

from __future__ import annotations

from typing import Any, Final

from handlers.contract import AlertRoute, HandlerKey

from . import arns
from .config_values import ExistingTopic
from .iam_policies import DATA_KEY_ACTIONS, deny_without_tls, document
from .policy_statements import PolicyDocument, Statement
from .settings import Settings

CLOUDWATCH_PRINCIPAL: Final = "cloudwatch.amazonaws.com"
KMS_PUBLISH_ACTIONS: Final = ["kms:Decrypt", "kms:GenerateDataKey*"]
OWNER_RUNBOOK: Final = "existing-alert-topics"  # docs/runbooks/<this>.md: what a topic owner adds


def created_routes(settings: Settings) -> list[AlertRoute]:
    """Routes whose topic this stack creates (no existing topic configured)."""
    return [route for route in AlertRoute if settings.existing_topic(route) is None]


def needs_alert_key(settings: Settings) -> bool:
    """The stack's key encrypts its created route topics and the canary's self-test topic."""
    return bool(created_routes(settings)) or settings.canary_enabled


def from_this_stacks_alarms(settings: Settings) -> dict[str, Any]:
    """Confused-deputy guard: only this account's alarms named with this stack's prefix."""
    return {
        "StringEquals": {"aws:SourceAccount": settings.account_id},
        "ArnLike": {"aws:SourceArn": arns.alarm_arn_pattern(settings)},
    }


def cloudwatch_publish_statement(
    settings: Settings, topic_arn: str, sid: str = "CloudWatchAlarmsPublish"
) -> Statement:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": CLOUDWATCH_PRINCIPAL},
        "Action": "sns:Publish",
        "Resource": topic_arn,
        "Condition": from_this_stacks_alarms(settings),
    }


def cloudwatch_key_statement(
    settings: Settings, sid: str = "CloudWatchAlarmsEncryptNotifications"
) -> Statement:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": CLOUDWATCH_PRINCIPAL},
        "Action": KMS_PUBLISH_ACTIONS,
        "Resource": "*",
        "Condition": from_this_stacks_alarms(settings),
    }


def key_policy(settings: Settings) -> PolicyDocument:
    """The stack's key: account administration (IAM grants of the error handler's role count),
    plus CloudWatch's use only while an alarm publishes to a topic the key encrypts."""
    administration: Statement = {
        "Sid": "AccountAdministersKeyThroughIam",
        "Effect": "Allow",
        "Principal": {"AWS": arns.account_root_arn(settings)},
        "Action": "kms:*",
        "Resource": "*",
    }
    alarms = [cloudwatch_key_statement(settings)] if created_routes(settings) else []
    return document([administration, *alarms])


def topic_policy(settings: Settings, topic_arn: str) -> PolicyDocument:
    """A created route topic: this stack's alarms may publish, nothing moves without TLS."""
    return document(
        [
            cloudwatch_publish_statement(settings, topic_arn),
            deny_without_tls("sns:Publish", topic_arn, sid="DenyPublishWithoutTls"),
        ]
    )


def existing_topic_statement(settings: Settings, topic_arn: str) -> Statement:
    """The one statement an existing topic needs from this stack (its Sid names the stack and
    the topic: `arns.topic_statement_sid`)."""
    sid = arns.topic_statement_sid(settings, topic_arn)
    return cloudwatch_publish_statement(settings, topic_arn, sid)


def error_handler_key_statement(settings: Settings) -> Statement:
    """For a key whose policy does not delegate to IAM: let the error handler's role's IAM grant
    count, matched by the role's ARN, which survives the role being recreated (module doc)."""
    return {
        "Sid": arns.stack_sid(settings, "ErrorHandlerUsesKey"),
        "Effect": "Allow",
        "Principal": {"AWS": arns.account_root_arn(settings)},
        "Action": list(DATA_KEY_ACTIONS),
        "Resource": "*",
        "Condition": {
            "ArnEquals": {
                "aws:PrincipalArn": arns.function_role_arn(settings, HandlerKey.ERROR_HANDLER)
            }
        },
    }


def owner_runbook_url(settings: Settings) -> str:
    return f"{settings.runbook_base_url}/{OWNER_RUNBOOK}.md"


def owner_grants(settings: Settings, topic: ExistingTopic) -> dict[str, Any]:
    """What the owner of an existing topic adds so that this stack's alerts arrive: the topic
    statement (unless this stack adds it) and, if the topic is encrypted (it must then be with a
    customer-managed key), the key policy statements: CloudWatch's always, the error handler's
    unless the key policy delegates to IAM. The stack output `existingTopicGrants` and the owner
    runbook show this data."""
    key_statements = [
        cloudwatch_key_statement(settings, arns.stack_sid(settings, "AlarmsUseKey")),
        error_handler_key_statement(settings),
    ]
    return {
        "topicPolicyStatement": existing_topic_statement(settings, topic.arn),
        "topicPolicyStatementAddedByThisStack": topic.manage_policy,
        "keyPolicyStatementsIfEncrypted": key_statements,
        "kmsKeyArn": topic.kms_key_arn,
        "instructions": owner_runbook_url(settings),
    }
