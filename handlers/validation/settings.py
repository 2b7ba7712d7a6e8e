"""The pipeline validator's settings: one pydantic model over its environment variables.

Every setting but ENVIRONMENT (required, as the publisher's: a validator that guessed it would
publish into another environment's metrics) has a default that follows the seed's names, so an
environment naming only its ENVIRONMENT validates the seed; a dbt snapshot needs only the column
settings changed (`LAYOUT_COLUMNS`): its valid_from, valid_to and is_deleted columns are named
differently and it has no is_current column (`COLUMN_IS_CURRENT=` empty), so "current" is derived
from an open valid_to.

Empty values: an empty variable counts as unset (the default applies), except the column names: an
empty `COLUMN_IS_CURRENT` means "no such column", any other empty column name is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Final, Self

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from handlers.contract import (
    ATHENA_MAX_RESULT_REUSE_MINUTES,
    DEFAULT_ATHENA_RESULTS_PREFIX,
    DEFAULT_INGESTION_LOOKBACK_DAYS,
    DEFAULT_RAW_TABLE,
    DEFAULT_SCD_TABLE,
    DEFAULT_THRESHOLDS,
    DEFAULT_VOLUME_HISTORY_DAYS,
    Environment,
    EnvVar,
    lookback_covers_freshness,
)
from handlers.settings import HandlerSettings
from handlers.validation import identifiers

DEFAULT_ATHENA_WORKGROUP: Final = "primary"
DEFAULT_IS_CURRENT_COLUMN: Final = "is_current"


class QueryEngineName(StrEnum):
    ATHENA = "athena"
    DUCKDB = "duckdb"


@dataclass(frozen=True)
class Columns:
    """Column names, shared by the raw table and the SCD table where they overlap.

    `is_current` may be None: "current" then means `valid_to IS NULL`.
    """

    user_id: str = "user_id"
    valid_from: str = "valid_from"
    valid_to: str = "valid_to"
    is_current: str | None = DEFAULT_IS_CURRENT_COLUMN
    is_deleted: str = "is_deleted"
    division: str = "division"
    audit_phase: str = "audit_phase__c"
    extracted_at: str = "_extracted_at"

    def configured(self) -> dict[str, str]:
        """Field name -> column name, for every column that is set."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value for name, value in values.items() if value is not None}

    def quoted(self, name: str) -> str:
        value = getattr(self, name)
        assert value is not None, f"column {name} is not configured"
        return identifiers.column(f"column {name}", value)


class ColumnLayout(StrEnum):
    """Named column layouts of the SCD table; the stack config chooses one (`scdColumnLayout`)."""

    SEED = "seed"
    DBT_SNAPSHOT = "dbt-snapshot"


# The column settings (`ValidatorSettings` fields) each layout changes from the seed's names.
# dbt snapshot metadata columns (hard_deletes='new_record'); snapshots have no is_current.
LAYOUT_COLUMNS: Final[dict[ColumnLayout, dict[str, str]]] = {
    ColumnLayout.SEED: {},
    ColumnLayout.DBT_SNAPSHOT: {
        "column_valid_from": "dbt_valid_from",
        "column_valid_to": "dbt_valid_to",
        "column_is_deleted": "dbt_is_deleted",
        "column_is_current": "",
    },
}


