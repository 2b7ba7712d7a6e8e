"""Running one validation: its aggregate query on the engine, the aggregate row turned into checks.

The ingestion validation first asks the engine which of the columns its checks need exist
(`schema`), then runs its query over the columns that do; a check that needs a missing one is
reported as skipped.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Final

from handlers.contract import BREAKER_CHECKS, ValidationType
from handlers.events import GlueJobRun
from handlers.validation import checks, drift, schema, sql
from handlers.validation.checks import Check, CheckName, Observed
from handlers.validation.engines.base import QueryEngine, QueryResult, QueryStats, Row
from handlers.validation.errors import QueryEngineError
from handlers.validation.schema import Schema, Source
from handlers.validation.scoring import share_percent
from handlers.validation.settings import ValidatorSettings

COLUMNS_QUERY: Final = "ingestion_columns"


@dataclass(frozen=True)
class RecordCounts:
    """The latest load: rows extracted, dimension versions opened and closed, users deleted.

    The metrics publisher's `records` input (docs/architecture.md §3).
    """

    processed: int
    created: int
    updated: int
    deleted: int

    @classmethod
    def from_row(cls, row: Row) -> RecordCounts:
        return cls(
            processed=int(row[sql.RecordCount.PROCESSED]),
            created=int(row[sql.RecordCount.CREATED]),
            updated=int(row[sql.RecordCount.UPDATED]),
            deleted=int(row[sql.RecordCount.DELETED]),
        )

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class ValidationReport:
    validation_type: ValidationType
    checks: tuple[Check, ...]
    queries: tuple[QueryStats, ...]
    data_quality_score: float | None = None
    scd_integrity_score: float | None = None
    data_freshness_hours: float | None = None
    records: RecordCounts | None = None
    extract_volume_change: float | None = None
    predicted_deletion_share: float | None = None
    missing_columns: int | None = None

    @property
    def passed(self) -> bool:
        """Every check passes; the score checks carry the thresholds."""
        return all(check.passed for check in self.checks)

    @property
    def failed_checks(self) -> list[str]:
        return [check.name for check in self.checks if not check.passed and not check.skipped]

    @property
    def breaker_tripped(self) -> bool:
        """A circuit breaker failed: the reference state machine's own failure branch."""
        return not BREAKER_CHECKS.isdisjoint(self.failed_checks)

    @property
    def skipped_checks(self) -> list[str]:
        return [check.name for check in self.checks if check.skipped]

    @property
    def bytes_scanned(self) -> int | None:
        scanned = [q.bytes_scanned for q in self.queries if q.bytes_scanned is not None]
        return sum(scanned) if scanned else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "validation_type": self.validation_type.value,
            "passed": self.passed,
            "breaker_tripped": self.breaker_tripped,
            "data_quality_score": self.data_quality_score,
            "scd_integrity_score": self.scd_integrity_score,
            "data_freshness_hours": self.data_freshness_hours,
            "checks": [check.as_dict() for check in self.checks],
            "queries": [query.as_dict() for query in self.queries],
            "bytes_scanned": self.bytes_scanned,
            "records": None if self.records is None else self.records.as_dict(),
            "extract_volume_change": self.extract_volume_change,
            "predicted_deletion_share": self.predicted_deletion_share,
            "missing_columns": self.missing_columns,
        }


def _single_row(result: QueryResult) -> Row:
    if len(result.rows) != 1:
        raise QueryEngineError(
            f"query {result.stats.name} returned {len(result.rows)} rows, expected 1 aggregate row"
        )
    return result.rows[0]


def _tag(job_run: GlueJobRun | None) -> str | None:
    """The queries name the Glue run they validate: Athena reuses a result only for a retry."""
    return None if job_run is None else sql.run_tag(job_run.id)


def _read_schema(
    settings: ValidatorSettings, engine: QueryEngine, tag: str | None
) -> tuple[Schema, QueryStats]:
    # The aggregate query follows in the same invocation: this wait leaves it its time.
    result = engine.run(COLUMNS_QUERY, schema.columns_query(settings, tag), queries_after=1)
    found = Schema.from_rows(result.rows)
    found.require_raw_table(settings)
    return found, result.stats


Planned = tuple[str, Observed, Callable[[], Check]]  # name, threshold, the check when it runs


