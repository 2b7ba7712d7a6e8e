"""The existing-topic statement provider against moto's SNS: it puts and removes this stack's
statement and nothing else, whatever the owner's policy holds."""

from __future__ import annotations

import json
import re

import boto3
import pytest
from moto import mock_aws

from components import arns
from components.existing_topic_policy import (
    STATEMENT,
    TOPIC_ARN,
    ExistingTopicStatementProvider,
    default_topic_policy,
)
from components.policy_statements import statement_with_sid, with_statement, without_statement
from components.topic_grants import existing_topic_statement
from tests.unit.settings_fixtures import make_settings

ACCOUNT = "111122223333"  # settings_fixtures' pipeline account
OTHER_ACCOUNT = "123456789012"  # moto's default account
OWNER_STATEMENTS = [
    {
        "Sid": "OrgAccountsPublish",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": "sns:Publish",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-example"}},
    },
    {
        "Sid": "PagerDutySubscribes",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/pagerduty"},
        "Action": "sns:Subscribe",
        "Resource": "*",
    },
]


@pytest.fixture
def topic_arn(monkeypatch):
    monkeypatch.setenv("MOTO_ACCOUNT_ID", ACCOUNT)
    with mock_aws():
        sns = boto3.client("sns", region_name="us-east-1")
        arn = sns.create_topic(Name="org-paging")["TopicArn"]
        owner = {"Version": "2012-10-17", "Id": "owner", "Statement": OWNER_STATEMENTS}
        sns.set_topic_attributes(
            TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(owner)
        )
        yield arn


def _policy(topic_arn: str) -> dict:
    sns = boto3.client("sns", region_name="us-east-1")
    return json.loads(sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]["Policy"])


def _props(topic_arn: str, statement: dict) -> dict:
    return {TOPIC_ARN: topic_arn, STATEMENT: json.dumps(statement)}


def test_create_adds_the_statement_and_keeps_the_owners(topic_arn):
    statement = existing_topic_statement(make_settings(), topic_arn)
    result = ExistingTopicStatementProvider().create(_props(topic_arn, statement))
    policy = _policy(topic_arn)
    assert policy["Statement"] == [*OWNER_STATEMENTS, statement]
    assert policy["Id"] == "owner"
    assert result.id == f"{topic_arn}#{statement['Sid']}"
    assert statement["Sid"] == f"SfUserPipelineDevAlarmsPublish{arns.topic_digest(topic_arn)}"


def test_a_repeated_create_replaces_its_own_statement_only(topic_arn):
    provider = ExistingTopicStatementProvider()
    statement = existing_topic_statement(make_settings(), topic_arn)
    provider.create(_props(topic_arn, statement))
    provider.create(_props(topic_arn, statement))
    assert _policy(topic_arn)["Statement"] == [*OWNER_STATEMENTS, statement]


def test_two_stacks_sharing_a_topic_keep_their_own_statements(topic_arn):
    provider = ExistingTopicStatementProvider()
    dev = existing_topic_statement(make_settings(), topic_arn)
    prod = existing_topic_statement(make_settings(environment="prod"), topic_arn)
    provider.create(_props(topic_arn, dev))
    provider.create(_props(topic_arn, prod))
    provider.delete("", _props(topic_arn, dev))
    assert _policy(topic_arn)["Statement"] == [*OWNER_STATEMENTS, prod]


