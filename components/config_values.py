"""What a valid stack config value is: its key, the rules a value must meet (pydantic
validators with messages that name the limit, never the secret) and the small value types the
settings are built from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Final

from pydantic import (
    AfterValidator,
    Field,
    SecretStr,
)

from components.cloudwatch_limits import MAX_EVALUATION_SECONDS, ONE_DAY, ONE_HOUR
from handlers.contract import LAMBDA_MAX_TIMEOUT_SECONDS
from handlers.validation import identifiers

PROJECT: Final = "sf-user-monitoring"  # the Pulumi project: its config namespace
REGION_KEY: Final = "aws:region"

PARTITION = r"aws(?:-cn|-us-gov)?"
REGION = r"[a-z]{2}(?:-[a-z]+)+-\d"
STATE_MACHINE_ARN = re.compile(
    rf"^arn:(?P<partition>{PARTITION}):states:(?P<region>{REGION}):(?P<account>\d{{12}})"
    r":stateMachine:(?P<name>[A-Za-z0-9_-]{1,80})$"
)
POWERTOOLS_LAYER_ARN = re.compile(
    rf"^arn:{PARTITION}:lambda:(?P<region>{REGION}):017000801446"
    r":layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:(?P<version>[1-9]\d*)$"
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_S3_URI = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(?P<prefix>.*))?$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_GLUE_NAME = re.compile(r"^[a-z0-9_]{1,255}$")
_FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_ALARM_ARN = re.compile(rf"^arn:{PARTITION}:cloudwatch:{REGION}:\d{{12}}:alarm:.{{1,255}}$")
# MissedRun evaluates one-hour periods, over at most CloudWatch's evaluation range.
MAX_MISSED_RUN_HOURS: Final = MAX_EVALUATION_SECONDS // ONE_HOUR
# The heartbeat alarm's window, in canary intervals (one late run is fine); it too must fit.
HEARTBEAT_INTERVALS: Final = 2
MAX_CANARY_INTERVAL_SECONDS: Final = MAX_EVALUATION_SECONDS // HEARTBEAT_INTERVALS
# The retention values CloudWatch Logs accepts (PutRetentionPolicy retentionInDays).
LOG_RETENTION_DAYS_ALLOWED: Final = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
     2922, 3288, 3653}
)  # fmt: skip
CREATE_SUPPRESSOR: Final = "create"
DEFAULT_ANOMALY_BAND_WIDTH: Final = 2.0


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
    if not 1 <= value <= LAMBDA_MAX_TIMEOUT_SECONDS:
        raise ValueError(f"must be between 1 and {LAMBDA_MAX_TIMEOUT_SECONDS} (seconds)")
    return value


def _missed_run_hours(value: int) -> int:
    if not 1 <= value <= MAX_MISSED_RUN_HOURS:
        raise ValueError(
            f"must be between 1 and {MAX_MISSED_RUN_HOURS} (hours; CloudWatch evaluates an alarm "
            f"over at most {MAX_EVALUATION_SECONDS // ONE_DAY} days)"
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


def _function_name(value: str) -> str:
    if not _FUNCTION_NAME.match(value):
        raise ValueError("must be a Lambda function name (1-64 letters, digits, '-', '_')")
    return value


def _log_level(value: str) -> str:
    if value not in _LOG_LEVELS:
        raise ValueError(f"must be one of {', '.join(_LOG_LEVELS)}")
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
_SECONDS_PER_UNIT: Final = {"minute": 60, "hour": ONE_HOUR, "day": ONE_DAY}
TEN_GIB: Final = 10 * 1024**3
ATHENA_MIN_CUTOFF_BYTES: Final = 10 * 1024**2  # Athena's minimum BytesScannedCutoffPerQuery
KMS_KEY_ARN = re.compile(rf"^arn:{PARTITION}:kms:(?P<region>{REGION}):\d{{12}}:key/[A-Za-z0-9-]+$")
# A standard topic (SNS: 1-256 letters, digits, '-', '_'); FIFO topics end in `.fifo`.
SNS_TOPIC_ARN = re.compile(
    rf"^arn:(?P<partition>{PARTITION}):sns:(?P<region>{REGION}):(?P<account>\d{{12}})"
    r":(?P<name>[A-Za-z0-9_-]{1,256})$"
)
FIFO_TOPIC_ARN = re.compile(r"^arn:[^:]+:sns:[^:]+:\d{12}:[A-Za-z0-9_-]{1,251}\.fifo$")


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
            f"must run at least every {MAX_CANARY_INTERVAL_SECONDS / ONE_DAY:g} days: the heartbeat"
            f" alarm evaluates {HEARTBEAT_INTERVALS} schedule intervals and CloudWatch evaluates at"
            f" most {MAX_EVALUATION_SECONDS // ONE_DAY} days"
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

GlueName = Annotated[str, AfterValidator(_glue_name)]
BucketName = Annotated[str, AfterValidator(_bucket)]
TableRef = Annotated[str, AfterValidator(_table)]
S3Uri = Annotated[str, AfterValidator(_s3_uri)]
ColumnName = Annotated[str, AfterValidator(_column)]
FunctionName = Annotated[str, AfterValidator(_function_name)]
LogLevel = Annotated[str, AfterValidator(_log_level)]
LogRetentionDays = Annotated[int, AfterValidator(_retention)]
MissedRunHours = Annotated[int, AfterValidator(_missed_run_hours)]
BandWidth = Annotated[float, AfterValidator(_band_width)]
SuppressorAlarm = Annotated[str, AfterValidator(_suppressor_alarm)]
ResultsPrefix = Annotated[str, AfterValidator(_results_prefix)]
RateSchedule = Annotated[str, AfterValidator(_rate_schedule)]


def config_key(field_alias: str) -> str:
    """The full config key of a settings field, as `pulumi config set` spells it."""
    return REGION_KEY if field_alias == "region" else f"{PROJECT}:{field_alias}"


def config_path(field_alias: str, *parts: str | int) -> str:
    """A key or a path inside it as `pulumi config set --path` spells it (`a.b`, `a[0]`)."""
    inside = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)
    return config_key(field_alias) + inside
