"""Typed stack settings: one pydantic model, loaded from Pulumi config and validated up front.

Every field's alias is its camelCase config key (`sf-user-monitoring:<alias>`), except `region`,
which is `aws:region`. Defaults for thresholds come from `handlers.contract.DEFAULT_THRESHOLDS`.
`load_settings()` runs before any resource is registered, so bad config stops the program with a
message naming the key, e.g. `sf-user-monitoring:dataQualityThreshold: must be between 0 and 100,
got -5`.
"""

from __future__ import annotations

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
from handlers.contract import DEFAULT_THRESHOLDS, AlertRoute, Environment, HandlerKey
from handlers.validation import identifiers

PROJECT: Final = contract.PROJECT_NAME
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
class LambdaSizing:
    memory_mb: int
    timeout_seconds: int


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


def _non_negative(value: float) -> float:
    if value < 0:
        raise ValueError("must not be negative")
    return value


def _retention(value: int) -> int:
    if value not in contract.LOG_RETENTION_DAYS_ALLOWED:
        allowed = ", ".join(str(days) for days in sorted(contract.LOG_RETENTION_DAYS_ALLOWED))
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


def _email(value: SecretStr) -> SecretStr:
    if not _EMAIL.match(value.get_secret_value()):
        raise ValueError("is not a valid email address")
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


_IDENTIFIER_RULE: Final = (
    "letters, digits and underscores only, not starting with a digit"
    " (no quotes, semicolons, spaces or comment markers)"
)


def _table(value: str) -> str:
    # The validator's own identifier rule (it quotes these into SQL), then Glue's naming.
    try:
        identifiers.table("table", value)
    except identifiers.InvalidIdentifierError:
        raise ValueError(f"must be `table` or `database.table`: {_IDENTIFIER_RULE}") from None
    parts = value.split(".")
    if not all(_GLUE_NAME.match(part) for part in parts):
        raise ValueError("must be `table` or `database.table` in Glue catalog naming")
    return value


def _column(value: str) -> str:
    try:
        identifiers.column("column", value)
    except identifiers.InvalidIdentifierError:
        raise ValueError(f"must be a column name: {_IDENTIFIER_RULE}") from None
    return value


Percent = Annotated[float, AfterValidator(_percent)]
PositiveInt = Annotated[int, AfterValidator(_positive)]
Email = Annotated[SecretStr, AfterValidator(_email)]
Webhook = Annotated[SecretStr, AfterValidator(_webhook)]
MemoryMb = Annotated[int, AfterValidator(_lambda_memory)]
TimeoutSeconds = Annotated[int, AfterValidator(_lambda_timeout)]
NonEmpty = Annotated[str, Field(min_length=1)]


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
    athena_workgroup: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,128}$")] = "primary"
    athena_results_bucket: Annotated[str, AfterValidator(_bucket)]
    raw_table: Annotated[str, AfterValidator(_table)] = "salesforce_raw.sf_user"
    scd_table: Annotated[str, AfterValidator(_table)] = "salesforce_curated.dim_sf_user_scd"
    data_locations: Annotated[
        tuple[Annotated[str, AfterValidator(_s3_uri)], ...], Field(min_length=1)
    ]
    lake_formation_governed: bool = False
    required_fields: tuple[Annotated[str, AfterValidator(_column)], ...] = ()
    dbt_artifacts_s3_uri: Annotated[str, AfterValidator(_s3_uri)]
    # Lambdas.
    powertools_layer_arn: str
    log_level: str = "INFO"
    metrics_publisher_memory_mb: MemoryMb = 256
    metrics_publisher_timeout_seconds: TimeoutSeconds = 60
    error_handler_memory_mb: MemoryMb = 256
    error_handler_timeout_seconds: TimeoutSeconds = 60
    pipeline_validator_memory_mb: MemoryMb = 512
    pipeline_validator_timeout_seconds: TimeoutSeconds = 300
    # Thresholds (defaults from the contract).
    data_quality_threshold: Percent = DEFAULT_THRESHOLDS.data_quality_percent
    scd_integrity_threshold: Percent = DEFAULT_THRESHOLDS.scd_integrity_percent
    min_record_count: PositiveInt = DEFAULT_THRESHOLDS.min_record_count
    pipeline_timeout_ms: PositiveInt = DEFAULT_THRESHOLDS.pipeline_timeout_ms
    freshness_hours: Annotated[float, AfterValidator(_non_negative)] = (
        DEFAULT_THRESHOLDS.freshness_hours
    )
    log_retention_days: Annotated[int, AfterValidator(_retention)] = (
        DEFAULT_THRESHOLDS.log_retention_days
    )
    # Alerting.
    runbook_base_url: Annotated[str, Field(pattern=r"^https://\S+[^/]$")]
    critical_alert_emails: tuple[Email, ...] = ()
    warning_alert_emails: tuple[Email, ...] = ()
    critical_alert_webhooks: tuple[Webhook, ...] = ()
    warning_alert_webhooks: tuple[Webhook, ...] = ()
    create_log_groups: frozenset[LogGroupKind] = frozenset({LogGroupKind.LAMBDAS})

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
    def dashboard_name(self) -> str:
        return self.prefix

    @property
    def thresholds(self) -> contract.Thresholds:
        return contract.Thresholds(
            pipeline_timeout_ms=self.pipeline_timeout_ms,
            data_quality_percent=self.data_quality_threshold,
            scd_integrity_percent=self.scd_integrity_threshold,
            min_record_count=self.min_record_count,
            freshness_hours=self.freshness_hours,
            log_retention_days=self.log_retention_days,
        )

    def sizing(self, handler: HandlerKey) -> LambdaSizing:
        field = to_snake(handler.value)
        return LambdaSizing(
            memory_mb=getattr(self, f"{field}_memory_mb"),
            timeout_seconds=getattr(self, f"{field}_timeout_seconds"),
        )

    def alert_emails(self, route: AlertRoute) -> tuple[SecretStr, ...]:
        return tuple(getattr(self, f"{route.value}_alert_emails"))

    def alert_webhooks(self, route: AlertRoute) -> tuple[SecretStr, ...]:
        return tuple(getattr(self, f"{route.value}_alert_webhooks"))

    def table(self, configured: str) -> TableName:
        database, _, table = configured.rpartition(".")
        return TableName(database or self.athena_database, table)

    @property
    def tables(self) -> tuple[TableName, ...]:
        return (self.table(self.raw_table), self.table(self.scd_table))


