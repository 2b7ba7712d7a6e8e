"""Typed stack settings: one pydantic model, loaded from Pulumi config and validated up front.

Every field's alias is its camelCase config key (`sf-user-monitoring:<alias>`), except `region`,
which is `aws:region`. Each default is defined once: here, or in `handlers.contract` for the
thresholds the handlers read too (`DEFAULT_THRESHOLDS`); `Pulumi.yaml` and docs/configuration.md
are generated from them (`python -m components.config_reference`).
`load_settings()` runs before any resource is registered, so bad config stops the program with a
message naming the key, e.g. `sf-user-monitoring:dataQualityThreshold: must be between 0 and 100,
got -5`. What a handler itself requires of a value is its settings model's rule, applied to the
environment the stack builds (`handler_table.configured_handlers`, also before any resource).
Each handler's own config is a nested object (`HandlerConfig`); the flat keys it replaced still
work, with a deprecation warning.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Final, get_args, get_origin

import pulumi
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic.alias_generators import to_camel

from handlers import contract
from handlers.contract import (
    DEFAULT_THRESHOLDS,
    AlertRoute,
    Environment,
    SelfTestAlerts,
)
from handlers.validation import identifiers
from handlers.validation.settings import ColumnLayout

PROJECT: Final = "sf-user-monitoring"  # the Pulumi project: its config namespace
REGION_KEY: Final = "aws:region"

_PARTITION = r"aws(?:-cn|-us-gov)?"
_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d"
STATE_MACHINE_ARN = re.compile(
    rf"^arn:(?P<partition>{_PARTITION}):states:(?P<region>{_REGION}):(?P<account>\d{{12}})"
    r":stateMachine:(?P<name>[A-Za-z0-9_-]{1,80})$"
)
POWERTOOLS_LAYER_ARN = re.compile(
    rf"^arn:{_PARTITION}:lambda:(?P<region>{_REGION}):017000801446"
    r":layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:(?P<version>[1-9]\d*)$"
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_S3_URI = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(?P<prefix>.*))?$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_GLUE_NAME = re.compile(r"^[a-z0-9_]{1,255}$")
_FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_ALARM_ARN = re.compile(rf"^arn:{_PARTITION}:cloudwatch:{_REGION}:\d{{12}}:alarm:.{{1,255}}$")
# MissedRun evaluates one-hour periods; CloudWatch caps Period x EvaluationPeriods at 7 days.
MAX_MISSED_RUN_HOURS: Final = 7 * 24
# The retention values CloudWatch Logs accepts (PutRetentionPolicy retentionInDays).
LOG_RETENTION_DAYS_ALLOWED: Final = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
     2922, 3288, 3653}
)  # fmt: skip
CREATE_SUPPRESSOR: Final = "create"
DEFAULT_ANOMALY_BAND_WIDTH: Final = 2.0
DEFAULT_DEDUP_WINDOW_MINUTES: Final = 60


class LogGroupKind(StrEnum):
    """Which log groups this stack creates (the others are assumed to exist already)."""

    LAMBDAS = "lambdas"
    STATE_MACHINE = "stateMachine"
    GLUE_JOB = "glueJob"


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # "" for the whole bucket, otherwise ends with "/"


@dataclass(frozen=True)
class ExistingTopic:
    """A topic a route uses instead of creating its own (`criticalTopicArn`, ...)."""

    arn: str
    kms_key_arn: str  # the owner's key the error handler must use; "" if not encrypted
    manage_policy: bool  # manageExistingTopicPolicy: this stack adds its statement


@dataclass(frozen=True)
class TableName:
    database: str
    table: str

    @property
    def qualified(self) -> str:
        return f"{self.database}.{self.table}"


def parse_s3_uri(uri: str) -> S3Location:
    match = _S3_URI.match(uri)
    if match is None:
        raise ValueError("must be an s3://bucket[/prefix/] URI")
    prefix = match["prefix"] or ""
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    return S3Location(match["bucket"], prefix)


def _percent(value: float) -> float:
    if not 0 <= value <= 100:
        raise ValueError("must be between 0 and 100")
    return value


def _positive(value: int) -> int:
    if value <= 0:
        raise ValueError("must be greater than 0")
    return value


def _retention(value: int) -> int:
    if value not in LOG_RETENTION_DAYS_ALLOWED:
        allowed = ", ".join(str(days) for days in sorted(LOG_RETENTION_DAYS_ALLOWED))
        raise ValueError(f"must be one of the CloudWatch Logs retention values ({allowed})")
    return value


def _lambda_memory(value: int) -> int:
    if not 128 <= value <= 10_240:
        raise ValueError("must be between 128 and 10240 (MB)")
    return value


def _lambda_timeout(value: int) -> int:
    if not 1 <= value <= 900:
        raise ValueError("must be between 1 and 900 (seconds)")
    return value


def _missed_run_hours(value: int) -> int:
    if not 1 <= value <= MAX_MISSED_RUN_HOURS:
        raise ValueError(
            f"must be between 1 and {MAX_MISSED_RUN_HOURS} (hours; CloudWatch evaluates an alarm "
            "over at most 7 days)"
        )
    return value


def _band_width(value: float) -> float:
    if value <= 0:
        raise ValueError("must be greater than 0 (standard deviations)")
    return value


def _suppressor_alarm(value: str) -> str:
    """Empty (no suppression), `create`, or an existing alarm's name or ARN."""
    if value in ("", CREATE_SUPPRESSOR):
        return value
    if value.startswith("arn:"):
        if not _ALARM_ARN.match(value):
            raise ValueError(
                "must be a CloudWatch alarm ARN arn:aws:cloudwatch:<region>:<acct>:alarm:<name>"
            )
        return value
    if len(value) > 255 or not value.isprintable():
        raise ValueError("must be `create`, an alarm name (1-255 printable characters) or its ARN")
    return value


