"""Rules over IAM identity policy statements: no wildcard actions, `Resource: "*"` only where
AWS offers nothing narrower.

Actions that support no resource-level permissions (Service Authorization Reference) may use
`Resource: "*"`; `cloudwatch:PutMetricData` only together with a `cloudwatch:namespace`
condition, which is how AWS lets it be bounded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .model import as_document, as_list

ROLE: Final = "aws:iam/role:Role"
POLICY_DOCUMENT_TYPES: Final = frozenset(
    {
        "aws:iam/policy:Policy",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/userPolicy:UserPolicy",
        "aws:iam/groupPolicy:GroupPolicy",
    }
)
IAM_POLICY_TYPES: Final = POLICY_DOCUMENT_TYPES | {ROLE}

PUT_METRIC_DATA: Final = "cloudwatch:PutMetricData"
NAMESPACE_CONDITION_KEY: Final = "cloudwatch:namespace"
UNSCOPED_ACTIONS: Final = frozenset(
    {
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "lakeformation:GetDataAccess",
        PUT_METRIC_DATA,
    }
)


def identity_documents(resource_type: str, props: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The identity policy documents a resource carries (a role's inline policies included).

    A role's assume-role policy is a trust policy (principals, no resources) and is not read.
    """
    if resource_type == ROLE:
        policies = as_list(props.get("inlinePolicies"))
        inline = [as_document(policy.get("policy")) for policy in policies]
        return [document for document in inline if document is not None]
    if resource_type in POLICY_DOCUMENT_TYPES:
        document = as_document(props.get("policy"))
        return [] if document is None else [document]
    return []


def _has_namespace_condition(statement: Mapping[str, Any]) -> bool:
    conditions = statement.get("Condition") or {}
    return any(
        isinstance(keys, Mapping) and NAMESPACE_CONDITION_KEY in keys
        for operator, keys in conditions.items()
        if operator.startswith(("StringEquals", "StringLike"))
    )


def statement_violations(statement: Mapping[str, Any]) -> list[str]:
    """What is wrong with one Allow statement (Deny statements may be as broad as they like)."""
    if statement.get("Effect") != "Allow":
        return []
    where = f"statement {statement.get('Sid', '(no Sid)')!r}"
    problems = []
    if "NotAction" in statement:
        problems.append(f"{where} allows NotAction (every other action)")
    if "NotResource" in statement:
        problems.append(f"{where} allows NotResource (every other resource)")
    actions = [str(action) for action in as_list(statement.get("Action"))]
    wildcards = [action for action in actions if "*" in action]
    problems.extend(f"{where} has wildcard action {action!r}" for action in wildcards)
    if "*" in as_list(statement.get("Resource")):
        scoped = sorted(set(actions) - UNSCOPED_ACTIONS)
        if scoped:
            problems.append(
                f"{where} grants {scoped} on Resource '*'; those actions support resource ARNs"
            )
        if PUT_METRIC_DATA in actions and not _has_namespace_condition(statement):
            problems.append(
                f"{where} grants {PUT_METRIC_DATA} on '*' without a"
                f" {NAMESPACE_CONDITION_KEY} condition"
            )
    return problems


def iam_violations(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    problems = []
    for document in identity_documents(resource_type, props):
        for statement in as_list(document.get("Statement")):
            problems.extend(statement_violations(statement))
    return problems
