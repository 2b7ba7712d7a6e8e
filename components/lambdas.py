"""MonitoringLambdas: log groups, one least-privilege role per handler, and the three functions."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Final

import pulumi
import pulumi_aws as aws

from handlers import contract
from handlers.contract import HandlerKey
from handlers.settings import HandlerSettings, environment_variables

from . import arns
from .config_values import LogGroupKind
from .handler_table import HANDLERS, lambda_policy
from .iam_policies import AlertTargets, lambda_assume_role_policy
from .lambda_package import handler_archive
from .replacement import fixed_identity
from .settings import Settings

RUNTIME: Final = "python3.12"
ARCHITECTURE: Final = "x86_64"  # must match the Powertools layer ARN's architecture

# Active: Lambda samples invocations itself and the handlers' Tracer adds a subsegment per AWS
# call. PassThrough: Lambda traces only requests an upstream service already sampled, the handlers
# import no X-Ray SDK (POWERTOOLS_TRACE_DISABLED) and their roles get no X-Ray grant.
TRACING_MODE: Final = {True: "Active", False: "PassThrough"}

STATE_MACHINE_LOG_GROUP: Final = "state-machine"
GLUE_JOB_LOG_GROUP: Final = "glue-job"
RESOURCE_NAME: Final = "handlers"  # the program's MonitoringLambdas (__main__.py)
COMPONENT_TYPE: Final = "sfuser:monitoring:MonitoringLambdas"


def managed_log_groups(settings: Settings) -> dict[str, str]:
    """Log group key -> name, for the groups this stack creates (per `createLogGroups`)."""
    groups: dict[str, str] = {}
    if LogGroupKind.LAMBDAS in settings.create_log_groups:
        for handler in HandlerKey:
            groups[handler.value] = arns.lambda_log_group(settings, handler)
    if LogGroupKind.STATE_MACHINE in settings.create_log_groups:
        groups[STATE_MACHINE_LOG_GROUP] = contract.state_machine_log_group(settings.environment)
    if LogGroupKind.GLUE_JOB in settings.create_log_groups:
        groups[GLUE_JOB_LOG_GROUP] = settings.glue_log_group
    return groups


def log_group_resource_name(component: str, key: str) -> str:
    """The Pulumi name of one managed log group (`pulumi import` adopts it under this name)."""
    return f"{component}-logs-{key}"


def _policy_json(settings: Settings, handler: HandlerKey) -> Callable[[AlertTargets], str]:
    """Renders a handler's policy once the alert targets' ARNs resolve."""
    return lambda targets: json.dumps(lambda_policy(settings, handler, targets))


class MonitoringLambdas(pulumi.ComponentResource):
    """`sfuser:monitoring:MonitoringLambdas`: one role and one function per `HANDLERS` spec.

    `handler_settings` is each handler's validated settings model (`configured_handlers`, run
    before any resource exists); the function's environment is that model's variables.
    """

    log_groups: dict[str, aws.cloudwatch.LogGroup]
    roles: dict[HandlerKey, aws.iam.Role]
    functions: dict[HandlerKey, aws.lambda_.Function]

    def __init__(
        self,
        name: str,
        settings: Settings,
        handler_settings: Mapping[HandlerKey, HandlerSettings],
        *,
        alert_targets: pulumi.Output[AlertTargets],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(COMPONENT_TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.log_groups = {
            key: aws.cloudwatch.LogGroup(
                log_group_resource_name(name, key),
                name=group,
                retention_in_days=settings.log_retention_days,
                opts=fixed_identity(self),
            )
            for key, group in managed_log_groups(settings).items()
        }
        code = handler_archive()
        self.roles = {}
        self.functions = {}
        for handler, spec in HANDLERS.items():
            # Named, so its ARN stays the same across a replacement: an existing encrypted
            # topic's key policy admits the error handler by an `aws:PrincipalArn` condition on
            # that ARN (topic_grants.error_handler_key_statement). A stable name alone would not
            # keep a key policy that named the role as Principal working: KMS stores that as the
            # role's unique id, which a recreated role does not have.
            role = aws.iam.Role(
                f"{name}-{handler.value}-role",
                name=arns.function_role_name(settings, handler),
                assume_role_policy=json.dumps(lambda_assume_role_policy()),
                opts=fixed_identity(self),
            )
            policy = aws.iam.RolePolicy(
                f"{name}-{handler.value}-policy",
                role=role.id,
                policy=alert_targets.apply(_policy_json(settings, handler)),
                opts=child,
            )
            sizing = spec.config(settings)
            own_log_group = self.log_groups.get(handler.value)
            ready: list[pulumi.Resource] = [policy]
            if own_log_group is not None:
                ready.append(own_log_group)
            self.roles[handler] = role
            self.functions[handler] = aws.lambda_.Function(
                f"{name}-{handler.value}",
                name=arns.function_name(settings, handler),
                role=role.arn,
                runtime=RUNTIME,
                architectures=[ARCHITECTURE],
                handler=spec.entry_point,
                code=code,
                layers=[settings.powertools_layer_arn],
                memory_size=sizing.memory_mb,
                timeout=sizing.timeout_seconds,
                reserved_concurrent_executions=sizing.reserved_concurrency,
                tracing_config={"mode": TRACING_MODE[settings.tracing_enabled]},
                environment={"variables": environment_variables(handler_settings[handler])},
                opts=fixed_identity(self, depends_on=ready),
            )
        self.register_outputs(
            {
                "functionArns": {h.value: f.arn for h, f in self.functions.items()},
                "functionNames": {h.value: f.name for h, f in self.functions.items()},
            }
        )