def _column(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    if not identifiers.is_column(value):
        raise ValueError(identifiers.problem(value, "column name"))
    return value


def _optional_column(value: str) -> str:
    return _column(value) if value else value


def _table(value: str) -> str:
    if not identifiers.is_table(value):
        raise ValueError(identifiers.problem(value, "table name"))
    return value


def _names(value: Any) -> Any:
    """`a, b,` -> ("a", "b"): REQUIRED_FIELDS is a comma-separated list."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def _engine(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _key_prefix(value: Any) -> Any:
    """`validator/` and `/validator` name the same prefix as `validator`."""
    return value.strip().strip("/") if isinstance(value, str) else value


Column = Annotated[str, AfterValidator(_column)]
OptionalColumn = Annotated[str, AfterValidator(_optional_column)]
Table = Annotated[str, AfterValidator(_table)]
Percent = Annotated[float, Field(ge=0, le=100)]


class ValidatorSettings(HandlerSettings):
    """Everything the validator reads from its environment; aliases are `EnvVar` names."""

    # Per query: StartQueryExecution, the last GetQueryExecution (the poll deadline bounds the
    # ones before it) and GetQueryResults (one page: one aggregate row, or a table's columns).
    CALLS_PER_QUERY: ClassVar[int] = 3
    MAX_QUERIES: ClassVar[int] = 2  # the ingestion validation: the columns lookup, the aggregate
    # Every query's calls, then PutMetricData; at a deadline StopQueryExecution replaces the rest.
    AWS_CALLS: ClassVar[int] = MAX_QUERIES * CALLS_PER_QUERY + 1
    # What the last query's poll deadline keeps room for: the poll in flight, GetQueryResults and
    # PutMetricData (or StopQueryExecution). An earlier query's keeps each later query's calls too.
    CALLS_AFTER_POLL_DEADLINE: ClassVar[int] = 3
    KEEP_EMPTY: ClassVar[frozenset[str]] = frozenset(
        {
            EnvVar.COLUMN_USER_ID,
            EnvVar.COLUMN_VALID_FROM,
            EnvVar.COLUMN_VALID_TO,
            EnvVar.COLUMN_IS_CURRENT,
            EnvVar.COLUMN_IS_DELETED,
            EnvVar.COLUMN_DIVISION,
            EnvVar.COLUMN_AUDIT_PHASE,
            EnvVar.COLUMN_EXTRACTED_AT,
        }
    )

    engine: Annotated[QueryEngineName, BeforeValidator(_engine)] = Field(
        default=QueryEngineName.ATHENA, alias=EnvVar.QUERY_ENGINE
    )
    environment: Environment = Field(alias=EnvVar.ENVIRONMENT)
    duckdb_path: str | None = Field(default=None, alias=EnvVar.DUCKDB_PATH)
    athena_database: str | None = Field(default=None, alias=EnvVar.ATHENA_DATABASE)
    athena_workgroup: str = Field(default=DEFAULT_ATHENA_WORKGROUP, alias=EnvVar.ATHENA_WORKGROUP)
    s3_results_bucket: str | None = Field(default=None, alias=EnvVar.S3_RESULTS_BUCKET)
    athena_results_prefix: Annotated[str, BeforeValidator(_key_prefix)] = Field(
        default=DEFAULT_ATHENA_RESULTS_PREFIX, min_length=1, alias=EnvVar.ATHENA_RESULTS_PREFIX
    )
    raw_table: Table = Field(default=DEFAULT_RAW_TABLE, alias=EnvVar.RAW_TABLE)
    scd_table: Table = Field(default=DEFAULT_SCD_TABLE, alias=EnvVar.SCD_TABLE)
    column_user_id: Column = Field(default=Columns.user_id, alias=EnvVar.COLUMN_USER_ID)
    column_valid_from: Column = Field(default=Columns.valid_from, alias=EnvVar.COLUMN_VALID_FROM)
    column_valid_to: Column = Field(default=Columns.valid_to, alias=EnvVar.COLUMN_VALID_TO)
    # Empty: the table has no is_current column.
    column_is_current: OptionalColumn = Field(
        default=DEFAULT_IS_CURRENT_COLUMN, alias=EnvVar.COLUMN_IS_CURRENT
    )
    column_is_deleted: Column = Field(default=Columns.is_deleted, alias=EnvVar.COLUMN_IS_DELETED)
    column_division: Column = Field(default=Columns.division, alias=EnvVar.COLUMN_DIVISION)
    column_audit_phase: Column = Field(default=Columns.audit_phase, alias=EnvVar.COLUMN_AUDIT_PHASE)
    column_extracted_at: Column = Field(
        default=Columns.extracted_at, alias=EnvVar.COLUMN_EXTRACTED_AT
    )
    # Empty means the user id and the two tracked attributes.
    required_fields: Annotated[tuple[Column, ...], BeforeValidator(_names)] = Field(
        default=(), alias=EnvVar.REQUIRED_FIELDS
    )
    freshness_hours: float = Field(
        default=DEFAULT_THRESHOLDS.freshness_hours, gt=0, alias=EnvVar.FRESHNESS_HOURS
    )
    min_record_count: int = Field(
        default=DEFAULT_THRESHOLDS.min_record_count, ge=0, alias=EnvVar.MIN_RECORD_COUNT
    )
    data_quality_threshold: Percent = Field(
        default=DEFAULT_THRESHOLDS.data_quality_percent, alias=EnvVar.DATA_QUALITY_THRESHOLD
    )
    scd_integrity_threshold: Percent = Field(
        default=DEFAULT_THRESHOLDS.scd_integrity_percent, alias=EnvVar.SCD_INTEGRITY_THRESHOLD
    )
    # Ingestion reads only extracts newer than this many days (partition pruning).
    ingestion_lookback_days: int = Field(
        default=DEFAULT_INGESTION_LOOKBACK_DAYS, alias=EnvVar.INGESTION_LOOKBACK_DAYS
    )
    # The previous extract (for the volume comparison) is looked for this many days back.
    volume_history_days: int = Field(
        default=DEFAULT_VOLUME_HISTORY_DAYS, ge=1, alias=EnvVar.VOLUME_HISTORY_DAYS
    )
    max_volume_drop_percent: Percent = Field(
        default=DEFAULT_THRESHOLDS.max_volume_drop_percent, alias=EnvVar.MAX_VOLUME_DROP_PERCENT
    )
    max_deletion_percent: Percent = Field(
        default=DEFAULT_THRESHOLDS.max_deletion_percent, alias=EnvVar.MAX_DELETION_PERCENT
    )
    # 0 turns Athena query result reuse off.
    athena_result_reuse_minutes: int = Field(
        default=0,
        ge=0,
        le=ATHENA_MAX_RESULT_REUSE_MINUTES,
        alias=EnvVar.ATHENA_RESULT_REUSE_MINUTES,
    )

    @model_validator(mode="after")
    def _duckdb_needs_a_path(self) -> Self:
        if self.engine is QueryEngineName.DUCKDB and not self.duckdb_path:
            duckdb = f"{EnvVar.QUERY_ENGINE}={QueryEngineName.DUCKDB}"
            raise ValueError(f"{EnvVar.DUCKDB_PATH} is required when {duckdb}")
        return self

    @model_validator(mode="after")
    def _lookback_covers_freshness(self) -> Self:
        # A shorter window would hide an extract that is still fresh enough.
        if not lookback_covers_freshness(self.ingestion_lookback_days, self.freshness_hours):
            raise ValueError(
                f"{EnvVar.INGESTION_LOOKBACK_DAYS}={self.ingestion_lookback_days} days must cover"
                f" {EnvVar.FRESHNESS_HOURS}={self.freshness_hours:g} hours"
            )
        return self

    @model_validator(mode="after")
    def _history_covers_lookback(self) -> Self:
        # The latest extract is looked for in the lookback window, the previous one before it.
        if self.volume_history_days < self.ingestion_lookback_days:
            raise ValueError(
                f"{EnvVar.VOLUME_HISTORY_DAYS}={self.volume_history_days} days must cover"
                f" {EnvVar.INGESTION_LOOKBACK_DAYS}={self.ingestion_lookback_days} days"
            )
        return self

    @property
    def athena_results_location(self) -> str | None:
        """Where Athena writes results (unless the workgroup enforces its own); None without a
        results bucket (the workgroup must then set one)."""
        if not self.s3_results_bucket:
            return None
        return f"s3://{self.s3_results_bucket}/{self.athena_results_prefix}/"

    @property
    def columns(self) -> Columns:
        return Columns(
            user_id=self.column_user_id,
            valid_from=self.column_valid_from,
            valid_to=self.column_valid_to,
            is_current=self.column_is_current or None,
            is_deleted=self.column_is_deleted,
            division=self.column_division,
            audit_phase=self.column_audit_phase,
            extracted_at=self.column_extracted_at,
        )

    @property
    def effective_required_fields(self) -> tuple[str, ...]:
        if self.required_fields:
            return self.required_fields
        return (self.column_user_id, self.column_division, self.column_audit_phase)