def _email(value: SecretStr) -> SecretStr:
    if not _EMAIL.match(value.get_secret_value()):
        raise ValueError("must be an email address (name@example.com)")
    return value


def _webhook(value: SecretStr) -> SecretStr:
    if not value.get_secret_value().startswith("https://"):
        raise ValueError("must be an https:// URL")
    return value


def _s3_uri(value: str) -> str:
    parse_s3_uri(value)
    return value


def _bucket(value: str) -> str:
    if not _BUCKET.match(value):
        raise ValueError("must be an S3 bucket name (3-63 lowercase letters, digits, '.', '-')")
    return value


def _glue_name(value: str) -> str:
    if not _GLUE_NAME.match(value):
        raise ValueError("must be a Glue catalog name (lowercase letters, digits, '_')")
    return value


def _table(value: str) -> str:
    # The validator's own identifier rule (it quotes these into SQL), then Glue's naming.
    if not identifiers.is_table(value):
        raise ValueError(f"must be `table` or `database.table`: {identifiers.RULE}")
    parts = value.split(".")
    if not all(_GLUE_NAME.match(part) for part in parts):
        raise ValueError("must be `table` or `database.table` in Glue catalog naming")
    return value


_RESULTS_PREFIX = re.compile(r"^[A-Za-z0-9!_.*'()-]+(?:/[A-Za-z0-9!_.*'()-]+)*$")
_RATE = re.compile(r"^rate\((?P<value>[1-9]\d*) (?P<unit>minutes?|hours?|days?)\)$")
_SECONDS_PER_UNIT: Final = {"minute": 60, "hour": 3_600, "day": 86_400}
TEN_GIB: Final = 10 * 1024**3
ATHENA_MIN_CUTOFF_BYTES: Final = 10 * 1024**2  # Athena's minimum BytesScannedCutoffPerQuery
# The heartbeat alarm watches two schedule intervals; CloudWatch evaluates at most 7 days.
MAX_CANARY_INTERVAL_SECONDS: Final = 604_800 // 2
_KMS_KEY_ARN = re.compile(
    rf"^arn:{_PARTITION}:kms:(?P<region>{_REGION}):\d{{12}}:key/[A-Za-z0-9-]+$"
)
# A standard topic (SNS: 1-256 letters, digits, '-', '_'); FIFO topics end in `.fifo`.
_SNS_TOPIC_ARN = re.compile(
    rf"^arn:(?P<partition>{_PARTITION}):sns:(?P<region>{_REGION}):(?P<account>\d{{12}})"
    r":(?P<name>[A-Za-z0-9_-]{1,256})$"
)
_FIFO_TOPIC_ARN = re.compile(r"^arn:[^:]+:sns:[^:]+:\d{12}:[A-Za-z0-9_-]{1,251}\.fifo$")


