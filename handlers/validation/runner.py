"""Running one validation: one query on the engine, its aggregate row turned into checks."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from handlers.contract import ValidationType
from handlers.events import GlueJobRun
from handlers.validation import checks, sql
from handlers.validation.checks import Check, CheckName
from handlers.validation.engines.base import QueryEngine, QueryResult, QueryStats, Row
from handlers.validation.errors import QueryEngineError
from handlers.validation.scoring import share_percent
from handlers.validation.settings import ValidatorSettings


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

    @property
    def passed(self) -> bool:
        """Every check passes; the score checks carry the thresholds."""
        return all(check.passed for check in self.checks)

    @property
    def failed_checks(self) -> list[str]:
        return [check.name for check in self.checks if not check.passed]

    @property
    def bytes_scanned(self) -> int | None:
        scanned = [q.bytes_scanned for q in self.queries if q.bytes_scanned is not None]
        return sum(scanned) if scanned else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "validation_type": self.validation_type.value,
            "passed": self.passed,
            "data_quality_score": self.data_quality_score,
            "scd_integrity_score": self.scd_integrity_score,
            "data_freshness_hours": self.data_freshness_hours,
            "checks": [check.as_dict() for check in self.checks],
            "queries": [query.as_dict() for query in self.queries],
            "bytes_scanned": self.bytes_scanned,
            "records": None if self.records is None else self.records.as_dict(),
        }


def _single_row(result: QueryResult) -> Row:
    if len(result.rows) != 1:
        raise QueryEngineError(
            f"query {result.stats.name} returned {len(result.rows)} rows, expected 1 aggregate row"
        )
    return result.rows[0]


def validate_ingestion(
    settings: ValidatorSettings,
    engine: QueryEngine,
    now: datetime,
    job_run: GlueJobRun | None = None,
) -> ValidationReport:
    """Job status (when a JobRun is given), record count, freshness and the row-level rules."""
    result = engine.run(ValidationType.INGESTION.value, sql.ingestion_query(settings, now))
    row = _single_row(result)
    total = int(row["total_rows"])
    score = share_percent(int(row["passing_rows"]), total)
    found = [
        *([checks.job_status(job_run)] if job_run is not None else []),
        checks.record_count(total, settings.min_record_count),
        checks.freshness(row["latest_extracted_at"], now, settings.freshness_hours),
        *checks.rule_checks(row, sql.ingestion_rules(), total, settings.data_quality_threshold),
        checks.score(
            CheckName.DATA_QUALITY_SCORE, score, settings.data_quality_threshold, "extract rows"
        ),
    ]
    return ValidationReport(
        ValidationType.INGESTION,
        tuple(found),
        (result.stats,),
        data_quality_score=score,
        data_freshness_hours=checks.age_hours(row["latest_extracted_at"], now),
    )


def validate_scd(settings: ValidatorSettings, engine: QueryEngine) -> ValidationReport:
    """Every SCD rule and the latest load's record counts from one pass over the SCD table."""
    result = engine.run(ValidationType.SCD_INTEGRITY.value, sql.scd_query(settings))
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
    return validate_scd(settings, engine)