def to_snake(kebab: str) -> str:
    return kebab.replace("-", "_")


def _require_same_region(arn_region: str, info: ValidationInfo) -> None:
    region = info.data.get("region")
    if region is not None and arn_region != region:
        raise ValueError(f"is in region {arn_region} but the stack deploys to {region}")


SECRET_ALIASES: Final = frozenset(
    {"criticalAlertEmails", "warningAlertEmails", "criticalAlertWebhooks", "warningAlertWebhooks"}
)


class SettingsError(ValueError):
    """Bad stack configuration; the message names every offending config key."""


def config_key(field_alias: str) -> str:
    """The full config key of a settings field, as `pulumi config set` spells it."""
    return REGION_KEY if field_alias == "region" else f"{PROJECT}:{field_alias}"


def field_aliases() -> dict[str, str]:
    """Field name -> alias (config key without the project prefix)."""
    return {name: field.alias or name for name, field in Settings.model_fields.items()}


def is_list_field(field_name: str) -> bool:
    annotation = Settings.model_fields[field_name].annotation
    origin = get_origin(annotation)
    if origin is Annotated:
        origin = get_origin(get_args(annotation)[0])
    return origin in (tuple, frozenset, list)


def parse_settings(raw: Mapping[str, str]) -> Settings:
    """Build Settings from config values as Pulumi hands them over (strings; lists as JSON).

    `raw` is keyed by field alias (`region` for `aws:region`); absent keys take defaults.
    """
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, alias in field_aliases().items():
        if alias not in raw:
            continue
        value: Any = raw[alias]
        if is_list_field(name):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                problems.append(f"{config_key(alias)}: must be a JSON list, got {value}")
                continue
            if not isinstance(value, list):
                problems.append(f"{config_key(alias)}: must be a list, got {value}")
                continue
        values[alias] = value
    try:
        settings = Settings.model_validate(values)
    except ValidationError as error:
        problems.extend(_describe(error))
    if problems:
        raise SettingsError("invalid stack configuration:\n  " + "\n  ".join(problems))
    return settings


def _describe(error: ValidationError) -> list[str]:
    lines = []
    for problem in error.errors():
        alias = str(problem["loc"][0]) if problem["loc"] else "?"
        key = config_key(alias) + "".join(f"[{part}]" for part in problem["loc"][1:])
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "missing":
            lines.append(f"{key}: is required (pulumi config set {alias} ...)")
            continue
        shown = problem.get("input")
        if isinstance(shown, SecretStr) or alias in SECRET_ALIASES:
            shown = "<secret>"
        lines.append(f"{key}: {message}, got {shown}")
    return lines


def load_settings() -> Settings:
    """Read the current stack's config through `pulumi.Config` and validate it.

    Alert emails and webhooks are read as plain values here because their number decides how
    many subscriptions exist and they must be validated before anything is registered; they stay
    `SecretStr` in the model and AlertTopics passes them on as Pulumi secrets, so they are
    encrypted in state and masked in output.
    """
    project = pulumi.Config(PROJECT)
    raw = {alias: project.get(alias) for alias in field_aliases().values() if alias != "region"}
    raw["region"] = pulumi.Config("aws").get("region")
    return parse_settings({key: value for key, value in raw.items() if value is not None})