def schedule_interval_seconds(expression: str) -> int:
    """Seconds between runs of an EventBridge `rate(...)` schedule expression."""
    match = _RATE.match(expression)
    if match is None:
        raise ValueError(
            "must be an EventBridge rate expression: rate(<n> minute|minutes|hour|hours|day|days)"
        )
    value, unit = int(match["value"]), match["unit"]
    if (value == 1) == unit.endswith("s"):
        raise ValueError("must use a singular unit for 1 and a plural one otherwise (rate(1 day))")
    return value * _SECONDS_PER_UNIT[unit.rstrip("s")]


def _rate_schedule(value: str) -> str:
    if schedule_interval_seconds(value) > MAX_CANARY_INTERVAL_SECONDS:
        raise ValueError(
            "must run at least every 3.5 days: the heartbeat alarm evaluates two schedule "
            "intervals and CloudWatch evaluates at most 7 days"
        )
    return value


def _results_prefix(value: str) -> str:
    if not _RESULTS_PREFIX.match(value):
        raise ValueError(
            "must be a non-empty S3 key prefix without leading or trailing '/' (e.g. validator)"
        )
    return value


def _reserved_concurrency(value: int) -> int:
    if value == 0:
        raise ValueError("0 would stop the function from ever running; use -1 for unreserved")
    if value < -1:
        raise ValueError("must be -1 (unreserved) or a positive number of executions")
    return value


def _column(value: str) -> str:
    if not identifiers.is_column(value):
        raise ValueError(f"must be a column name: {identifiers.RULE}")
    return value


Percent = Annotated[float, AfterValidator(_percent)]
ReservedConcurrency = Annotated[int, AfterValidator(_reserved_concurrency)]
PositiveInt = Annotated[int, AfterValidator(_positive)]
Email = Annotated[SecretStr, AfterValidator(_email)]
Webhook = Annotated[SecretStr, AfterValidator(_webhook)]
MemoryMb = Annotated[int, AfterValidator(_lambda_memory)]
TimeoutSeconds = Annotated[int, AfterValidator(_lambda_timeout)]
NonEmpty = Annotated[str, Field(min_length=1)]


class HandlerConfig(BaseModel):
    """One handler's own config: a nested object in Pulumi config, e.g.
    `sf-user-monitoring:pipelineValidator: {memoryMb: 1024, reservedConcurrency: 2}`.

    A field here whose name is also a field of the handler's settings model (handlers/) reaches
    the function's environment as that setting (components/function_environment.py).
    """

    model_config = ConfigDict(
        frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True
    )

    memory_mb: MemoryMb = Field(default=256, description="Memory (MB) of the function.")
    timeout_seconds: TimeoutSeconds = Field(default=60, description="Timeout (s) of the function.")
    reserved_concurrency: ReservedConcurrency = Field(
        default=-1,
        description="Reserved concurrency; -1 leaves it unreserved (see docs/sizing.md).",
    )


