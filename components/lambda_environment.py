"""Environment variables of the monitoring Lambdas, named by `contract.EnvVar`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import pulumi

from handlers.contract import AlertRoute, EnvVar, HandlerKey
from handlers.validation.settings import LAYOUT_COLUMNS

from . import arns
from .settings import Settings

QUERY_ENGINE: Final = "athena"


def _number(value: float) -> str:
    return f"{value:g}"


def lambda_environment(
    settings: Settings,
    handler: HandlerKey,
    topic_arns: Mapping[AlertRoute, pulumi.Input[str]],
) -> dict[str, pulumi.Input[str]]:
    """One environment shared by every handler, plus the variables only `handler` reads."""
    variables: dict[str, pulumi.Input[str]] = {
        EnvVar.ENVIRONMENT: settings.environment.value,
        EnvVar.CRITICAL_TOPIC_ARN: topic_arns[AlertRoute.CRITICAL],
        EnvVar.WARNING_TOPIC_ARN: topic_arns[AlertRoute.WARNING],
        EnvVar.DASHBOARD_NAME: arns.dashboard_name(settings),
        EnvVar.STATE_MACHINE_ARN: settings.state_machine_arn,
        EnvVar.GLUE_JOB_NAME: settings.glue_job_name,
        EnvVar.ATHENA_DATABASE: settings.athena_database,
        EnvVar.ATHENA_WORKGROUP: arns.validator_workgroup(settings),
        EnvVar.S3_RESULTS_BUCKET: settings.athena_results_bucket,
        EnvVar.QUERY_ENGINE: QUERY_ENGINE,
        EnvVar.RAW_TABLE: settings.table(settings.raw_table).qualified,
        EnvVar.SCD_TABLE: settings.table(settings.scd_table).qualified,
        EnvVar.FRESHNESS_HOURS: _number(settings.freshness_hours),
        EnvVar.MIN_RECORD_COUNT: str(settings.min_record_count),
        EnvVar.DATA_QUALITY_THRESHOLD: _number(settings.data_quality_threshold),
        EnvVar.SCD_INTEGRITY_THRESHOLD: _number(settings.scd_integrity_threshold),
        EnvVar.RUNBOOK_BASE_URL: settings.runbook_base_url,
        EnvVar.POWERTOOLS_SERVICE_NAME: handler.value,
        EnvVar.POWERTOOLS_LOG_LEVEL: settings.log_level,
    }
    if settings.required_fields:
        variables[EnvVar.REQUIRED_FIELDS] = ",".join(settings.required_fields)
    variables.update(handler_environment(settings, handler))
    return {str(name): value for name, value in variables.items()}


def handler_environment(settings: Settings, handler: HandlerKey) -> dict[str, str]:
    """Variables only one handler reads: the validator's cost guards and column layout, the
    error handler's de-duplication and self-test delivery."""
    if handler is HandlerKey.PIPELINE_VALIDATOR:
        return {**cost_guard_environment(settings), **column_layout_environment(settings)}
    if handler is HandlerKey.ERROR_HANDLER:
        return {**idempotency_environment(settings), **self_test_environment(settings)}
    return {}


def column_layout_environment(settings: Settings) -> dict[str, str]:
    """The validator's column settings for an SCD table that does not use the seed's names."""
    return dict(LAYOUT_COLUMNS[settings.scd_column_layout])


def idempotency_environment(settings: Settings) -> dict[str, str]:
    """The error handler's Powertools idempotency table and window."""
    return {
        EnvVar.IDEMPOTENCY_TABLE: arns.idempotency_table_name(settings),
        EnvVar.IDEMPOTENCY_WINDOW_SECONDS: str(settings.dedup_window_seconds),
    }


def cost_guard_environment(settings: Settings) -> dict[str, str]:
    """How far back ingestion checks scan and how long Athena may reuse a result."""
    return {
        EnvVar.ATHENA_RESULT_REUSE_MINUTES: str(settings.athena_result_reuse_minutes),
        EnvVar.INGESTION_LOOKBACK_DAYS: str(settings.ingestion_lookback_days),
    }


def self_test_environment(settings: Settings) -> dict[str, str]:
    """Where the error handler sends its canary alert, or whether it only logs it (no canary:
    nothing, and the handler's default is to log)."""
    if not settings.canary_enabled:
        return {}
    return {
        EnvVar.SELF_TEST_TOPIC_ARN: arns.self_test_topic_arn(settings),
        EnvVar.SELF_TEST_ALERTS: settings.canary_alerts.value,
    }
