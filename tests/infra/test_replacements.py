"""A replacement can never collide with the resource it replaces.

Pulumi replaces create-first by default. A resource AWS identifies by a value the program sets (a
name, or the bucket a lifecycle configuration belongs to) can be replaced for another reason with
that value unchanged: create-first then fails with "already exists", or for the bucket's one
lifecycle configuration overwrites it and deletes it. So those are replaced delete-first
(`delete_before_replace`). A configuration that belongs to one parent (a topic or queue policy,
an invoke config, a rule's target, this stack's statement in a topic) is replaced only when its
parent changes: create-first puts it on the new parent and removes it from the old, with no gap,
so it stays create-first. Each table lists, per resource type the program registers, the inputs
AWS identifies it by; a type no table knows fails the test, so a new resource is classified before
it ships.
"""

from __future__ import annotations

import pytest

from tests.infra.configurations import CONFIGURATIONS, configured_run
from tests.infra.override_run import override_run
from tests.infra.pulumi_harness import RegisteredResource, StackRun

DELETE_FIRST: dict[str, tuple[str, ...]] = {
    "aws:athena/workgroup:Workgroup": ("name",),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": ("alarmName",),
    "aws:cloudwatch/dashboard:Dashboard": ("dashboardName",),
    "aws:cloudwatch/eventRule:EventRule": ("name",),
    "aws:cloudwatch/logGroup:LogGroup": ("name",),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("name",),
    "aws:dynamodb/table:Table": ("name",),
    "aws:iam/role:Role": ("name",),
    "aws:iam/rolePolicy:RolePolicy": ("name",),
    "aws:kms/alias:Alias": ("name",),
    "aws:lambda/function:Function": ("name",),
    "aws:lambda/permission:Permission": ("statementId",),
    "aws:sns/topic:Topic": ("name",),
    "aws:sqs/queue:Queue": ("name",),
    # expectedBucketOwner forces a replacement on the same bucket.
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ("bucket",),
}
FOLLOW_THEIR_PARENT: dict[str, tuple[str, ...]] = {
    "aws:cloudwatch/eventTarget:EventTarget": ("rule", "targetId", "eventBusName"),
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": ("functionName",),
    "aws:sns/topicPolicy:TopicPolicy": ("arn",),
    "aws:sqs/queuePolicy:QueuePolicy": ("queueUrl",),
    "pulumi-python:dynamic/sfuser:ExistingTopicStatement": ("topic_arn",),
}
GENERATED: frozenset[str] = frozenset(
    {"aws:kms/key:Key", "aws:sns/topicSubscription:TopicSubscription"}
)

RUNS = [*CONFIGURATIONS, "local", "prod-overrides"]


def _run(name: str) -> StackRun:
    return override_run() if name == "prod-overrides" else configured_run(name)


def _fixed(resource: RegisteredResource) -> list[str]:
    return [key for key in DELETE_FIRST[resource.type] if resource.inputs.get(key)]


@pytest.mark.parametrize("name", RUNS)
def test_every_resource_type_is_classified(name):
    types = {r.type for r in _run(name).resources if r.custom}
    known = {*DELETE_FIRST, *FOLLOW_THEIR_PARENT, *GENERATED}
    assert types - known == set(), "classify the new types"


@pytest.mark.parametrize("name", RUNS)
def test_a_resource_whose_identity_the_program_sets_is_replaced_delete_first(name):
    colliding = [
        f"{r.type} {r.name} ({', '.join(_fixed(r))})"
        for r in _run(name).resources
        if r.custom and r.type in DELETE_FIRST and _fixed(r) and not r.delete_before_replace
    ]
    assert colliding == []


@pytest.mark.parametrize("name", RUNS)
def test_a_configuration_of_one_parent_keeps_create_first(name):
    gapped = [
        f"{r.type} {r.name}"
        for r in _run(name).resources
        if r.type in FOLLOW_THEIR_PARENT and r.delete_before_replace
    ]
    assert gapped == []


@pytest.mark.parametrize("name", RUNS)
def test_the_failure_capture_rules_are_auto_named(name):
    """Referenced by ARN only, so Pulumi names them and replaces them create-first: failure
    events are captured throughout a replacement."""
    capture = "sfuser:monitoring:EventCapture"
    for resource in _run(name).of_type("aws:cloudwatch/eventRule:EventRule", capture):
        assert "name" not in resource.inputs, resource.name