class ErrorHandlerConfig(HandlerConfig):
    """The error handler makes the most AWS calls one after another (handlers/call_budget.py):
    its timeout must hold each with a retry, or a slow AWS API loses the alert."""

    timeout_seconds: TimeoutSeconds = 120


class PipelineValidatorConfig(HandlerConfig):
    """The validator scans the whole SCD history: more memory and time by default. Its circuit
    breakers' limits are the validator's settings (what it accepts is its model's rule) and the
    thresholds of the ExtractVolumeDrop and MassDeletion alarms."""

    memory_mb: MemoryMb = 512
    timeout_seconds: TimeoutSeconds = 300
    max_volume_drop_percent: float = Field(
        default=DEFAULT_THRESHOLDS.max_volume_drop_percent,
        description="Circuit breaker: the most the latest extract may shrink against the previous"
        " one, in percent of its rows, before the run stops ahead of dbt (0-100).",
    )
    max_deletion_percent: float = Field(
        default=DEFAULT_THRESHOLDS.max_deletion_percent,
        description="Circuit breaker: the most of the dimension's current users the latest"
        " extract may leave out (the deletions dbt would make), in percent (0-100).",
    )
    volume_history_days: int = Field(
        default=contract.DEFAULT_VOLUME_HISTORY_DAYS,
        description="How many days back the previous extract is looked for (whole days to"
        " midnight UTC; at least ingestionLookbackDays).",
    )


