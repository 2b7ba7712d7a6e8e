"""The real program run under mocks once per configuration, shared by the guardrail tests."""

from __future__ import annotations

import json
from typing import Any

from policies.sfuser_guardrails.model import StackResource
from tests.infra.configurations import configured_run
from tests.infra.pulumi_harness import RegisteredResource, StackRun

LAMBDA_FUNCTION = "aws:lambda/function:Function"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


program = configured_run  # a stack file's run, or dev with existing topics (configurations)


def stack_resource(resource: RegisteredResource) -> StackResource:
    """The harness's view of a resource as the guardrails read it (props = inputs + outputs)."""
    return StackResource(
        type=resource.type,
        name=resource.name,
        props=resource.state,
        dependencies=resource.dependencies,
    )


def stack_resources(run: StackRun) -> list[StackResource]:
    return [stack_resource(r) for r in run.resources if r.custom]


def function_named(run: StackRun, function_name: str) -> RegisteredResource:
    matches = [f for f in run.of_type(LAMBDA_FUNCTION) if f.inputs["name"] == function_name]
    assert len(matches) == 1, f"{len(matches)} functions named {function_name}"
    return matches[0]


def role_of(run: StackRun, function: RegisteredResource) -> RegisteredResource:
    """The role the function runs as."""
    role_arn = function.state["role"]
    return next(r for r in run.of_type("aws:iam/role:Role") if r.state["arn"] == role_arn)


def role_id(role: RegisteredResource) -> str:
    """What `role.id` resolves to: the mocks give every resource `<name>-id`."""
    return f"{role.state['name']}-id"


def identity_policies(run: StackRun, function: RegisteredResource) -> list[dict[str, Any]]:
    """Every identity policy document the function's role holds (inline and attached)."""
    role = role_of(run, function)
    documents = [
        json.loads(policy["policy"]) for policy in role.inputs.get("inlinePolicies", []) or []
    ]
    documents += [
        p.json_input("policy")
        for p in run.of_type(ROLE_POLICY)
        if p.inputs["role"] == role_id(role)
    ]
    attachments = run.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    attached_arns = {
        a.inputs["policyArn"] for a in attachments if a.inputs["role"] == role_id(role)
    }
    documents += [
        p.json_input("policy")
        for p in run.of_type("aws:iam/policy:Policy")
        if p.state["arn"] in attached_arns
    ]
    return documents
