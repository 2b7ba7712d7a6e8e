"""The CrossGuard policies: thin wrappers that feed resources to the pure rules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from . import iam, resources, stack
from .model import StackResource

PACK_NAME: Final = "sf-user-monitoring-guardrails"
ENFORCEMENT: Final = EnforcementLevel.MANDATORY
MAX_RETENTION_KEY: Final = "maxRetentionDays"

ResourceRule = Callable[[Mapping[str, Any]], list[str]]


def _for_type(resource_type: str | frozenset[str], rule: ResourceRule) -> Callable[..., None]:
    types = {resource_type} if isinstance(resource_type, str) else resource_type

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type in types:
            for problem in rule(args.props):
                report_violation(problem, None)

    return validate


def _log_group_retention(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != resources.LOG_GROUP:
        return
    maximum = int(args.get_config().get(MAX_RETENTION_KEY, resources.DEFAULT_MAX_RETENTION_DAYS))
    for problem in resources.log_group_retention(args.props, maximum):
        report_violation(problem, None)


def _iam(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    for problem in iam.iam_violations(args.resource_type, args.props):
        report_violation(problem, None)


def stack_resource(resource: PolicyResource) -> StackResource:
    return StackResource(
        type=resource.resource_type,
        name=resource.urn,
        props=resource.props,
        dependencies=frozenset(dep.urn for dep in resource.dependencies),
        property_dependencies={
            prop: frozenset(dep.urn for dep in deps)
            for prop, deps in resource.property_dependencies.items()
        },
    )


def _stack(rule: Callable[[list[StackResource]], list[str]]) -> Callable[..., None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        for problem in rule([stack_resource(r) for r in args.resources]):
            report_violation(problem, None)

    return validate


POLICIES: Final = [
    StackValidationPolicy(
        name="alarms-notify",
        description="Every alarm has alarm actions or feeds a notifying composite alarm.",
        validate=_stack(stack.alarm_notification_violations),
    ),
    ResourceValidationPolicy(
        name="log-group-retention",
        description="Every log group sets retentionInDays, at most maxRetentionDays.",
        validate=_log_group_retention,
        config_schema=PolicyConfigSchema(
            properties={
                MAX_RETENTION_KEY: {
                    "type": "integer",
                    "minimum": 1,
                    "default": resources.DEFAULT_MAX_RETENTION_DAYS,
                }
            }
        ),
    ),
    ResourceValidationPolicy(
        name="lambda-explicit-settings",
        description="Every Lambda sets timeout and memory explicitly and traces actively.",
        validate=_for_type(resources.LAMBDA_FUNCTION, resources.lambda_settings),
    ),
    StackValidationPolicy(
        name="async-lambda-keeps-failures",
        description="Every asynchronously invoked Lambda has a DLQ or an on-failure destination.",
        validate=_stack(stack.async_lambda_failure_violations),
    ),
    ResourceValidationPolicy(
        name="sns-topic-kms-encrypted",
        description="SNS topics are encrypted with a KMS key.",
        validate=_for_type(resources.SNS_TOPIC, resources.sns_topic_encrypted),
    ),
    ResourceValidationPolicy(
        name="sqs-queue-encrypted",
        description="SQS queues are encrypted (KMS or SQS-managed SSE).",
        validate=_for_type(resources.SQS_QUEUE, resources.sqs_queue_encrypted),
    ),
    ResourceValidationPolicy(
        name="iam-least-privilege",
        description="No wildcard IAM actions; Resource '*' only for actions without ARNs.",
        validate=_iam,
    ),
]