class Settings(BaseModel):
    """Everything the stack needs, typed and validated. Aliases are the config keys."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True
    )

    # Where and what: the environment and the pipeline being watched.
    region: Annotated[str, Field(alias="region", pattern=rf"^{_REGION}$")]
    environment: Environment
    state_machine_arn: str
    glue_job_name: Annotated[str, Field(min_length=1, max_length=255)]
    glue_log_group: NonEmpty = "/aws-glue/jobs/logs-v2"
    dbt_runner_function_name: str
    # Data the validator reads through Athena.
    athena_database: Annotated[str, AfterValidator(_glue_name)] = "salesforce_raw"
    # Empty: the stack creates `<prefix>-validator` with the cost guards below; a name: use that
    # existing workgroup as it is.
    athena_workgroup: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{0,128}$")] = ""
    athena_results_bucket: Annotated[str, AfterValidator(_bucket)]
    raw_table: Annotated[str, AfterValidator(_table)] = contract.DEFAULT_RAW_TABLE
    scd_table: Annotated[str, AfterValidator(_table)] = contract.DEFAULT_SCD_TABLE
    data_locations: Annotated[
        tuple[Annotated[str, AfterValidator(_s3_uri)], ...], Field(min_length=1)
    ]
    lake_formation_governed: bool = False
    required_fields: tuple[Annotated[str, AfterValidator(_column)], ...] = ()
    scd_column_layout: ColumnLayout = ColumnLayout.SEED
    dbt_artifacts_s3_uri: Annotated[str, AfterValidator(_s3_uri)]
    # Lambdas.
    powertools_layer_arn: str
    log_level: str = "INFO"
    tracing_enabled: bool = True
    # One object per handler (`pipelineValidator: {memoryMb: 1024}`), see `HandlerConfig`.
    metrics_publisher: HandlerConfig = HandlerConfig()
    error_handler: ErrorHandlerConfig = ErrorHandlerConfig()
    pipeline_validator: PipelineValidatorConfig = PipelineValidatorConfig()
    # Thresholds (the ones the handlers read too default from the contract).
    data_quality_threshold: Percent = DEFAULT_THRESHOLDS.data_quality_percent
    scd_integrity_threshold: Percent = DEFAULT_THRESHOLDS.scd_integrity_percent
    min_record_count: PositiveInt = DEFAULT_THRESHOLDS.min_record_count
    pipeline_timeout_ms: PositiveInt = 3_600_000  # AWS/States ExecutionTime is in milliseconds
    # What the validator accepts (positive) is its settings model's rule (configured_handlers).
    freshness_hours: float = DEFAULT_THRESHOLDS.freshness_hours
    log_retention_days: Annotated[int, AfterValidator(_retention)] = 30
    # Alerting.
    runbook_base_url: Annotated[str, Field(pattern=r"^https://\S+[^/]$")]
    critical_alert_emails: tuple[Email, ...] = ()
    warning_alert_emails: tuple[Email, ...] = ()
    critical_alert_webhooks: tuple[Webhook, ...] = ()
    warning_alert_webhooks: tuple[Webhook, ...] = ()
    create_log_groups: frozenset[LogGroupKind] = frozenset({LogGroupKind.LAMBDAS})
    # Missed runs, anomaly bands, de-duplication, maintenance.
    missed_run_hours: Annotated[int, AfterValidator(_missed_run_hours)] = 26
    anomaly_band_width: Annotated[float, AfterValidator(_band_width)] = DEFAULT_ANOMALY_BAND_WIDTH
    dedup_window_minutes: PositiveInt = DEFAULT_DEDUP_WINDOW_MINUTES
    maintenance_suppressor_alarm: Annotated[str, AfterValidator(_suppressor_alarm)] = ""
    maintenance_wait_period_seconds: PositiveInt = 120
    maintenance_extension_period_seconds: PositiveInt = 600
    # Cost guards: the validator's workgroup, result reuse, clean-up.
    athena_results_prefix: Annotated[str, AfterValidator(_results_prefix)] = (
        contract.DEFAULT_ATHENA_RESULTS_PREFIX
    )
    athena_results_kms_key_arn: str = ""
    athena_bytes_scanned_cutoff: int = TEN_GIB
    # Bounds and the lookback-covers-freshness rule: the validator's settings model.
    athena_result_reuse_minutes: int = 60
    ingestion_lookback_days: int = contract.DEFAULT_INGESTION_LOOKBACK_DAYS
    manage_results_lifecycle: bool = False
    athena_results_expiration_days: PositiveInt = 30
    # Canary: scheduled self-tests of the three handlers.
    canary_enabled: bool = True
    canary_schedule: Annotated[str, AfterValidator(_rate_schedule)] = "rate(1 day)"
    canary_alerts: SelfTestAlerts = SelfTestAlerts.PUBLISH
    # Existing alert topics: empty creates the route's topic (`<prefix>-alerts-<route>`).
    critical_topic_arn: str = ""
    warning_topic_arn: str = ""
    critical_topic_kms_key_arn: str = ""
    warning_topic_kms_key_arn: str = ""
    manage_existing_topic_policy: bool = False

    @field_validator("state_machine_arn")
    @classmethod
    def _state_machine_in_region(cls, value: str, info: ValidationInfo) -> str:
        match = STATE_MACHINE_ARN.match(value)
        if match is None:
            raise ValueError(
                "must be a state machine ARN arn:aws:states:<region>:<account>:stateMachine:<name>"
            )
        _require_same_region(match["region"], info)
        return value

    @field_validator("powertools_layer_arn")
    @classmethod
    def _layer_in_region(cls, value: str, info: ValidationInfo) -> str:
        match = POWERTOOLS_LAYER_ARN.match(value)
        if match is None:
            raise ValueError(
                "must be the Powertools layer ARN arn:aws:lambda:<region>:017000801446:layer:"
                "AWSLambdaPowertoolsPythonV3-python312-x86_64:<version>"
            )
        _require_same_region(match["region"], info)
        return value

    @field_validator("dbt_runner_function_name")
    @classmethod
    def _function_name(cls, value: str) -> str:
        if not _FUNCTION_NAME.match(value):
            raise ValueError("must be a Lambda function name (1-64 letters, digits, '-', '_')")
        return value

    @field_validator("athena_bytes_scanned_cutoff")
    @classmethod
    def _cutoff(cls, value: int) -> int:
        if value < ATHENA_MIN_CUTOFF_BYTES:
            raise ValueError(
                f"must be at least {ATHENA_MIN_CUTOFF_BYTES} bytes (10 MB, Athena's minimum)"
            )
        return value

    @field_validator("athena_results_kms_key_arn")
    @classmethod
    def _results_key_in_region(cls, value: str, info: ValidationInfo) -> str:
        if not value:
            return value
        match = _KMS_KEY_ARN.match(value)
        if match is None:
            raise ValueError("must be empty (SSE_S3) or a KMS key ARN arn:aws:kms:<region>:...")
        _require_same_region(match["region"], info)
        return value

    @field_validator("critical_topic_arn", "warning_topic_arn")
    @classmethod
    def _existing_topic(cls, value: str, info: ValidationInfo) -> str:
        if not value:
            return value
        match = _SNS_TOPIC_ARN.match(value)
        if match is None:
            if _FIFO_TOPIC_ARN.match(value):
                raise ValueError(
                    "names a FIFO topic (.fifo): CloudWatch alarms cannot notify FIFO topics; "
                    "use a standard topic"
                )
            raise ValueError(
                "must be empty (the stack creates the topic) or a standard SNS topic ARN "
                "arn:aws:sns:<region>:<account>:<name> (name: 1-256 letters, digits, '-', '_')"
            )
        _require_same_region(match["region"], info)
        pipeline = STATE_MACHINE_ARN.match(info.data.get("state_machine_arn", ""))
        if pipeline is not None and match["partition"] != pipeline["partition"]:
            raise ValueError(
                f"is in partition {match['partition']}, the pipeline in {pipeline['partition']}"
            )
        if pipeline is not None and match["account"] != pipeline["account"]:
            raise ValueError(
                f"is in account {match['account']}: alert topics must be in the pipeline's account "
                f"{pipeline['account']}, where the alarms and the error handler publish"
            )
        route = _route_of(info)
        subscriptions = [
            config_key(f"{route}Alert{kind}")
            for kind in ("Emails", "Webhooks")
            if info.data.get(f"{route}_alert_{kind.lower()}")
        ]
        if subscriptions:
            raise ValueError(
                f"{' and '.join(subscriptions)} subscribe only a topic this stack creates: "
                "subscribe those endpoints to the existing topic and remove them here"
            )
        return value

    @field_validator("critical_topic_kms_key_arn", "warning_topic_kms_key_arn")
    @classmethod
    def _existing_topic_key(cls, value: str, info: ValidationInfo) -> str:
        if not value:
            return value
        match = _KMS_KEY_ARN.match(value)
        if match is None:
            raise ValueError(
                "must be empty or the ARN of the topic's KMS key arn:aws:kms:<region>:<account>:"
                "key/<id> (not an alias: the error handler's IAM grant names the key)"
            )
        _require_same_region(match["region"], info)
        route = _route_of(info)
        topic = info.data.get(f"{route}_topic_arn")
        if topic == "":
            raise ValueError(
                f"applies only with {config_key(f'{route}TopicArn')}: the topics this stack "
                "creates use its own key"
            )
        same_topic = route is AlertRoute.WARNING and topic == info.data.get("critical_topic_arn")
        critical_key = info.data.get("critical_topic_kms_key_arn")
        if same_topic and critical_key and critical_key != value:
            raise ValueError("differs from criticalTopicKmsKeyArn, but both routes name one topic")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value not in _LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(_LOG_LEVELS)}")
        return value

    # ---- derived values -------------------------------------------------------------------

    @property
    def _arn_parts(self) -> re.Match[str]:
        match = STATE_MACHINE_ARN.match(self.state_machine_arn)
        assert match is not None  # validated above
        return match

    @property
    def partition(self) -> str:
        return self._arn_parts["partition"]

    @property
    def account_id(self) -> str:
        """The pipeline's account; alarms read its metrics, so the stack deploys there too."""
        return self._arn_parts["account"]

    @property
    def state_machine_name(self) -> str:
        return self._arn_parts["name"]

    @property
    def prefix(self) -> str:
        return contract.resource_prefix(self.environment)

    @property
    def creates_athena_workgroup(self) -> bool:
        """True unless `athenaWorkgroup` names an existing workgroup."""
        return not self.athena_workgroup

    @property
    def canary_interval_seconds(self) -> int:
        return schedule_interval_seconds(self.canary_schedule)

    def alert_emails(self, route: AlertRoute) -> tuple[SecretStr, ...]:
        return tuple(getattr(self, f"{route.value}_alert_emails"))

    def alert_webhooks(self, route: AlertRoute) -> tuple[SecretStr, ...]:
        return tuple(getattr(self, f"{route.value}_alert_webhooks"))

    def existing_topic(self, route: AlertRoute) -> ExistingTopic | None:
        """The topic `route` uses instead of creating one, or None. When both routes name one
        topic, a key set on either is that topic's key."""
        arn = getattr(self, f"{route.value}_topic_arn")
        if not arn:
            return None
        keys = [
            getattr(self, f"{other.value}_topic_kms_key_arn")
            for other in (route, *AlertRoute)
            if getattr(self, f"{other.value}_topic_arn") == arn
        ]
        return ExistingTopic(arn, next(filter(None, keys), ""), self.manage_existing_topic_policy)

    def table(self, configured: str) -> TableName:
        database, _, table = configured.rpartition(".")
        return TableName(database or self.athena_database, table)

    @property
    def tables(self) -> tuple[TableName, ...]:
        return (self.table(self.raw_table), self.table(self.scd_table))

    @property
    def dedup_window_seconds(self) -> int:
        return self.dedup_window_minutes * 60