def test_update_changes_the_statement_and_delete_removes_only_it(topic_arn):
    provider = ExistingTopicStatementProvider()
    old = existing_topic_statement(make_settings(), topic_arn)
    new = {**old, "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}
    provider.create(_props(topic_arn, old))
    diff = provider.diff("", _props(topic_arn, old), _props(topic_arn, new))
    assert diff.changes and not diff.replaces
    provider.update("", _props(topic_arn, old), _props(topic_arn, new))
    assert _policy(topic_arn)["Statement"] == [*OWNER_STATEMENTS, new]
    provider.delete("", _props(topic_arn, new))
    assert _policy(topic_arn)["Statement"] == OWNER_STATEMENTS


def test_another_topic_replaces_the_resource(topic_arn):
    statement = existing_topic_statement(make_settings(), topic_arn)
    other = topic_arn.replace("org-paging", "other")
    diff = ExistingTopicStatementProvider().diff(
        "", _props(topic_arn, statement), _props(other, statement)
    )
    assert diff.replaces == [TOPIC_ARN]
    unchanged = ExistingTopicStatementProvider().diff(
        "", _props(topic_arn, statement), _props(topic_arn, statement)
    )
    assert not unchanged.changes


def test_read_reports_a_statement_the_owner_removed(topic_arn):
    provider = ExistingTopicStatementProvider()
    statement = existing_topic_statement(make_settings(), topic_arn)
    created = provider.create(_props(topic_arn, statement))
    assert json.loads(provider.read(created.id, created.outs).outs[STATEMENT]) == statement
    sns = boto3.client("sns", region_name="us-east-1")
    owner = {"Version": "2012-10-17", "Statement": OWNER_STATEMENTS}
    sns.set_topic_attributes(TopicArn=topic_arn, AttributeName="Policy",
                             AttributeValue=json.dumps(owner))  # fmt: skip
    drifted = provider.read(created.id, created.outs).outs
    assert drifted[STATEMENT] == ""  # the next `pulumi up` puts it back
    assert provider.diff(created.id, drifted, created.outs).changes


def test_deleting_the_last_statement_restores_the_default_policy(topic_arn):
    provider = ExistingTopicStatementProvider()
    statement = existing_topic_statement(make_settings(), topic_arn)
    sns = boto3.client("sns", region_name="us-east-1")
    only_ours = {"Version": "2012-10-17", "Statement": [statement]}
    sns.set_topic_attributes(TopicArn=topic_arn, AttributeName="Policy",
                             AttributeValue=json.dumps(only_ours))  # fmt: skip
    provider.delete("", _props(topic_arn, statement))
    assert _policy(topic_arn) == default_topic_policy(topic_arn)


def test_a_missing_topic_is_named_on_create_and_lets_a_destroy_finish(topic_arn):
    provider = ExistingTopicStatementProvider()
    statement = existing_topic_statement(make_settings(), topic_arn)
    created = provider.create(_props(topic_arn, statement))
    boto3.client("sns", region_name="us-east-1").delete_topic(TopicArn=topic_arn)
    with pytest.raises(RuntimeError, match=f"{topic_arn}: no such topic"):
        provider.create(_props(topic_arn, statement))
    assert provider.read(created.id, created.outs).id is None  # refresh: it is gone
    provider.delete(created.id, created.outs)  # nothing left to remove: no error


# ---- the merge, on the shapes IAM allows ---------------------------------------------------


def test_a_single_statement_object_is_merged_as_a_list():
    owner = {"Version": "2012-10-17", "Statement": OWNER_STATEMENTS[0]}
    ours = {"Sid": "Ours", "Effect": "Allow"}
    assert with_statement(owner, ours)["Statement"] == [OWNER_STATEMENTS[0], ours]
    assert statement_with_sid(owner, "OrgAccountsPublish") == OWNER_STATEMENTS[0]
    assert without_statement(owner, "Ours") == owner | {"Statement": [OWNER_STATEMENTS[0]]}


def test_an_empty_policy_gets_a_version_and_loses_nothing_it_had():
    assert with_statement({}, {"Sid": "Ours"}) == {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "Ours"}],
    }
    assert without_statement({"Statement": [{"Sid": "Ours"}]}, "Ours") is None


@pytest.mark.parametrize("operation", ["create", "update", "delete", "read"])
def test_credentials_of_another_account_change_nothing_and_are_named(
    topic_arn, monkeypatch, operation
):
    """The provider calls SNS with the shell's credentials, beyond `aws:allowedAccountIds`."""
    provider = ExistingTopicStatementProvider()
    old = existing_topic_statement(make_settings(), topic_arn)
    new = {**old, "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}
    created = provider.create(_props(topic_arn, old))
    before = _policy(topic_arn)
    calls = {
        "create": lambda: provider.create(_props(topic_arn, new)),
        "update": lambda: provider.update(created.id, created.outs, _props(topic_arn, new)),
        "delete": lambda: provider.delete(created.id, created.outs),
        "read": lambda: provider.read(created.id, created.outs),
    }
    monkeypatch.setenv("MOTO_ACCOUNT_ID", OTHER_ACCOUNT)
    refused = f"account {OTHER_ACCOUNT}'s, not the topic's account {ACCOUNT}; nothing was changed"
    with pytest.raises(RuntimeError, match=re.escape(f"{topic_arn}: ")) as error:
        calls[operation]()
    assert refused in str(error.value)
    monkeypatch.setenv("MOTO_ACCOUNT_ID", ACCOUNT)
    assert _policy(topic_arn) == before
