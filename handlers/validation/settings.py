"""Validator settings from environment variables (names from `contract.EnvVar`).

Every setting has a default that follows the seed's names, so a bare environment validates the
seed; a dbt snapshot needs only the column settings changed (`COLUMN_VALID_FROM=dbt_valid_from`,
`COLUMN_VALID_TO=dbt_valid_to`, `COLUMN_IS_DELETED=dbt_is_deleted`, `COLUMN_IS_CURRENT=` empty, as
snapshots have no such column: "current" is then derived from an open valid_to).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Final, TypeVar

from handlers.contract import (
    ATHENA_MAX_RESULT_REUSE_MINUTES,
    DEFAULT_INGESTION_LOOKBACK_DAYS,
    DEFAULT_RAW_TABLE,
    DEFAULT_SCD_TABLE,
    DEFAULT_THRESHOLDS,
    Environment,
    EnvVar,
    lookback_covers_freshness,
)
from handlers.validation import identifiers
from handlers.validation.errors import ConfigurationError

DEFAULT_ATHENA_WORKGROUP: Final = "primary"

_N = TypeVar("_N", int, float)


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
    is_current: str | None = "is_current"
    is_deleted: str = "is_deleted"
    division: str = "division"
    audit_phase: str = "audit_phase__c"
    extracted_at: str = "_extracted_at"

    def __post_init__(self) -> None:
        for name, value in self.configured().items():
            identifiers.column(COLUMN_SETTINGS[name], value)

    def configured(self) -> dict[str, str]:
        """Field name -> column name, for every column that is set."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value for name, value in values.items() if value is not None}

    def quoted(self, name: str) -> str:
        value = getattr(self, name)
        assert value is not None, f"column {name} is not configured"
        return identifiers.column(COLUMN_SETTINGS[name], value)


class ColumnLayout(StrEnum):
    """Named column layouts of the SCD table; the stack config chooses one (`scdColumnLayout`)."""

    SEED = "seed"
    DBT_SNAPSHOT = "dbt-snapshot"


# Column settings each layout overrides (the seed's names are the defaults). dbt snapshot
# metadata columns (hard_deletes='new_record'); snapshots have no is_current.
LAYOUT_COLUMNS: Final[dict[ColumnLayout, dict[str, str]]] = {
    ColumnLayout.SEED: {},
    ColumnLayout.DBT_SNAPSHOT: {
        EnvVar.COLUMN_VALID_FROM: "dbt_valid_from",
        EnvVar.COLUMN_VALID_TO: "dbt_valid_to",
        EnvVar.COLUMN_IS_DELETED: "dbt_is_deleted",
        EnvVar.COLUMN_IS_CURRENT: "",
    },
}

COLUMN_SETTINGS: Final = {
    "user_id": EnvVar.COLUMN_USER_ID,
    "valid_from": EnvVar.COLUMN_VALID_FROM,
    "valid_to": EnvVar.COLUMN_VALID_TO,
    "is_current": EnvVar.COLUMN_IS_CURRENT,
    "is_deleted": EnvVar.COLUMN_IS_DELETED,
    "division": EnvVar.COLUMN_DIVISION,
    "audit_phase": EnvVar.COLUMN_AUDIT_PHASE,
    "extracted_at": EnvVar.COLUMN_EXTRACTED_AT,
}