def _planned_checks(
    settings: ValidatorSettings, row: Row, now: datetime, dimension_exists: bool
) -> list[Planned]:
    """Every ingestion check that reads the tables, in report order, from the query's row."""
    column = sql.IngestionColumn
    total, latest_at = int(row[column.TOTAL_ROWS]), row[column.LATEST_AT]
    window_start = sql.extraction_window_start(now, settings.ingestion_lookback_days)
    age = checks.ExtractAge.of(latest_at, now, window_start)
    score = share_percent(int(row[column.PASSING_ROWS]), total)
    quality = settings.data_quality_threshold
    return [
        (
            CheckName.MIN_RECORD_COUNT,
            settings.min_record_count,
            lambda: checks.record_count(total, settings.min_record_count),
        ),
        (
            CheckName.DATA_FRESHNESS,
            settings.freshness_hours,
            lambda: checks.freshness(age, settings.freshness_hours),
        ),
        (
            CheckName.EXTRACT_VOLUME_DROP,
            settings.max_volume_drop_percent,
            lambda: checks.volume_drop(
                total,
                latest_at,
                int(row[column.PREVIOUS_ROWS]),
                row[column.PREVIOUS_AT],
                settings.max_volume_drop_percent,
            ),
        ),
        (
            CheckName.MASS_DELETION,
            settings.max_deletion_percent,
            lambda: checks.mass_deletion(
                int(row[column.MISSING_CURRENT_USERS]),
                int(row[column.CURRENT_USERS]),
                settings.max_deletion_percent,
                settings.scd_table,
                latest_at=latest_at,
                dimension_exists=dimension_exists,
            ),
        ),
        *(
            (rule.name, None, functools.partial(checks.rule_check, row, rule, total, quality))
            for rule in sql.INGESTION_RULES
        ),
        (
            CheckName.DATA_QUALITY_SCORE,
            quality,
            lambda: checks.score(CheckName.DATA_QUALITY_SCORE, score, quality, "extract rows"),
        ),
    ]


def validate_ingestion(
    settings: ValidatorSettings,
    engine: QueryEngine,
    now: datetime,
    job_run: GlueJobRun | None = None,
) -> ValidationReport:
    """The expected columns, job status (when a JobRun is given), record count, freshness, the
    circuit breakers (volume drop, mass deletion) and the row-level rules."""
    tag = _tag(job_run)
    found, schema_stats = _read_schema(settings, engine, tag)
    expected = schema.expected_columns(settings)
    missing = found.missing(expected)
    skipped = drift.skipped_checks(settings, missing)
    dimension_exists = found.exists(Source.DIMENSION)
    read_dimension = dimension_exists and CheckName.MASS_DELETION not in skipped
    query = sql.ingestion_query(settings, now, found, read_dimension=read_dimension, tag=tag)
    result = engine.run(ValidationType.INGESTION.value, query)
    row = _single_row(result)
    tables = {source: schema.table_name(settings, source) for source in Source}
    found_checks = [
        checks.expected_columns(expected, missing, tables, list(skipped), dimension_exists),
        *([checks.job_status(job_run)] if job_run is not None else []),
        *(
            checks.skipped(name, threshold, skipped[name], tables) if name in skipped else check()
            for name, threshold, check in _planned_checks(settings, row, now, dimension_exists)
        ),
    ]
    quality, freshness, drop, share = (
        _observed(found_checks, name)
        for name in (
            CheckName.DATA_QUALITY_SCORE,
            CheckName.DATA_FRESHNESS,
            CheckName.EXTRACT_VOLUME_DROP,
            CheckName.MASS_DELETION,
        )
    )
    return ValidationReport(
        ValidationType.INGESTION,
        tuple(found_checks),
        (schema_stats, result.stats),
        data_quality_score=quality,
        data_freshness_hours=freshness,
        extract_volume_change=None if drop is None else 0.0 - drop,  # never -0.0
        predicted_deletion_share=share,
        missing_columns=len(missing),
    )


def _observed(found: list[Check], name: str) -> float | None:
    """A check's observed number; None when it had nothing to compare or was skipped."""
    (check,) = [check for check in found if check.name == name]
    return None if check.observed is None else float(check.observed)


def validate_scd(
    settings: ValidatorSettings, engine: QueryEngine, job_run: GlueJobRun | None = None
) -> ValidationReport:
    """Every SCD rule and the latest load's record counts from one pass over the SCD table."""
    query = sql.scd_query(settings, _tag(job_run))
    result = engine.run(ValidationType.SCD_INTEGRITY.value, query)
    row = _single_row(result)
    users = int(row["users"])
    score = share_percent(int(row["passing_users"]), users)
    found = [
        *checks.rule_checks(row, sql.scd_rules(settings), users, settings.scd_integrity_threshold),
        checks.score(
            CheckName.SCD_INTEGRITY_SCORE, score, settings.scd_integrity_threshold, "users"
        ),
    ]
    return ValidationReport(
        ValidationType.SCD_INTEGRITY,
        tuple(found),
        (result.stats,),
        scd_integrity_score=score,
        records=RecordCounts.from_row(row),
    )


def validate(
    validation_type: ValidationType,
    settings: ValidatorSettings,
    engine: QueryEngine,
    now: datetime,
    job_run: GlueJobRun | None = None,
) -> ValidationReport:
    if validation_type is ValidationType.INGESTION:
        return validate_ingestion(settings, engine, now, job_run)
    return validate_scd(settings, engine, job_run)
