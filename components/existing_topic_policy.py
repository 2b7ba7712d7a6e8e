"""ExistingTopicStatement: this stack's one statement in an existing topic's access policy.

Used when `manageExistingTopicPolicy` is true. The topic belongs to someone else (often the
organisation's paging topic), so the stack may touch its own statement and nothing else:

- `aws.sns.TopicPolicy` cannot do that: it owns the topic's WHOLE policy (SetTopicAttributes
  `Policy`), so creating it would wipe the owner's statements and destroying it would remove
  the policy altogether.
- SNS `AddPermission` / `RemovePermission` do edit one labelled statement, but they grant AWS
  account ids an action list, nothing else: no service principal and no condition, so they cannot
  say "cloudwatch.amazonaws.com, for this stack's alarms only".

So a Pulumi dynamic resource reads the policy, puts this stack's statement by its Sid (specific to
the stack and the topic, `arns.topic_statement_sid`), replacing only its own earlier version, writes
it back, and on delete removes only that statement. The stack has one such resource per topic, named
after the topic (`alert_topics`), so no two of its resources ever hold the same statement and a
create-first replacement never deletes one that another still needs. If the statement was the
policy's last one, SNS's default policy for a new topic is written back (a policy cannot be empty).
The read-modify-write is not atomic: an edit the owner makes between the read and the write of one
`pulumi up` is lost, so coordinate changes. `pulumi refresh` reads the statement back; an owner who
removed it sees it put back by the next `pulumi up`.

The provider runs in Pulumi's dynamic-provider host, which unpickles it by reference: the host
runs `python -m pulumi.dynamic` from the project directory with the project's virtualenv, so
`components` imports there as it does for the program. It calls SNS with boto3 in the topic's
region and the deploying shell's AWS credentials (environment, profile, SSO), not through the
`aws` provider's configuration, so the provider's `aws:allowedAccountIds` does not guard it: it
asks STS whose credentials those are and refuses, before it reads or writes a policy, any account
but the topic's (which config validation makes the pipeline's).
"""

from __future__ import annotations

import json
from typing import Any, Final

import boto3
import pulumi
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from .policy_statements import (
    PolicyDocument,
    Statement,
    statement_with_sid,
    with_statement,
    without_statement,
)

TOPIC_ARN: Final = "topic_arn"
STATEMENT: Final = "statement"  # JSON text of the statement; its Sid identifies it


def default_topic_policy(topic_arn: str) -> PolicyDocument:
    """The access policy SNS gives a new topic: the owning account may do everything."""
    account = topic_arn.split(":")[4]
    return {
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [
            {
                "Sid": "__default_statement_ID",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": [
                    "SNS:GetTopicAttributes",
                    "SNS:SetTopicAttributes",
                    "SNS:AddPermission",
                    "SNS:RemovePermission",
                    "SNS:DeleteTopic",
                    "SNS:Subscribe",
                    "SNS:ListSubscriptionsByTopic",
                    "SNS:Publish",
                ],
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"AWS:SourceOwner": account}},
            }
        ],
    }


def _region(topic_arn: str) -> str:
    return topic_arn.split(":")[3]


def _sns(topic_arn: str) -> Any:
    return boto3.client("sns", region_name=_region(topic_arn))


def require_topic_account(topic_arn: str) -> None:
    """Raise unless the credentials in use belong to the topic's account."""
    topic_account = topic_arn.split(":")[4]
    sts = boto3.client("sts", region_name=_region(topic_arn))
    caller_account = sts.get_caller_identity()["Account"]
    if caller_account != topic_account:
        raise RuntimeError(
            f"{topic_arn}: the AWS credentials in use are account {caller_account}'s, not the "
            f"topic's account {topic_account}; nothing was changed. Run with credentials of "
            f"account {topic_account}, the pipeline's (aws:allowedAccountIds)."
        )


def read_policy(topic_arn: str) -> PolicyDocument | None:
    """The topic's access policy; None when the topic does not exist."""
    sns = _sns(topic_arn)
    try:
        attributes = sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]
    except sns.exceptions.NotFoundException:
        return None
    policy: PolicyDocument = json.loads(attributes.get("Policy") or "{}")
    return policy


def write_policy(topic_arn: str, policy: PolicyDocument) -> None:
    _sns(topic_arn).set_topic_attributes(
        TopicArn=topic_arn, AttributeName="Policy", AttributeValue=json.dumps(policy)
    )


def put_statement(topic_arn: str, statement: Statement) -> None:
    policy = read_policy(topic_arn)
    if policy is None:
        raise RuntimeError(f"{topic_arn}: no such topic (check criticalTopicArn / warningTopicArn)")
    write_policy(topic_arn, with_statement(policy, statement))


def remove_statement(topic_arn: str, sid: str) -> None:
    """Nothing to do when the topic, or the statement, is already gone."""
    policy = read_policy(topic_arn)
    if policy is None or statement_with_sid(policy, sid) is None:
        return
    write_policy(topic_arn, without_statement(policy, sid) or default_topic_policy(topic_arn))


class ExistingTopicStatementProvider(ResourceProvider):
    """CRUD of one statement; the resource id is `<topic ARN>#<Sid>`."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        require_topic_account(props[TOPIC_ARN])
        statement = json.loads(props[STATEMENT])
        put_statement(props[TOPIC_ARN], statement)
        return CreateResult(f"{props[TOPIC_ARN]}#{statement['Sid']}", outs=props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [TOPIC_ARN] if olds.get(TOPIC_ARN) != news[TOPIC_ARN] else []
        changed = bool(replaces) or olds.get(STATEMENT) != news[STATEMENT]
        return DiffResult(changes=changed, replaces=replaces, delete_before_replace=False)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        require_topic_account(news[TOPIC_ARN])
        old_sid = json.loads(olds[STATEMENT])["Sid"] if olds.get(STATEMENT) else None
        statement = json.loads(news[STATEMENT])
        if old_sid is not None and old_sid != statement["Sid"]:
            remove_statement(news[TOPIC_ARN], old_sid)
        put_statement(news[TOPIC_ARN], statement)
        return UpdateResult(outs=news)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        require_topic_account(props[TOPIC_ARN])
        remove_statement(props[TOPIC_ARN], json.loads(props[STATEMENT])["Sid"])

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """What the topic holds now: a statement the owner removed reads as empty (drift); a
        topic that is gone reads as a resource that is gone."""
        topic_arn, _, sid = id_.partition("#")
        require_topic_account(topic_arn)  # else another account's "no such topic" reads as gone
        policy = read_policy(topic_arn)
        if policy is None:
            return ReadResult(None, {})
        found = statement_with_sid(policy, sid)
        statement = json.dumps(found) if found is not None else ""
        return ReadResult(id_, {**props, TOPIC_ARN: topic_arn, STATEMENT: statement})


class ExistingTopicStatement(Resource, module="sfuser", name="ExistingTopicStatement"):
    """`pulumi-python:dynamic/sfuser:ExistingTopicStatement`."""

    def __init__(
        self,
        name: str,
        topic_arn: str,
        statement: Statement,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {TOPIC_ARN: topic_arn, STATEMENT: json.dumps(statement, sort_keys=True)}
        super().__init__(ExistingTopicStatementProvider(), name, props, opts)