@dataclass(frozen=True)
class Settings:
    engine: QueryEngineName = QueryEngineName.ATHENA
    environment: str = Environment.DEV.value
    duckdb_path: str | None = None
    athena_database: str | None = None
    athena_workgroup: str = DEFAULT_ATHENA_WORKGROUP
    s3_results_bucket: str | None = None
    raw_table: str = DEFAULT_RAW_TABLE
    scd_table: str = DEFAULT_SCD_TABLE
    columns: Columns = field(default_factory=Columns)
    # Empty means the user id and the two tracked attributes.
    required_fields: tuple[str, ...] = ()
    freshness_hours: float = DEFAULT_THRESHOLDS.freshness_hours
    min_record_count: int = DEFAULT_THRESHOLDS.min_record_count
    data_quality_threshold: float = DEFAULT_THRESHOLDS.data_quality_percent
    scd_integrity_threshold: float = DEFAULT_THRESHOLDS.scd_integrity_percent
    # Ingestion reads only extracts newer than this many days (partition pruning).
    ingestion_lookback_days: int = DEFAULT_INGESTION_LOOKBACK_DAYS
    # 0 turns Athena query result reuse off.
    athena_result_reuse_minutes: int = 0

    def __post_init__(self) -> None:
        identifiers.table(EnvVar.RAW_TABLE, self.raw_table)
        identifiers.table(EnvVar.SCD_TABLE, self.scd_table)
        for name in self.required_fields:
            identifiers.column(EnvVar.REQUIRED_FIELDS, name)
        if self.engine is QueryEngineName.DUCKDB and not self.duckdb_path:
            raise ConfigurationError(f"{EnvVar.DUCKDB_PATH} is required when QUERY_ENGINE=duckdb")
        for setting, percent in (
            (EnvVar.DATA_QUALITY_THRESHOLD, self.data_quality_threshold),
            (EnvVar.SCD_INTEGRITY_THRESHOLD, self.scd_integrity_threshold),
        ):
            if not 0 <= percent <= 100:
                raise ConfigurationError(f"{setting}={percent} must be a percentage (0-100)")
        if self.freshness_hours <= 0:
            raise ConfigurationError(f"{EnvVar.FRESHNESS_HOURS} must be positive")
        if self.min_record_count < 0:
            raise ConfigurationError(f"{EnvVar.MIN_RECORD_COUNT} must not be negative")
        if not lookback_covers_freshness(self.ingestion_lookback_days, self.freshness_hours):
            # A shorter window would hide an extract that is still fresh enough.
            raise ConfigurationError(
                f"{EnvVar.INGESTION_LOOKBACK_DAYS}={self.ingestion_lookback_days} days must cover"
                f" {EnvVar.FRESHNESS_HOURS}={self.freshness_hours} hours"
            )
        if not 0 <= self.athena_result_reuse_minutes <= ATHENA_MAX_RESULT_REUSE_MINUTES:
            raise ConfigurationError(
                f"{EnvVar.ATHENA_RESULT_REUSE_MINUTES}={self.athena_result_reuse_minutes} must be"
                f" between 0 and {ATHENA_MAX_RESULT_REUSE_MINUTES}"
            )

    @property
    def effective_required_fields(self) -> tuple[str, ...]:
        if self.required_fields:
            return self.required_fields
        return (self.columns.user_id, self.columns.division, self.columns.audit_phase)


def _number(environ: Mapping[str, str], name: EnvVar, kind: type[_N], default: _N) -> _N:
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        return kind(text)
    except ValueError:
        raise ConfigurationError(f"{name}={text!r} is not a valid {kind.__name__}") from None


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Settings from an environment mapping; ConfigurationError names the offending variable."""
    engine_text = environ.get(EnvVar.QUERY_ENGINE, "").strip().lower() or QueryEngineName.ATHENA
    try:
        engine = QueryEngineName(engine_text)
    except ValueError:
        choices = ", ".join(QueryEngineName)
        raise ConfigurationError(
            f"{EnvVar.QUERY_ENGINE}={engine_text!r} is not one of: {choices}"
        ) from None
    defaults = Columns()
    column_values: dict[str, str | None] = {}
    for name, setting in COLUMN_SETTINGS.items():
        value = environ.get(setting)
        if value is None:
            column_values[name] = getattr(defaults, name)
        elif value.strip() or name == "is_current":
            column_values[name] = value.strip() or None
        else:
            raise ConfigurationError(f"{setting} must not be empty")
    required = tuple(
        part.strip() for part in environ.get(EnvVar.REQUIRED_FIELDS, "").split(",") if part.strip()
    )
    return Settings(
        engine=engine,
        environment=environ.get(EnvVar.ENVIRONMENT) or Environment.DEV.value,
        duckdb_path=environ.get(EnvVar.DUCKDB_PATH) or None,
        athena_database=environ.get(EnvVar.ATHENA_DATABASE) or None,
        athena_workgroup=environ.get(EnvVar.ATHENA_WORKGROUP) or DEFAULT_ATHENA_WORKGROUP,
        s3_results_bucket=environ.get(EnvVar.S3_RESULTS_BUCKET) or None,
        raw_table=environ.get(EnvVar.RAW_TABLE) or DEFAULT_RAW_TABLE,
        scd_table=environ.get(EnvVar.SCD_TABLE) or DEFAULT_SCD_TABLE,
        columns=Columns(**column_values),  # type: ignore[arg-type]
        required_fields=required,
        freshness_hours=_number(
            environ, EnvVar.FRESHNESS_HOURS, float, DEFAULT_THRESHOLDS.freshness_hours
        ),
        min_record_count=_number(
            environ, EnvVar.MIN_RECORD_COUNT, int, DEFAULT_THRESHOLDS.min_record_count
        ),
        data_quality_threshold=_number(
            environ, EnvVar.DATA_QUALITY_THRESHOLD, float, DEFAULT_THRESHOLDS.data_quality_percent
        ),
        scd_integrity_threshold=_number(
            environ, EnvVar.SCD_INTEGRITY_THRESHOLD, float, DEFAULT_THRESHOLDS.scd_integrity_percent
        ),
        ingestion_lookback_days=_number(
            environ, EnvVar.INGESTION_LOOKBACK_DAYS, int, DEFAULT_INGESTION_LOOKBACK_DAYS
        ),
        athena_result_reuse_minutes=_number(environ, EnvVar.ATHENA_RESULT_REUSE_MINUTES, int, 0),
    )
