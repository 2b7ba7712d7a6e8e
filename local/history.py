"""A fortnight of the pipeline's daily runs before today's: the history the dashboard preview
and the alarm timeline show.

Thirteen days come before today's, twelve runs and the missed day (CloudWatch accepts PutMetricData
timestamps up to two weeks old, and the oldest here is younger than that). Each goes through the
real handlers on a replayed clock (`replay`), in the state machine's order and, as the state machine
does, stopping at the first failed stage. One generated Salesforce org (`salesforce_users`, with
less churn at weekends) evolves day by day: each run's Glue stand-in appends that day's extract to
the raw table, and its dbt stand-in snapshots the extract into the dimension, so the validator
checks and the publisher reports each day as it was. The canary runs its self-tests before each
day's run, and what AWS itself would publish is simulated (`simulated_metrics`).

Incidents are planted so that the alarms have something to show (`INCIDENTS`, by days ago):
- a missed run: the pipeline does not run at all that day (the next extract then holds two days
  of changes);
- a slow run: the Glue job takes `SLOW_GLUE_FACTOR` times as long (the Salesforce API throttles);
- a partial extract: the Glue job stops after `PARTIAL_SHARE` of the users (still above the
  record-count minimum). The ingestion validation's circuit breakers (extract volume drop, mass
  deletion) stop that run before dbt, so the extract stays out of the dimension, as a snapshot
  that never ran would, and the next day's full extract carries on from the day before.
"""

from __future__ import annotations

import math
import random
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Final

import duckdb

from components.settings import Settings
from local import simulated_metrics
from local.dbt_runner import DbtRunner
from local.emulator import Alert, AlertInbox
from local.replay import (
    CanaryRun,
    Pace,
    ReplayedRun,
    StageSeconds,
    pipeline_functions,
    run_canary,
    run_pipeline,
)
from local.salesforce_users import ExtractPlan, UserRecord, generate_extracts
from local.walkthrough import Walkthrough
from local.warehouse import append_raw, build_scd, latest_extract, load_raw

HISTORY_DAYS: Final = 13
PUT_METRIC_DATA_MAX_AGE: Final = timedelta(days=14)
RUN_BEFORE_NOW: Final = timedelta(hours=1)  # today's scheduled run started an hour ago
CANARY_BEFORE_RUN: Final = timedelta(minutes=30)
EXTRACT_AFTER_START: Final = timedelta(minutes=2)  # when, into its run, the Glue job queries
WEEKEND_SHARE: Final = 0.25
SLOW_GLUE_FACTOR: Final = 3.0
PARTIAL_SHARE: Final = 0.7
HISTORY_FILE: Final = "warehouse-history.duckdb"


class Incident(StrEnum):
    MISSED_RUN = "missed run"
    SLOW_RUN = "slow run"
    PARTIAL_EXTRACT = "partial extract"


INCIDENTS: Final = {9: Incident.MISSED_RUN, 6: Incident.SLOW_RUN, 3: Incident.PARTIAL_EXTRACT}
WHAT_HAPPENED: Final = {
    Incident.MISSED_RUN: "the pipeline did not run",
    Incident.SLOW_RUN: f"the Glue job took {SLOW_GLUE_FACTOR:g} times as long",
    Incident.PARTIAL_EXTRACT: (
        f"the Glue job stopped after {PARTIAL_SHARE:.0%} of the users; the breakers stopped the"
        " run before dbt"
    ),
}


def extract_plan(users: int) -> ExtractPlan:
    """The org of the fortnight: one extract per day of the history, and today's."""
    return ExtractPlan(users=users, days=HISTORY_DAYS + 1, weekend_share=WEEKEND_SHARE)


@dataclass(frozen=True)
class Schedule:
    """The daily runs: today's at `today`, each earlier one a day before; the canary's self-tests
    half an hour before each. Day `n` (days ago) runs from its canary to the next day's."""

    today: datetime

    @classmethod
    def before(cls, now: datetime) -> Schedule:
        return cls((now - RUN_BEFORE_NOW).replace(microsecond=0))

    def run_at(self, days_ago: int) -> datetime:
        return self.today - timedelta(days=days_ago)

    def canary_at(self, days_ago: int) -> datetime:
        return self.run_at(days_ago) - CANARY_BEFORE_RUN

    @property
    def start(self) -> datetime:
        """The replay's first moment: the first day's canary."""
        return self.canary_at(HISTORY_DAYS)

    def days_ago(self, moment: datetime) -> int:
        """The day `moment` belongs to, in days before today."""
        return max(0, math.ceil((self.canary_at(0) - moment) / timedelta(days=1)))

    def check_age(self, now: datetime) -> None:
        """Every replayed datapoint must be one PutMetricData accepts at `now`."""
        if now - self.start >= PUT_METRIC_DATA_MAX_AGE:
            raise ValueError(
                f"the replay starts at {self.start}, more than {PUT_METRIC_DATA_MAX_AGE.days}"
                f" days before {now}: CloudWatch would refuse its datapoints"
            )


@dataclass(frozen=True)
class Day:
    days_ago: int
    incident: Incident | None
    canary: CanaryRun
    run: ReplayedRun | None  # None: the pipeline did not run
    alerts: list[Alert]


