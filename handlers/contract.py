"""The contract between the monitoring infrastructure and the Lambda handlers.

What both sides read lives here and nowhere else: the metric namespace, each custom metric with
its unit and exact dimension sets, the error types with their severities and routes, the default
thresholds the handlers check, the environment variables they read, and the names both derive
(function names, log groups, the dashboard's console URL). `components/` (Pulumi) and `handlers/`
(Lambda) both import this module, so an alarm can never watch a metric that the publisher emits
under another name or with other dimensions. Facts only the infrastructure reads (alarm keys and
their routes, CloudWatch Logs retention values, the Pulumi project name) live in `components/`.

This module is shipped inside the Lambda package: standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final
from urllib.parse import quote

NAMESPACE: Final = "SfUserPipeline"
PIPELINE_NAME: Final = "sf-user-pipeline"


class Environment(StrEnum):
    LOCAL = "local"
    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"


class Dimension(StrEnum):
    """Bounded-cardinality dimensions. Never an execution id or a user id."""

    ENVIRONMENT = "Environment"
    JOB_TYPE = "JobType"
    ERROR_TYPE = "ErrorType"
    SEVERITY = "Severity"


class JobType(StrEnum):
    INGESTION = "Ingestion"
    TRANSFORMATION = "Transformation"
    SCD = "SCD"


class Unit(StrEnum):
    """CloudWatch StandardUnit values used by this project."""

    SECONDS = "Seconds"
    COUNT = "Count"
    PERCENT = "Percent"
    BYTES = "Bytes"
    NONE = "None"


class Severity(StrEnum):
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


class ErrorType(StrEnum):
    GLUE_JOB_FAILURE = "glue_job_failure"
    VALIDATION_FAILURE = "validation_failure"
    DATA_QUALITY_FAILURE = "data_quality_failure"
    DBT_RUN_FAILURE = "dbt_run_failure"
    DBT_TEST_FAILURE = "dbt_test_failure"
    SCD_VALIDATION_FAILURE = "scd_validation_failure"
    EXTRACT_BREAKER_TRIPPED = "extract_breaker_tripped"
    UNKNOWN = "unknown"


class BreakerCheck(StrEnum):
    """The ingestion checks that are circuit breakers: one that fails stops the run before dbt
    turns a drifted, partial or destructive extract into history (`EXTRACT_BREAKER_TRIPPED`)."""

    EXPECTED_COLUMNS = "expected_columns"
    EXTRACT_VOLUME_DROP = "extract_volume_drop"
    MASS_DELETION = "mass_deletion"


BREAKER_CHECKS: Final = frozenset(check.value for check in BreakerCheck)


class ValidationType(StrEnum):
    """What Step Functions asks the pipeline validator to check."""

    INGESTION = "ingestion"
    SCD_INTEGRITY = "scd_integrity"


# The canary's scheduled event is exactly `{"self_test": true}`; a handler answers it with its
# self-test and never counts it as pipeline activity. Any other event, even one that carries
# the key, is pipeline activity (a real failure must never be diverted to the self-test topic).
SELF_TEST_KEY: Final = "self_test"
SELF_TEST_EVENT: Final = MappingProxyType({SELF_TEST_KEY: True})

# What the error handler raises when the alert was not delivered (SNS refused it, or another
# invocation holds the failure's in-progress mark); the reference state machine retries it.
ALERT_DELIVERY_ERROR: Final = "AlertDeliveryError"


class SelfTestAlerts(StrEnum):
    """What the error handler does with its self-test alert (`EnvVar.SELF_TEST_ALERTS`)."""

    PUBLISH = "publish"  # to the low-priority self-test topic (`SELF_TEST_TOPIC_ARN`)
    LOG = "log"  # only log it


class AlertRoute(StrEnum):
    """Which SNS topic an alert or alarm goes to."""

    CRITICAL = "critical"
    WARNING = "warning"


# Severity rule: HIGH when consumers get no fresh dimension or a corrupt one (nothing loaded, the
# model not rebuilt, SCD history broken, an extract a circuit breaker stopped before dbt because
# it is drifted, partial or would delete users) or when we cannot tell what happened; MEDIUM when
# data arrived but fails quality gates; LOW is reserved for operator-initiated stops (an ABORTED
# execution, a STOPPED Glue run), which the error handler downgrades to.
ERROR_SEVERITY: Final = MappingProxyType(
    {
        ErrorType.GLUE_JOB_FAILURE: Severity.HIGH,
        ErrorType.DBT_RUN_FAILURE: Severity.HIGH,
        ErrorType.SCD_VALIDATION_FAILURE: Severity.HIGH,
        ErrorType.EXTRACT_BREAKER_TRIPPED: Severity.HIGH,
        ErrorType.UNKNOWN: Severity.HIGH,
        ErrorType.DATA_QUALITY_FAILURE: Severity.MEDIUM,
        ErrorType.DBT_TEST_FAILURE: Severity.MEDIUM,
        ErrorType.VALIDATION_FAILURE: Severity.MEDIUM,
    }
)

SEVERITY_ROUTE: Final = MappingProxyType(
    {
        Severity.HIGH: AlertRoute.CRITICAL,
        Severity.MEDIUM: AlertRoute.WARNING,
        Severity.LOW: AlertRoute.WARNING,
    }
)


@dataclass(frozen=True)
class MetricDef:
    """A custom metric: its name, unit and the exact dimension sets it is published with.

    `job_type` fixes the JobType dimension value for metrics that carry it. Every dimension set
    starts with Environment; ErrorType and Severity values vary per datum.
    """

    name: str
    unit: Unit
    dimension_sets: tuple[tuple[Dimension, ...], ...]
    job_type: JobType | None = None
    description: str = ""

    def dimensions(
        self,
        environment: str,
        dimension_set: tuple[Dimension, ...] | None = None,
        **variable: str,
    ) -> dict[str, str]:
        """Dimension name -> value for one of this metric's sets (the first by default).

        `variable` supplies ErrorType / Severity values, keyed by the Dimension's value.
        """
        chosen = self.dimension_sets[0] if dimension_set is None else dimension_set
        if chosen not in self.dimension_sets:
            raise ValueError(f"{self.name} is not published with dimensions {chosen}")
        values: dict[str, str] = {}
        for dimension in chosen:
            if dimension is Dimension.ENVIRONMENT:
                values[dimension] = environment
            elif dimension is Dimension.JOB_TYPE:
                assert self.job_type is not None, f"{self.name} has JobType without a value"
                values[dimension] = self.job_type
            elif dimension.value in variable:
                values[dimension] = variable[dimension.value]
            else:
                raise ValueError(f"{self.name} needs a value for dimension {dimension}")
        return values


_ENV = (Dimension.ENVIRONMENT,)
_ENV_JOB = (Dimension.ENVIRONMENT, Dimension.JOB_TYPE)
_ENV_ERROR = (Dimension.ENVIRONMENT, Dimension.ERROR_TYPE, Dimension.SEVERITY)


class Metric:
    """Every custom metric in the SfUserPipeline namespace."""

    EXECUTION_DURATION: Final = MetricDef(
        "ExecutionDuration", Unit.SECONDS, (_ENV,), description="Wall time of one pipeline run"
    )
    JOB_SUCCESS: Final = MetricDef(
        "JobSuccess", Unit.COUNT, (_ENV,), description="1 for a succeeded run, 0 otherwise"
    )
    RECORDS_PROCESSED: Final = MetricDef(
        "RecordsProcessed", Unit.COUNT, (_ENV_JOB,), JobType.INGESTION, "Rows extracted"
    )
    DATA_QUALITY_SCORE: Final = MetricDef(
        "DataQualityScore",
        Unit.PERCENT,
        (_ENV_JOB,),
        JobType.INGESTION,
        "Share of rows in the latest extract that pass every row-level rule",
    )
    DATA_FRESHNESS_HOURS: Final = MetricDef(
        "DataFreshnessHours",
        Unit.NONE,
        (_ENV_JOB,),
        JobType.INGESTION,
        "Age in hours of the latest extract when validated",
    )
    DBT_MODELS_RUN: Final = MetricDef(
        "DbtModelsRun", Unit.COUNT, (_ENV_JOB,), JobType.TRANSFORMATION, "dbt models built"
    )
    DBT_MODELS_FAILED: Final = MetricDef(
        "DbtModelsFailed", Unit.COUNT, (_ENV_JOB,), JobType.TRANSFORMATION, "dbt models in error"
    )
    DBT_TESTS_PASSED: Final = MetricDef(
        "DbtTestsPassed", Unit.COUNT, (_ENV_JOB,), JobType.TRANSFORMATION, "dbt tests pass/warn"
    )
    DBT_TESTS_FAILED: Final = MetricDef(
        "DbtTestsFailed", Unit.COUNT, (_ENV_JOB,), JobType.TRANSFORMATION, "dbt tests fail/error"
    )
    SCD_INTEGRITY_SCORE: Final = MetricDef(
        "SCDIntegrityScore",
        Unit.PERCENT,
        (_ENV_JOB,),
        JobType.SCD,
        "Share of users whose whole history passes every SCD rule",
    )
    RECORDS_CREATED: Final = MetricDef(
        "RecordsCreated", Unit.COUNT, (_ENV_JOB,), JobType.SCD, "New dimension versions"
    )
    RECORDS_UPDATED: Final = MetricDef(
        "RecordsUpdated", Unit.COUNT, (_ENV_JOB,), JobType.SCD, "Closed dimension versions"
    )
    RECORDS_DELETED: Final = MetricDef(
        "RecordsDeleted", Unit.COUNT, (_ENV_JOB,), JobType.SCD, "Users flagged deleted"
    )
    EXTRACT_VOLUME_CHANGE: Final = MetricDef(
        "ExtractVolumeChange",
        Unit.PERCENT,
        (_ENV_JOB,),
        JobType.INGESTION,
        "Rows of the latest extract against the previous one, in percent (negative: fewer)",
    )
    PREDICTED_DELETION_SHARE: Final = MetricDef(
        "PredictedDeletionShare",
        Unit.PERCENT,
        (_ENV_JOB,),
        JobType.INGESTION,
        "Share of the dimension's current users missing from the latest extract: the deletions"
        " dbt would make",
    )
    MISSING_COLUMNS: Final = MetricDef(
        "MissingColumns",
        Unit.COUNT,
        (_ENV_JOB,),
        JobType.INGESTION,
        "Columns the checks need that the raw table or the dimension lacks",
    )
    ATHENA_BYTES_SCANNED: Final = MetricDef(
        "AthenaBytesScanned", Unit.BYTES, (_ENV_JOB,), JobType.SCD, "Validation query cost"
    )
    PIPELINE_ERRORS: Final = MetricDef(
        "PipelineErrors",
        Unit.COUNT,
        (_ENV_ERROR, _ENV),
        description="Alerts raised by the error handler, per error type and severity and in total",
    )
    MONITORING_HEARTBEAT: Final = MetricDef(
        "MonitoringHeartbeat", Unit.COUNT, (_ENV,), description="Canary self-test of the monitoring"
    )
    ALERT_FALLBACKS: Final = MetricDef(
        "AlertFallbacks",
        Unit.COUNT,
        (_ENV,),
        description=(
            "Alerts the error handler sent around a failure of its own: without its "
            "de-duplication store, or as a minimal alert when the full one could not be built"
        ),
    )
    MAINTENANCE_MODE: Final = MetricDef(
        "MaintenanceMode",
        Unit.NONE,
        (_ENV,),
        description="Set by operators: 1 starts planned maintenance (paging suppressed), 0 ends it",
    )


ALL_METRICS: Final[tuple[MetricDef, ...]] = tuple(
    value for value in vars(Metric).values() if isinstance(value, MetricDef)
)
METRICS_BY_NAME: Final = MappingProxyType({metric.name: metric for metric in ALL_METRICS})


@dataclass(frozen=True)
class Thresholds:
    """Default thresholds the handlers check and the alarms watch; each can be overridden per
    stack in Pulumi config (the stack sets the handlers' environment from it)."""

    data_quality_percent: float = 95.0
    scd_integrity_percent: float = 98.0
    min_record_count: int = 100
    freshness_hours: float = 6.0
    # Circuit breakers of the ingestion validation: the share of rows the latest extract may
    # lose against the previous one, and of current users it may leave out.
    max_volume_drop_percent: float = 20.0
    max_deletion_percent: float = 5.0


DEFAULT_THRESHOLDS: Final = Thresholds()

# The watched tables (database.table); stack config and the validator's env override them.
DEFAULT_RAW_TABLE: Final = "salesforce_raw.sf_user"
DEFAULT_SCD_TABLE: Final = "salesforce_curated.dim_sf_user_scd"

# How many days back the ingestion checks read, so a table partitioned by extraction date is
# pruned. It must cover the freshness window, or a still-fresh extract would be missed.
DEFAULT_INGESTION_LOOKBACK_DAYS: Final = 2
# How many days back the previous extract may be, for the volume comparison (partition pruning
# as for the lookback, which it must cover).
DEFAULT_VOLUME_HISTORY_DAYS: Final = 7
# Key prefix of the validator's Athena results in the results bucket (IAM grants only it).
DEFAULT_ATHENA_RESULTS_PREFIX: Final = "validator"
# Athena's ResultReuseByAgeConfiguration.MaxAgeInMinutes upper bound (botocore model).
ATHENA_MAX_RESULT_REUSE_MINUTES: Final = 10_080
# Lambda's longest function timeout (seconds).
LAMBDA_MAX_TIMEOUT_SECONDS: Final = 900
# The error handler's de-duplication window. The stack stops EventBridge's and Lambda's retries of
# a failure event within it (components/event_capture.py), so a retried delivery is a duplicate.
DEFAULT_DEDUP_WINDOW_MINUTES: Final = 60
# The Step Functions execution statuses of a failed run: the stack's EventBridge rule sends these
# to the error handler, which counts each as a failed run (JobSuccess = 0).
EXECUTION_FAILURE_STATUSES: Final = ("FAILED", "TIMED_OUT", "ABORTED")


def lookback_covers_freshness(lookback_days: int, freshness_hours: float) -> bool:
    return lookback_days * 24 >= freshness_hours


class EnvVar(StrEnum):
    """Environment variables the handlers read; MonitoringLambdas sets them."""

    ENVIRONMENT = "ENVIRONMENT"
    CRITICAL_TOPIC_ARN = "CRITICAL_TOPIC_ARN"
    WARNING_TOPIC_ARN = "WARNING_TOPIC_ARN"
    DASHBOARD_NAME = "DASHBOARD_NAME"
    ATHENA_DATABASE = "ATHENA_DATABASE"
    ATHENA_WORKGROUP = "ATHENA_WORKGROUP"
    S3_RESULTS_BUCKET = "S3_RESULTS_BUCKET"
    ATHENA_RESULTS_PREFIX = "ATHENA_RESULTS_PREFIX"
    QUERY_ENGINE = "QUERY_ENGINE"
    DUCKDB_PATH = "DUCKDB_PATH"
    RAW_TABLE = "RAW_TABLE"
    SCD_TABLE = "SCD_TABLE"
    REQUIRED_FIELDS = "REQUIRED_FIELDS"
    FRESHNESS_HOURS = "FRESHNESS_HOURS"
    MIN_RECORD_COUNT = "MIN_RECORD_COUNT"
    DATA_QUALITY_THRESHOLD = "DATA_QUALITY_THRESHOLD"
    SCD_INTEGRITY_THRESHOLD = "SCD_INTEGRITY_THRESHOLD"
    # Column names the validator reads (a dbt snapshot uses dbt_valid_from, dbt_valid_to, ...).
    COLUMN_USER_ID = "COLUMN_USER_ID"
    COLUMN_VALID_FROM = "COLUMN_VALID_FROM"
    COLUMN_VALID_TO = "COLUMN_VALID_TO"
    COLUMN_IS_CURRENT = "COLUMN_IS_CURRENT"
    COLUMN_IS_DELETED = "COLUMN_IS_DELETED"
    COLUMN_DIVISION = "COLUMN_DIVISION"
    COLUMN_AUDIT_PHASE = "COLUMN_AUDIT_PHASE"
    COLUMN_EXTRACTED_AT = "COLUMN_EXTRACTED_AT"
    RUNBOOK_BASE_URL = "RUNBOOK_BASE_URL"
    IDEMPOTENCY_TABLE = "IDEMPOTENCY_TABLE"
    IDEMPOTENCY_WINDOW_SECONDS = "IDEMPOTENCY_WINDOW_SECONDS"
    SELF_TEST_TOPIC_ARN = "SELF_TEST_TOPIC_ARN"
    SELF_TEST_ALERTS = "SELF_TEST_ALERTS"  # a SelfTestAlerts value
    ATHENA_RESULT_REUSE_MINUTES = "ATHENA_RESULT_REUSE_MINUTES"
    INGESTION_LOOKBACK_DAYS = "INGESTION_LOOKBACK_DAYS"
    VOLUME_HISTORY_DAYS = "VOLUME_HISTORY_DAYS"
    MAX_VOLUME_DROP_PERCENT = "MAX_VOLUME_DROP_PERCENT"
    MAX_DELETION_PERCENT = "MAX_DELETION_PERCENT"
    POWERTOOLS_SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"
    POWERTOOLS_LOG_LEVEL = "POWERTOOLS_LOG_LEVEL"
    POWERTOOLS_TRACE_DISABLED = "POWERTOOLS_TRACE_DISABLED"
    # Every AWS client of a handler (handlers/call_budget.py); the stack fits them to its timeout.
    AWS_CALL_MAX_ATTEMPTS = "AWS_CALL_MAX_ATTEMPTS"
    AWS_CALL_CONNECT_TIMEOUT_SECONDS = "AWS_CALL_CONNECT_TIMEOUT_SECONDS"
    AWS_CALL_READ_TIMEOUT_SECONDS = "AWS_CALL_READ_TIMEOUT_SECONDS"


class HandlerKey(StrEnum):
    """The three monitoring Lambdas; the value is the function-name suffix."""

    METRICS_PUBLISHER = "metrics-publisher"
    ERROR_HANDLER = "error-handler"
    PIPELINE_VALIDATOR = "pipeline-validator"


def runbook_slug(error_type: ErrorType) -> str:
    """File name (without .md) of the runbook under docs/runbooks/ an alert of this type links."""
    return "error-" + error_type.value.replace("_", "-")


def resource_prefix(environment: str) -> str:
    """Prefix of every monitoring resource name in one stack, e.g. `sf-user-pipeline-dev`."""
    return f"{PIPELINE_NAME}-{environment}"


def function_log_group(environment: str, handler: HandlerKey) -> str:
    """The log group Lambda writes to for one monitoring function."""
    return f"/aws/lambda/{function_name(environment, handler)}"


def dashboard_url(region: str, dashboard_name: str) -> str:
    """The CloudWatch console page of a dashboard (exported by the stack, linked in alerts)."""
    console = f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
    return f"{console}#dashboards/dashboard/{quote(dashboard_name, safe='')}"


def state_machine_log_group(environment: str) -> str:
    return f"/aws/stepfunctions/{resource_prefix(environment)}"


def function_name(environment: str, handler: HandlerKey) -> str:
    return f"{resource_prefix(environment)}-{handler.value}"
