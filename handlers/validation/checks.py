"""Checks: turning the one aggregate row a validation query returns into named verdicts.

Table-level checks (job status, record count, freshness) pass or fail on their own. Row- or
user-level rules each report their violations as `observed` against the number the score
threshold tolerates, and their combined effect is the score check.
"""

from __future__ import annotations

import math
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


def _hours(since: datetime, now: datetime) -> float:
    """Hours from `since` (naive: UTC) to `now`."""
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return (now - since).total_seconds() / 3600.0


@dataclass(frozen=True)
class ExtractAge:
    """How old the latest extract is. Without one since `window_start` (the ingestion lookback),
    `hours` is a lower bound: the time since the window start, rounded up, so that the
    DataFreshness metric still exceeds any threshold the lookback covers and the alarm fires."""

    hours: float
    latest: datetime | None
    window_start: datetime

    @classmethod
    def of(cls, latest: datetime | None, now: datetime, window_start: datetime) -> ExtractAge:
        if latest is None:
            at_least = math.ceil(_hours(window_start, now) * 100) / 100
            return cls(at_least, None, window_start)
        return cls(round(_hours(latest, now), 2), latest, window_start)


def freshness(age: ExtractAge, window_hours: float) -> Check:
    if age.latest is None:
        return Check(
            CheckName.DATA_FRESHNESS,
            False,
            age.hours,
            window_hours,
            f"no extract since {age.window_start:%Y-%m-%d %H:%M} UTC (the ingestion lookback):"
            f" the latest is more than {age.hours} h old",
        )
    latest, age_hours = age.latest, age.hours
    passed = age_hours <= window_hours
    return Check(
        CheckName.DATA_FRESHNESS,
        passed,
        age_hours,
        window_hours,
        f"latest extract at {latest} is {age_hours} h old"
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