@dataclass(frozen=True)
class History:
    schedule: Schedule
    days: list[Day]
    warehouse: Path
    snapshotted: list[datetime]  # the extracts dbt took into the dimension, in order
    today_extract: list[UserRecord]

    def day(self, incident: Incident) -> Day:
        return next(day for day in self.days if day.incident is incident)

    def today_warehouse(self, path: Path) -> Path:
        """A copy of the history's warehouse with today's extract loaded and snapshotted."""
        shutil.copyfile(self.warehouse, path)
        with duckdb.connect(str(path)) as connection:
            append_raw(connection, self.today_extract)
            build_scd(connection, [*self.snapshotted, self.today_extract[0].extracted_at])
        return path

    def partial_warehouse(self, path: Path) -> Path:
        """A copy of the history's warehouse with a `partial` extract of today's users loaded,
        that dbt has not run on: the dimension is yesterday's."""
        shutil.copyfile(self.warehouse, path)
        with duckdb.connect(str(path)) as connection:
            append_raw(connection, partial(self.today_extract))
        return path


def daily_extracts(plan: ExtractPlan, latest: datetime) -> list[list[UserRecord]]:
    """The plan's extracts, one list per day, oldest first."""
    by_day: dict[datetime, list[UserRecord]] = {}
    for row in generate_extracts(plan, latest):
        by_day.setdefault(row.extracted_at, []).append(row)
    return [by_day[moment] for moment in sorted(by_day)]


def partial(extract: Sequence[UserRecord]) -> list[UserRecord]:
    """The first `PARTIAL_SHARE` of an extract in Salesforce's Id order: a job that stopped."""
    ordered = sorted(extract, key=lambda row: row.user_id)
    return ordered[: int(len(ordered) * PARTIAL_SHARE)]


class Replay:
    """Replays the history's days into a warehouse in `directory` and into the emulator."""

    def __init__(
        self,
        settings: Settings,
        inbox: AlertInbox,
        pace: Pace,
        schedule: Schedule,
        directory: Path,
    ) -> None:
        self.settings, self.inbox, self.pace, self.schedule = settings, inbox, pace, schedule
        self.warehouse = directory / HISTORY_FILE
        self.snapshotted: list[datetime] = []

    def replay(self, users: int) -> History:
        plan = extract_plan(users)
        extracts = daily_extracts(plan, self.schedule.today + EXTRACT_AFTER_START)
        self._check_partial_extract(extracts)
        self.warehouse.parent.mkdir(parents=True, exist_ok=True)
        self.warehouse.unlink(missing_ok=True)
        with duckdb.connect(str(self.warehouse)) as connection:
            load_raw(connection, [])
        dbt = DbtRunner(build=self._snapshot)
        walk = Walkthrough(
            pipeline_functions(self.settings, self.inbox, self.warehouse, dbt, self.pace),
            self.settings.environment.value,
            self.settings.region,
            stop_at_first_failure=True,
        )
        rng = random.Random(plan.seed)
        days = [
            self._day(days_ago, extracts[HISTORY_DAYS - days_ago], walk, rng)
            for days_ago in range(HISTORY_DAYS, 0, -1)
        ]
        return History(self.schedule, days, self.warehouse, self.snapshotted, extracts[-1])

    def _check_partial_extract(self, extracts: Sequence[Sequence[UserRecord]]) -> None:
        """The partial extract must still pass the record-count check: the breakers, not the
        count, are what stop it."""
        (days_ago,) = [days for days, kind in INCIDENTS.items() if kind is Incident.PARTIAL_EXTRACT]
        rows = len(partial(extracts[HISTORY_DAYS - days_ago]))
        if rows < self.settings.min_record_count:
            raise ValueError(
                f"the partial extract would hold {rows} users, under the record-count minimum"
                f" {self.settings.min_record_count}: generate more users"
            )

    def _snapshot(self) -> None:
        """`dbt run`: the latest extract into the dimension, as a snapshot run would."""
        with duckdb.connect(str(self.warehouse)) as connection:
            self.snapshotted.append(latest_extract(connection))
            build_scd(connection, self.snapshotted)

    def _load(self, extract: Sequence[UserRecord]) -> None:
        """What the Glue job writes: the extract, appended to the raw table."""
        with duckdb.connect(str(self.warehouse)) as connection:
            append_raw(connection, extract)

    def _day(
        self, days_ago: int, extract: list[UserRecord], walk: Walkthrough, rng: random.Random
    ) -> Day:
        incident = INCIDENTS.get(days_ago)
        canary_at = self.schedule.canary_at(days_ago)
        canary = run_canary(self.settings, self.inbox, self.warehouse, self.pace, canary_at)
        simulated_metrics.publish_invocations(self.settings, canary.invocations)
        if incident is Incident.MISSED_RUN:
            return Day(days_ago, incident, canary, None, [])
        loaded = partial(extract) if incident is Incident.PARTIAL_EXTRACT else extract
        started = self.schedule.run_at(days_ago)
        glue_factor = SLOW_GLUE_FACTOR if incident is Incident.SLOW_RUN else 1.0
        run = run_pipeline(
            walk,
            self.pace,
            name=f"daily-{started:%Y%m%dT%H%M%S}",
            started=started,
            stages=StageSeconds.typical(rng, len(loaded), glue_factor),
            rows=len(loaded),
            extract=lambda: self._load(loaded),
        )
        simulated_metrics.publish_run(self.settings, run, self.warehouse)
        return Day(days_ago, incident, canary, run, self.inbox.drain())