def _route_of(info: ValidationInfo) -> AlertRoute:
    """The route of a per-route field (`critical_topic_arn` -> critical)."""
    assert info.field_name is not None
    return AlertRoute(info.field_name.split("_", 1)[0])


def _require_same_region(arn_region: str, info: ValidationInfo) -> None:
    region = info.data.get("region")
    if region is not None and arn_region != region:
        raise ValueError(f"is in region {arn_region} but the stack deploys to {region}")


class SettingsError(ValueError):
    """Bad stack configuration; the message names every offending config key."""


def config_key(field_alias: str) -> str:
    """The full config key of a settings field, as `pulumi config set` spells it."""
    return REGION_KEY if field_alias == "region" else f"{PROJECT}:{field_alias}"


def field_aliases() -> dict[str, str]:
    """Field name -> alias (config key without the project prefix)."""
    return {name: field.alias or name for name, field in Settings.model_fields.items()}


def _annotation_origin(field_name: str) -> Any:
    annotation = Settings.model_fields[field_name].annotation
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return get_origin(annotation) or annotation


def _holds_secret(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    return any(_holds_secret(arg) for arg in get_args(annotation))


@functools.cache
def secret_aliases() -> frozenset[str]:
    """Config keys whose values are secrets (any `SecretStr` in the field's type): no message
    ever shows their values."""
    return frozenset(
        alias
        for name, alias in field_aliases().items()
        if _holds_secret(Settings.model_fields[name].annotation)
    )


def is_list_field(field_name: str) -> bool:
    return _annotation_origin(field_name) in (tuple, frozenset, list)


def is_object_field(field_name: str) -> bool:
    """A nested object in Pulumi config (a handler's own config)."""
    origin = _annotation_origin(field_name)
    return isinstance(origin, type) and issubclass(origin, BaseModel)


def deprecated_keys() -> dict[str, tuple[str, str]]:
    """Flat key -> (object, field) that replaced it: `pipelineValidatorMemoryMb` ->
    (`pipelineValidator`, `memoryMb`), for each handler's sizing."""
    sizing = [field.alias or name for name, field in HandlerConfig.model_fields.items()]
    return {
        f"{handler}{part[0].upper()}{part[1:]}": (handler, part)
        for name, handler in field_aliases().items()
        if is_object_field(name)
        for part in sizing
    }


def config_path(field_alias: str, *parts: str | int) -> str:
    """A key or a path inside it as `pulumi config set --path` spells it (`a.b`, `a[0]`)."""
    inside = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)
    return config_key(field_alias) + inside


