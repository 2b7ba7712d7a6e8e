"""Checks: turning the one aggregate row a validation query returns into named verdicts.

Table-level checks (job status, record count, freshness) pass or fail on their own. Row- or
user-level rules each report their violations as `observed` against the number the score
threshold tolerates, and their combined effect is the score check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from handlers.events import GlueJobRun
from handlers.validation.scoring import tolerated_violations
from handlers.validation.sql import Rule

SUCCEEDED = "SUCCEEDED"

Observed = int | float | str | None


class CheckName(StrEnum):
    """Checks that are not a row- or user-level rule (those are named by `sql.Rule`)."""

    GLUE_JOB_STATUS = "glue_job_status"
    MIN_RECORD_COUNT = "min_record_count"
    DATA_FRESHNESS = "data_freshness"
    DATA_QUALITY_SCORE = "data_quality_score"
    SCD_INTEGRITY_SCORE = "scd_integrity_score"


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    observed: Observed
    threshold: Observed
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "name": str(self.name)}


def job_status(job_run: GlueJobRun) -> Check:
    state = job_run.job_run_state
    passed = state == SUCCEEDED
    detail = "" if passed or not job_run.error_message else f": {job_run.error_message}"
    return Check(
        CheckName.GLUE_JOB_STATUS,
        passed,
        state,
        SUCCEEDED,
        f"Glue job {job_run.job_name} run {job_run.id} is {state}{detail}",
    )


def record_count(total_rows: int, minimum: int) -> Check:
    passed = total_rows >= minimum
    return Check(
        CheckName.MIN_RECORD_COUNT,
        passed,
        total_rows,
        minimum,
        f"latest extract has {total_rows} rows ({'at least' if passed else 'fewer than'}"
        f" {minimum} required)",
    )


def age_hours(latest: datetime | None, now: datetime) -> float | None:
    """Hours between the latest extract and `now`; naive timestamps are UTC."""
    if latest is None:
        return None
    if latest.tzinfo is None:
        latest = latest.replace(tzinfo=UTC)
    return round((now - latest).total_seconds() / 3600.0, 2)


def freshness(latest: datetime | None, now: datetime, window_hours: float) -> Check:
    age = age_hours(latest, now)
    if age is None:
        return Check(
            CheckName.DATA_FRESHNESS, False, None, window_hours, "no extract found in the raw table"
        )
    passed = age <= window_hours
    return Check(
        CheckName.DATA_FRESHNESS,
        passed,
        age,
        window_hours,
        f"latest extract at {latest} is {age} h old"
        f" ({'within' if passed else 'outside'} the {window_hours} h window)",
    )


def rule_checks(
    row: Mapping[str, Any], rules: Sequence[Rule], population: int, threshold_percent: float
) -> list[Check]:
    """One check per rule: violations (a result column named after the rule) vs tolerance."""
    tolerated = tolerated_violations(population, threshold_percent)
    checks = []
    for rule in rules:
        violations = int(row[rule.name])
        checks.append(
            Check(
                rule.name,
                violations <= tolerated,
                violations,
                tolerated,
                f"{violations} {rule.description} (of {population}; {tolerated} tolerated)",
            )
        )
    return checks


def score(name: CheckName, value: float, threshold_percent: float, population: str) -> Check:
    passed = value >= threshold_percent
    return Check(
        name,
        passed,
        value,
        threshold_percent,
        f"{value} % of {population} pass every rule"
        f" ({'at or above' if passed else 'below'} {threshold_percent} %)",
    )
