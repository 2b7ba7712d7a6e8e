"""The monitoring handlers, one spec each: everything the stack knows about a function.

`MonitoringLambdas` and `Canary` loop over `HANDLERS`; a fact about one handler (its entry point,
its config object, how its environment is built, its IAM statements, where its asynchronous
failures go, what its self-test does) is spelled here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from handlers import call_budget
from handlers.contract import AlertRoute, HandlerKey
from handlers.error_handler_settings import ErrorHandlerSettings
from handlers.publishing.settings import PublisherSettings
from handlers.settings import HandlerSettings
from handlers.validation.settings import LAYOUT_COLUMNS, ValidatorSettings

from . import arns, iam_policies
from .config_loading import SettingsError, field_aliases
from .config_values import config_path
from .function_environment import handler_settings
from .iam_policies import AlertTargets
from .policy_statements import PolicyDocument, Statement
from .settings import HandlerConfig, Settings


class AsyncFailures(StrEnum):
    """Where an asynchronous invocation that failed after Lambda's retries goes."""

    CANARY_QUEUE = "canary-queue"  # the canary's failures queue (Canary configures it)
    ALERT_DEAD_LETTERS = "alert-dead-letters"  # a lost alert pages (EventCapture configures it)


class SelfTest(StrEnum):
    """What a handler does with the canary's `{"self_test": true}` event."""

    HEARTBEAT = "publishes the MonitoringHeartbeat metric"
    # Needs the canary's grant to publish to the self-test topic.
    TEST_ALERT = "sends a marked test alert to the self-test topic, or only logs it"
    ENGINE_QUERY = "runs a trivial query on its engine"


@dataclass(frozen=True)
class HandlerSpec:
    key: HandlerKey
    entry_point: str  # `module.function` in the package (handlers/)
    config_field: str  # the Settings field of its config object (sizing and own settings)
    model: type[HandlerSettings]  # its settings model: the function's whole environment
    derived: Callable[[Settings], dict[str, Any]]  # model values not taken by name (names, ARNs)
    statements: Callable[[Settings, AlertTargets], list[Statement]]  # its own IAM grants
    async_failures: AsyncFailures
    self_test: SelfTest

    def config(self, settings: Settings) -> HandlerConfig:
        config = getattr(settings, self.config_field)
        assert isinstance(config, HandlerConfig), self.config_field
        return config

    def call_budget(self, settings: Settings) -> call_budget.CallBudget:
        """The most patient AWS call budget whose worst case, over the handler's sequential
        calls, fits the function's timeout; SettingsError names the timeout when none does."""
        timeout = self.config(settings).timeout_seconds
        budget = call_budget.fitting(timeout, self.model.AWS_CALLS)
        if budget is None:
            key = config_path(field_aliases()[self.config_field], "timeoutSeconds")
            shortest = call_budget.minimum_timeout_seconds(self.model.AWS_CALLS)
            raise SettingsError(
                f"invalid stack configuration:\n  {key}: {timeout} s cannot hold the"
                f" {self.model.AWS_CALLS} AWS calls the {self.key.value} function makes one after"
                f" another, each with a retry (handlers/call_budget.py); set at least"
                f" {shortest}"
            )
        return budget

    def handler_settings(self, settings: Settings) -> HandlerSettings:
        """Its model as this stack configures it (`function_environment.handler_settings`)."""
        budget = self.call_budget(settings)
        return handler_settings(
            self.model,
            self.key,
            settings,
            self.config_field,
            aws_call_max_attempts=budget.max_attempts,
            aws_call_connect_timeout_seconds=budget.connect_timeout,
            aws_call_read_timeout_seconds=budget.read_timeout,
            **self.derived(settings),
        )


def _error_handler_values(settings: Settings) -> dict[str, Any]:
    values: dict[str, Any] = {
        "critical_topic_arn": arns.alert_topic_arn(settings, AlertRoute.CRITICAL),
        "warning_topic_arn": arns.alert_topic_arn(settings, AlertRoute.WARNING),
        "dashboard_name": arns.dashboard_name(settings),
        "idempotency_table": arns.idempotency_table_name(settings),
        "idempotency_window_seconds": settings.dedup_window_seconds,
    }
    if settings.canary_enabled:  # without the canary the handler's default is to log
        values["self_test_topic_arn"] = arns.self_test_topic_arn(settings)
        values["self_test_alerts"] = settings.canary_alerts
    return values


def _validator_values(settings: Settings) -> dict[str, Any]:
    return {
        "athena_workgroup": arns.validator_workgroup(settings),
        "s3_results_bucket": settings.athena_results_bucket,
        "raw_table": settings.table(settings.raw_table).qualified,
        "scd_table": settings.table(settings.scd_table).qualified,
        **LAYOUT_COLUMNS[settings.scd_column_layout],
    }


SPECS: Final = (
    HandlerSpec(
        key=HandlerKey.METRICS_PUBLISHER,
        entry_point="handlers.metrics_publisher.handler",
        config_field="metrics_publisher",
        model=PublisherSettings,
        derived=lambda _: {},
        statements=lambda settings, _: iam_policies.metrics_publisher_statements(settings),
        async_failures=AsyncFailures.CANARY_QUEUE,
        self_test=SelfTest.HEARTBEAT,
    ),
    HandlerSpec(
        key=HandlerKey.ERROR_HANDLER,
        entry_point="handlers.error_handler.handler",
        config_field="error_handler",
        model=ErrorHandlerSettings,
        derived=_error_handler_values,
        statements=iam_policies.error_handler_statements,
        async_failures=AsyncFailures.ALERT_DEAD_LETTERS,
        self_test=SelfTest.TEST_ALERT,
    ),
    HandlerSpec(
        key=HandlerKey.PIPELINE_VALIDATOR,
        entry_point="handlers.pipeline_validator.handler",
        config_field="pipeline_validator",
        model=ValidatorSettings,
        derived=_validator_values,
        statements=lambda settings, _: iam_policies.pipeline_validator_statements(settings),
        async_failures=AsyncFailures.CANARY_QUEUE,
        self_test=SelfTest.ENGINE_QUERY,
    ),
)
HANDLERS: Final[Mapping[HandlerKey, HandlerSpec]] = MappingProxyType(
    {spec.key: spec for spec in SPECS}
)


def configured_handlers(settings: Settings) -> dict[HandlerKey, HandlerSettings]:
    """Every handler's settings model as the stack configures it; SettingsError names each
    config key whose value a handler would refuse. Run before any resource is registered."""
    built: dict[HandlerKey, HandlerSettings] = {}
    problems: list[str] = []
    for key, spec in HANDLERS.items():
        try:
            built[key] = spec.handler_settings(settings)
        except SettingsError as error:
            problems.extend(str(error).splitlines()[1:])
    if problems:
        raise SettingsError("invalid stack configuration:\n" + "\n".join(problems))
    return built


def lambda_policy(settings: Settings, handler: HandlerKey, targets: AlertTargets) -> PolicyDocument:
    """The complete inline policy of one handler's role."""
    common = iam_policies.common_statements(settings, handler)
    return iam_policies.document(common + HANDLERS[handler].statements(settings, targets))