SECRET_SHOWN: Final = "<secret>"


def _shown(alias: str, value: Any) -> Any:
    """What a message may show of a config value: never a secret's."""
    return SECRET_SHOWN if isinstance(value, SecretStr) or alias in secret_aliases() else value


def _decoded(name: str, alias: str, text: str) -> Any:
    """A config value as the model takes it: lists and objects arrive as JSON text."""
    kind = list if is_list_field(name) else dict if is_object_field(name) else None
    if kind is None:
        return text
    shape = "a JSON list" if kind is list else "a JSON object"
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(f"must be {shape}, got {_shown(alias, text)}") from None
    if not isinstance(value, kind):
        raise ValueError(f"must be {shape}, got {_shown(alias, text)}")
    return value


def _move_deprecated(
    raw: Mapping[str, str], values: dict[str, Any], problems: list[str]
) -> dict[str, str]:
    """Fold each deprecated flat key into its handler's object (with a warning naming the new
    key); setting both is an error naming both. Returns new path -> the old key it came from."""
    moved = {}
    for old, (handler, part) in deprecated_keys().items():
        if old not in raw or not isinstance(values.setdefault(handler, {}), dict):
            continue
        new = config_path(handler, part)
        if part in values[handler]:
            problems.append(f"{config_key(old)} and {new}: both set; keep only {new}")
            continue
        values[handler][part] = raw[old]
        moved[new] = config_key(old)
        pulumi.log.warn(f"{config_key(old)} is deprecated: set {new} instead")
    return moved


