"""The error handler's settings: the environment variables it reads (`contract.EnvVar`).

A module of its own, without the handler's Powertools set-up, so the stack can build the
function's environment from this model (components/function_environment.py).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar, Self

from pydantic import Field, model_validator

from handlers.contract import (
    DEFAULT_DEDUP_WINDOW_MINUTES,
    DEFAULT_THRESHOLDS,
    AlertRoute,
    EnvVar,
    SelfTestAlerts,
    Thresholds,
)
from handlers.settings import HandlerSettings

SNS_TOPIC_ARN = r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$"
UNKNOWN_ENVIRONMENT = "unknown"
DEFAULT_IDEMPOTENCY_WINDOW_SECONDS = DEFAULT_DEDUP_WINDOW_MINUTES * 60


class ErrorHandlerSettings(HandlerSettings):
    # Per de-duplicated action (the alert, then the run's JobSuccess = 0): the record's PutItem,
    # the action (SNS Publish + PipelineErrors, or JobSuccess), the record's UpdateItem. Failing
    # open without the store takes fewer (tests/guardrails/test_call_budgets.py counts both).
    AWS_CALLS: ClassVar[int] = 7

    critical_topic_arn: str = Field(alias=EnvVar.CRITICAL_TOPIC_ARN, pattern=SNS_TOPIC_ARN)
    warning_topic_arn: str = Field(alias=EnvVar.WARNING_TOPIC_ARN, pattern=SNS_TOPIC_ARN)
    environment: str = Field(default=UNKNOWN_ENVIRONMENT, alias=EnvVar.ENVIRONMENT)
    dashboard_name: str | None = Field(default=None, alias=EnvVar.DASHBOARD_NAME)
    runbook_base_url: str | None = Field(default=None, alias=EnvVar.RUNBOOK_BASE_URL)
    data_quality_threshold: float = Field(
        default=DEFAULT_THRESHOLDS.data_quality_percent,
        ge=0,
        le=100,
        alias=EnvVar.DATA_QUALITY_THRESHOLD,
    )
    scd_integrity_threshold: float = Field(
        default=DEFAULT_THRESHOLDS.scd_integrity_percent,
        ge=0,
        le=100,
        alias=EnvVar.SCD_INTEGRITY_THRESHOLD,
    )

    idempotency_table: str | None = Field(default=None, alias=EnvVar.IDEMPOTENCY_TABLE)
    idempotency_window_seconds: int = Field(
        default=DEFAULT_IDEMPOTENCY_WINDOW_SECONDS, gt=0, alias=EnvVar.IDEMPOTENCY_WINDOW_SECONDS
    )
    self_test_topic_arn: str | None = Field(
        default=None, alias=EnvVar.SELF_TEST_TOPIC_ARN, pattern=SNS_TOPIC_ARN
    )
    self_test_alerts: SelfTestAlerts = Field(
        default=SelfTestAlerts.LOG, alias=EnvVar.SELF_TEST_ALERTS
    )

    @model_validator(mode="after")
    def _self_test_topic_when_publishing(self) -> Self:
        publishing = self.self_test_alerts is SelfTestAlerts.PUBLISH
        if publishing and self.self_test_topic_arn is None:
            raise ValueError(
                f"{EnvVar.SELF_TEST_ALERTS}={SelfTestAlerts.PUBLISH} needs "
                f"{EnvVar.SELF_TEST_TOPIC_ARN}"
            )
        return self

    def topic_for(self, route: AlertRoute) -> str:
        return self.critical_topic_arn if route is AlertRoute.CRITICAL else self.warning_topic_arn

    @property
    def thresholds(self) -> Thresholds:
        return dataclasses.replace(
            DEFAULT_THRESHOLDS,
            data_quality_percent=self.data_quality_threshold,
            scd_integrity_percent=self.scd_integrity_threshold,
        )
