"""A route that moves between existing topics keeps every topic it still uses granted.

Pulumi updates create-first: it creates new resources and the replacements of changed ones, and
deletes removed resources and replaced originals at the end of the update. The stack's statement
resources are compared between two configurations as Pulumi would, then those steps run in that
order with the real provider against moto's SNS: every topic the second configuration uses must
end with this stack's statement, every topic it dropped without it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import boto3
import pytest
from moto import mock_aws

from components import arns
from components.existing_topic_policy import STATEMENT, TOPIC_ARN, ExistingTopicStatementProvider
from components.policy_statements import statement_with_sid
from components.topic_grants import cloudwatch_publish_statement, existing_topic_statement
from handlers.contract import AlertRoute
from tests.infra.configurations import DEV_ACCOUNT, PAGING_TOPIC
from tests.infra.conftest import settings_of
from tests.infra.pulumi_harness import StackRun, run_stack

P = "sf-user-monitoring"
STATEMENT_RESOURCE = "pulumi-python:dynamic/sfuser:ExistingTopicStatement"
OTHER_TOPIC = PAGING_TOPIC.replace("org-paging", "org-escalation")
OWNER_STATEMENT = {
    "Sid": "OwnerAccountPublishes",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{DEV_ACCOUNT}:root"},
    "Action": "sns:Publish",
    "Resource": "*",
}
Props = dict[str, Any]


def _routes(critical: str | None, warning: str | None) -> dict[str, str]:
    """Overrides of dev: each route on the existing topic given, or on its created topic."""
    overrides = {f"{P}:manageExistingTopicPolicy": "true", f"{P}:canaryEnabled": "false"}
    for route, topic in ((AlertRoute.CRITICAL, critical), (AlertRoute.WARNING, warning)):
        if topic is not None:
            overrides[f"{P}:{route.value}TopicArn"] = topic
            overrides[f"{P}:{route.value}AlertEmails"] = "[]"
    return overrides


def _statements(run: StackRun) -> dict[str, Props]:
    """Pulumi name -> the provider's inputs, for each statement resource."""
    return {
        r.name: {TOPIC_ARN: r.inputs[TOPIC_ARN], STATEMENT: r.inputs[STATEMENT]}
        for r in run.of_type(STATEMENT_RESOURCE)
    }


def _update(before: Mapping[str, Props], after: Mapping[str, Props]) -> None:
    """Pulumi's steps from `before` to `after`, create-first, with the real provider."""
    provider = ExistingTopicStatementProvider()
    deletes_at_the_end = [olds for name, olds in before.items() if name not in after]
    for name, news in after.items():
        olds = before.get(name)
        if olds is None:
            provider.create(news)
            continue
        diff = provider.diff("", olds, news)
        if diff.replaces and diff.delete_before_replace:
            provider.delete("", olds)
            provider.create(news)
        elif diff.replaces:
            provider.create(news)
            deletes_at_the_end.append(olds)
        elif diff.changes:
            provider.update("", olds, news)
    for olds in deletes_at_the_end:
        provider.delete("", olds)


def _policy(topic_arn: str) -> dict[str, Any]:
    sns = boto3.client("sns", region_name="us-east-1")
    return json.loads(sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]["Policy"])


@pytest.fixture
def topics():
    with mock_aws():
        sns = boto3.client("sns", region_name="us-east-1")
        for arn in (PAGING_TOPIC, OTHER_TOPIC):
            sns.create_topic(Name=arn.rsplit(":", 1)[1])
            owner = {"Version": "2012-10-17", "Statement": [OWNER_STATEMENT]}
            sns.set_topic_attributes(
                TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(owner)
            )
        yield


MOVES = {
    "critical leaves the shared topic": ((PAGING_TOPIC, PAGING_TOPIC), (OTHER_TOPIC, PAGING_TOPIC)),
    "warning leaves the shared topic": ((PAGING_TOPIC, PAGING_TOPIC), (PAGING_TOPIC, OTHER_TOPIC)),
    "the routes swap topics": ((PAGING_TOPIC, OTHER_TOPIC), (OTHER_TOPIC, PAGING_TOPIC)),
    "warning joins critical's topic": ((PAGING_TOPIC, OTHER_TOPIC), (PAGING_TOPIC, PAGING_TOPIC)),
    "critical moves, warning keeps its own": ((PAGING_TOPIC, None), (OTHER_TOPIC, None)),
    "critical goes back to a created topic": ((PAGING_TOPIC, PAGING_TOPIC), (None, PAGING_TOPIC)),
}


@pytest.mark.parametrize(("before", "after"), MOVES.values(), ids=MOVES.keys())
def test_a_route_move_leaves_every_topic_in_use_granted(topics, before, after):
    first, second = run_stack("dev", _routes(*before)), run_stack("dev", _routes(*after))
    _update({}, _statements(first))
    _update(_statements(first), _statements(second))
    settings = settings_of(second)
    for topic in (PAGING_TOPIC, OTHER_TOPIC):
        statements = _policy(topic)["Statement"]
        ours = existing_topic_statement(settings, topic)
        expected = [OWNER_STATEMENT, ours] if topic in after else [OWNER_STATEMENT]
        assert statements == expected, topic


def test_the_statement_a_route_named_resource_added_gives_way_without_a_gap(topics):
    """A stack last deployed with one statement resource per route, named after the route and
    holding the stack's Sid: its first update adds the new statement before the old one goes."""
    run = run_stack("dev", _routes(PAGING_TOPIC, PAGING_TOPIC))
    settings = settings_of(run)
    route_sid = arns.stack_sid(settings, "AlarmsPublish")
    route_named = {
        TOPIC_ARN: PAGING_TOPIC,
        STATEMENT: json.dumps(cloudwatch_publish_statement(settings, PAGING_TOPIC, route_sid)),
    }
    before = {"alerts-critical-existing-statement": route_named}
    _update({}, before)
    _update(before, _statements(run))
    policy = _policy(PAGING_TOPIC)
    assert statement_with_sid(policy, route_sid) is None
    ours = existing_topic_statement(settings, PAGING_TOPIC)
    assert policy["Statement"] == [OWNER_STATEMENT, ours]