def parse_settings(raw: Mapping[str, str]) -> Settings:
    """Build Settings from config values as Pulumi hands them over (strings; lists and objects
    as JSON).

    `raw` is keyed by config key without the project prefix (`region` for `aws:region`);
    absent keys take defaults.
    """
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, alias in field_aliases().items():
        if alias in raw:
            try:
                values[alias] = _decoded(name, alias, raw[alias])
            except ValueError as error:
                problems.append(f"{config_key(alias)}: {error}")
    moved = _move_deprecated(raw, values, problems)
    try:
        settings = Settings.model_validate(values)
    except ValidationError as error:
        for line in _describe(error):
            key, _, rest = line.partition(": ")
            problems.append(f"{moved[key]} (now {key}): {rest}" if key in moved else line)
    if problems:
        raise SettingsError("invalid stack configuration:\n  " + "\n  ".join(problems))
    return settings


def _describe(error: ValidationError) -> list[str]:
    lines = []
    for problem in error.errors():
        alias, *inside = problem["loc"] or ("?",)
        key = config_path(str(alias), *inside)
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "missing":
            lines.append(f"{key}: is required (pulumi config set {alias} ...)")
            continue
        lines.append(f"{key}: {message}, got {_shown(str(alias), problem.get('input'))}")
    return lines


def load_settings() -> Settings:
    """Read the current stack's config through `pulumi.Config` and validate it.

    Alert emails and webhooks are read as plain values here because their number decides how
    many subscriptions exist and they must be validated before anything is registered; they stay
    `SecretStr` in the model and AlertTopics passes them on as Pulumi secrets, so they are
    encrypted in state and masked in output.
    """
    project = pulumi.Config(PROJECT)
    keys = [*(alias for alias in field_aliases().values() if alias != "region"), *deprecated_keys()]
    raw = {key: project.get(key) for key in keys}
    raw["region"] = pulumi.Config("aws").get("region")
    return parse_settings({key: value for key, value in raw.items() if value is not None})
