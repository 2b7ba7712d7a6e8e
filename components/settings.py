"""Typed stack settings: one pydantic model of everything the stack needs, validated up front.

Every field's alias is its camelCase config key (`sf-user-monitoring:<alias>`), except `region`,
which is `aws:region`. Each default is defined once: here, or in `handlers.contract` for the
thresholds the handlers read too (`DEFAULT_THRESHOLDS`); `Pulumi.yaml` and docs/configuration.md are
generated from them (`python -m components.config_reference`). `config_loading.load_settings()` runs
before any resource is registered, so bad config stops the program with a message naming the key
(the rules for single values are in `config_values`), e.g. `sf-user-monitoring:dataQualityThreshold:
must be between 0 and 100, got -5`. What a handler itself requires of a value is its settings
model's rule, applied to the environment the stack builds (`handler_table.configured_handlers`, also
before any resource). Each handler's own config is a nested object (`HandlerConfig`); the flat keys
it replaced still work, with a deprecation warning.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
)
from pydantic.alias_generators import to_camel

from components.config_values import (
    ATHENA_MIN_CUTOFF_BYTES,
    DEFAULT_ANOMALY_BAND_WIDTH,
    FIFO_TOPIC_ARN,
    KMS_KEY_ARN,
    POWERTOOLS_LAYER_ARN,
    REGION,
    SNS_TOPIC_ARN,
    STATE_MACHINE_ARN,
    TEN_GIB,
    BandWidth,
    BucketName,
    ColumnName,
    Email,
    ExistingTopic,
    FunctionName,
    GlueName,
    LogGroupKind,
    LogLevel,
    LogRetentionDays,
    MemoryMb,
    MissedRunHours,
    NonEmpty,
    Percent,
    PositiveInt,
    RateSchedule,
    ReservedConcurrency,
    ResultsPrefix,
    S3Uri,
    SuppressorAlarm,
    TableName,
    TableRef,
    TimeoutSeconds,
    Webhook,
    config_key,
    schedule_interval_seconds,
)
from handlers import contract
from handlers.contract import (
    DEFAULT_DEDUP_WINDOW_MINUTES,
    DEFAULT_THRESHOLDS,
    AlertRoute,
    Environment,
    SelfTestAlerts,
)
from handlers.validation.settings import ColumnLayout


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
    region: Annotated[str, Field(alias="region", pattern=rf"^{REGION}$")]
    environment: Environment
    state_machine_arn: str
    glue_job_name: Annotated[str, Field(min_length=1, max_length=255)]
    glue_log_group: NonEmpty = "/aws-glue/jobs/logs-v2"
    dbt_runner_function_name: FunctionName
    # Data the validator reads through Athena.
    athena_database: GlueName = "salesforce_raw"
    # Empty: the stack creates `<prefix>-validator` with the cost guards below; a name: use that
    # existing workgroup as it is.
    athena_workgroup: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{0,128}$")] = ""
    athena_results_bucket: BucketName
    raw_table: TableRef = contract.DEFAULT_RAW_TABLE
    scd_table: TableRef = contract.DEFAULT_SCD_TABLE
    data_locations: Annotated[tuple[S3Uri, ...], Field(min_length=1)]
    lake_formation_governed: bool = False
    required_fields: tuple[ColumnName, ...] = ()
    scd_column_layout: ColumnLayout = ColumnLayout.SEED
    dbt_artifacts_s3_uri: S3Uri
    # Lambdas.
    powertools_layer_arn: str
    log_level: LogLevel = "INFO"
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
    log_retention_days: LogRetentionDays = 30
    # Alerting.
    runbook_base_url: Annotated[str, Field(pattern=r"^https://\S+[^/]$")]
    critical_alert_emails: tuple[Email, ...] = ()
    warning_alert_emails: tuple[Email, ...] = ()
    critical_alert_webhooks: tuple[Webhook, ...] = ()
    warning_alert_webhooks: tuple[Webhook, ...] = ()
    create_log_groups: frozenset[LogGroupKind] = frozenset({LogGroupKind.LAMBDAS})
    # Missed runs, anomaly bands, de-duplication, maintenance.
    missed_run_hours: MissedRunHours = 26
    anomaly_band_width: BandWidth = DEFAULT_ANOMALY_BAND_WIDTH
    dedup_window_minutes: PositiveInt = DEFAULT_DEDUP_WINDOW_MINUTES
    maintenance_suppressor_alarm: SuppressorAlarm = ""
    maintenance_wait_period_seconds: PositiveInt = 120
    maintenance_extension_period_seconds: PositiveInt = 600
    # Cost guards: the validator's workgroup, result reuse, clean-up.
    athena_results_prefix: ResultsPrefix = contract.DEFAULT_ATHENA_RESULTS_PREFIX
    athena_results_kms_key_arn: str = ""
    athena_bytes_scanned_cutoff: int = TEN_GIB
    # Bounds and the lookback-covers-freshness rule: the validator's settings model.
    athena_result_reuse_minutes: int = 60
    ingestion_lookback_days: int = contract.DEFAULT_INGESTION_LOOKBACK_DAYS
    manage_results_lifecycle: bool = False
    athena_results_expiration_days: PositiveInt = 30
    # Canary: scheduled self-tests of the three handlers.
    canary_enabled: bool = True
    canary_schedule: RateSchedule = "rate(1 day)"
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
        match = KMS_KEY_ARN.match(value)
        if match is None:
            raise ValueError("must be empty (SSE_S3) or a KMS key ARN arn:aws:kms:<region>:...")
        _require_same_region(match["region"], info)
        return value

    @field_validator("critical_topic_arn", "warning_topic_arn")
    @classmethod
    def _existing_topic(cls, value: str, info: ValidationInfo) -> str:
        if not value:
            return value
        match = SNS_TOPIC_ARN.match(value)
        if match is None:
            if FIFO_TOPIC_ARN.match(value):
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
        match = KMS_KEY_ARN.match(value)
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
