"""A replacement can never collide with the resource it replaces.

Pulumi replaces create-first by default. For a resource AWS identifies by a value the program
chose (a fixed name, or the single configuration its parent holds), create-first fails with
"already exists", or worse succeeds: a new topic policy, queue policy, invoke config or lifecycle
configuration overwrites the old one on the same parent, and deleting the old one then removes
it. So every resource whose identity the program sets is replaced delete-first
(`delete_before_replace`), and the others let Pulumi auto-name them. IDENTITY lists, per resource
type the program registers, the inputs AWS identifies it by; a type the table does not know fails
the test, so a new resource is classified before it ships.
"""

from __future__ import annotations

import pytest

from tests.infra.conftest import cached_run
from tests.infra.override_run import override_run
from tests.infra.pulumi_harness import STACKS, RegisteredResource, StackRun

IDENTITY: dict[str, tuple[str, ...]] = {
    # Named by the program unless it leaves the name to Pulumi's auto-naming.
    "aws:athena/workgroup:Workgroup": ("name",),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": ("alarmName",),
    "aws:cloudwatch/dashboard:Dashboard": ("dashboardName",),
    "aws:cloudwatch/eventRule:EventRule": ("name", "namePrefix"),
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
    # One per parent: the parent identifies it.
    "aws:cloudwatch/eventTarget:EventTarget": ("targetId",),
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": ("functionName",),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ("bucket",),
    "aws:sns/topicPolicy:TopicPolicy": ("arn",),
    "aws:sqs/queuePolicy:QueuePolicy": ("queueUrl",),
    # AWS generates the identity.
    "aws:kms/key:Key": (),
    "aws:sns/topicSubscription:TopicSubscription": (),
}

RUNS = [*STACKS, "local", "prod-overrides"]


def _run(name: str) -> StackRun:
    return override_run() if name == "prod-overrides" else cached_run(name)


def _fixed(resource: RegisteredResource) -> list[str]:
    return [key for key in IDENTITY[resource.type] if resource.inputs.get(key)]


@pytest.mark.parametrize("name", RUNS)
def test_every_resource_type_is_classified(name):
    types = {r.type for r in _run(name).resources if r.custom}
    assert types - set(IDENTITY) == set(), "add the new types to IDENTITY"


@pytest.mark.parametrize("name", RUNS)
def test_a_resource_whose_identity_the_program_sets_is_replaced_delete_first(name):
    colliding = [
        f"{r.type} {r.name} ({', '.join(_fixed(r))})"
        for r in _run(name).resources
        if r.custom and r.type in IDENTITY and _fixed(r) and not r.delete_before_replace
    ]
    assert colliding == []


@pytest.mark.parametrize("name", RUNS)
def test_resources_nothing_needs_by_name_are_auto_named(name):
    """Roles and the failure-capture rules are referenced by ARN only (their ARNs come from the
    resources, not from names), so Pulumi names them and replaces them create-first, without a
    gap in what they do."""
    run = _run(name)
    for resource in run.of_type("aws:iam/role:Role"):
        assert "name" not in resource.inputs, resource.name
    for resource in run.of_type(
        "aws:cloudwatch/eventRule:EventRule", "sfuser:monitoring:EventCapture"
    ):
        assert "name" not in resource.inputs, resource.name
