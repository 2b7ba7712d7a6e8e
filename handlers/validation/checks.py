"""Checks: turning the one aggregate row a validation query returns into named verdicts.

Table-level checks (job status, record count, freshness) pass or fail on their own. Row- or
user-level rules each report their violations as `observed` against the number the score
threshold tolerates, and their combined effect is the score check.

The circuit breakers of the ingestion validation stop an extract dbt would turn into damaged
history: the expected columns exist, the extract did not shrink, and it does not leave out
current users of the dimension. A check that needs a missing column is `skipped`: it did not
run, so it does not pass either (`passed` is false; readers that predate `skipped` see a
failure, never a pass), and the `expected_columns` failure says why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from handlers.contract import BreakerCheck
from handlers.events import GlueJobRun
from handlers.validation.schema import ExpectedColumn, Source
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
    EXPECTED_COLUMNS = BreakerCheck.EXPECTED_COLUMNS.value
    EXTRACT_VOLUME_DROP = BreakerCheck.EXTRACT_VOLUME_DROP.value
    MASS_DELETION = BreakerCheck.MASS_DELETION.value


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    observed: Observed
    threshold: Observed
    message: str
    skipped: bool = False

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


def rule_check(
    row: Mapping[str, Any], rule: Rule, population: int, threshold_percent: float
) -> Check:
    """A rule's violations (the result column named after it) vs the score's tolerance."""
    tolerated = tolerated_violations(population, threshold_percent)
    violations = int(row[rule.name])
    return Check(
        rule.name,
        violations <= tolerated,
        violations,
        tolerated,
        f"{violations} {rule.description} (of {population}; {tolerated} tolerated)",
    )


def rule_checks(
    row: Mapping[str, Any], rules: Sequence[Rule], population: int, threshold_percent: float
) -> list[Check]:
    """One check per rule."""
    return [rule_check(row, rule, population, threshold_percent) for rule in rules]


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


def _named(columns: Sequence[ExpectedColumn], tables: Mapping[Source, str]) -> str:
    """`email (required field) in salesforce_raw.sf_user; ...`, grouped by table."""
    by_table: dict[str, list[str]] = {}
    for column in columns:
        by_table.setdefault(tables[column.source], []).append(f"{column.name} ({column.purpose})")
    return "; ".join(f"{', '.join(names)} in {table}" for table, names in by_table.items())


def expected_columns(
    expected: Sequence[ExpectedColumn],
    missing: Sequence[ExpectedColumn],
    tables: Mapping[Source, str],
    skipped_checks: Sequence[str],
    dimension_exists: bool,
) -> Check:
    """Every column the checks need exists; `tables` names each source's table. A dimension
    that does not exist yet has no columns to check."""
    if missing:
        message = f"missing: {_named(missing, tables)}"
        if skipped_checks:
            message += f"; skipped the checks that need them: {', '.join(skipped_checks)}"
    elif dimension_exists:
        message = f"all {len(expected)} columns the checks need exist"
    else:
        checked = [column for column in expected if column.source is Source.RAW]
        message = (
            f"all {len(checked)} columns the checks need in {tables[Source.RAW]} exist"
            f" ({tables[Source.DIMENSION]} does not exist yet)"
        )
    return Check(CheckName.EXPECTED_COLUMNS, not missing, len(missing), 0, message)


def skipped(
    name: str, threshold: Observed, missing: Sequence[ExpectedColumn], tables: Mapping[Source, str]
) -> Check:
    """A check that could not run: a column it needs is missing."""
    message = f"skipped: needs {_named(missing, tables)}"
    return Check(name, False, None, threshold, message, skipped=True)


_NO_LATEST_EXTRACT = "no extract in the lookback window (see data_freshness)"


def _nothing_to_compare(name: str, threshold: float, reason: str) -> Check:
    """A circuit breaker with nothing to compare passes: `reason` says why."""
    return Check(name, True, None, threshold, f"{reason}: nothing to compare")


def volume_drop(
    latest: int,
    latest_at: datetime | None,
    previous: int,
    previous_at: datetime | None,
    max_drop_percent: float,
) -> Check:
    """The latest extract lost at most `max_drop_percent` of the previous extract's rows.

    `observed` is the drop in percent (negative when the extract grew).
    """
    name = CheckName.EXTRACT_VOLUME_DROP
    if latest_at is None:
        return _nothing_to_compare(name, max_drop_percent, _NO_LATEST_EXTRACT)
    if previous_at is None or previous <= 0:
        return _nothing_to_compare(name, max_drop_percent, "no previous extract (a first one)")
    drop = round(100.0 * (previous - latest) / previous, 2)
    passed = drop <= max_drop_percent
    trend = f"{drop:g} % fewer" if drop >= 0 else f"{-drop:g} % more"
    return Check(
        name,
        passed,
        drop,
        max_drop_percent,
        f"latest extract has {latest} rows, the previous one ({previous_at}) {previous}:"
        f" {trend} ({'within' if passed else 'beyond'} the {max_drop_percent:g} % allowed drop)",
    )


def mass_deletion(
    missing_users: int,
    current_users: int,
    max_percent: float,
    dimension: str,
    *,
    latest_at: datetime | None,
    dimension_exists: bool,
) -> Check:
    """At most `max_percent` of the dimension's current users are missing from the latest
    extract: the users dbt would mark deleted."""
    name = CheckName.MASS_DELETION
    if latest_at is None:
        return _nothing_to_compare(name, max_percent, _NO_LATEST_EXTRACT)
    if not dimension_exists:
        reason = f"the dimension {dimension} does not exist yet"
        return _nothing_to_compare(name, max_percent, reason)
    if current_users == 0:
        return _nothing_to_compare(name, max_percent, f"{dimension} has no current users")
    share = round(100.0 * missing_users / current_users, 2)
    passed = share <= max_percent
    return Check(
        name,
        passed,
        share,
        max_percent,
        f"{missing_users} of {current_users} current users of {dimension} ({share:g} %) are"
        f" missing from the latest extract{'' if passed else ': dbt would mark them deleted'}"
        f" ({'within' if passed else 'above'} the {max_percent:g} % allowed)",
    )
