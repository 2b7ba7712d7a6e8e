"""`python -m local.demo` (`make demo`): the whole monitoring loop on a laptop, no AWS account.

1. Starts a local AWS (moto's server on 127.0.0.1, a free port; stopped at the end) and creates
   the critical and warning alert topics with an SQS queue subscribed as the inbox.
2. Replays a fortnight of daily pipeline runs before today's (`local.history`): one generated
   Salesforce org (DuckDB files under build/demo/) evolving day by day, each run through the REAL
   handlers on a replayed clock, with a missed run, a slow run and a partial extract (which the
   circuit breakers stop before dbt) planted.
3. Builds today's warehouse from the history's, a broken copy (its extracts are stale, some
   users have a duplicate current row, one has overlapping history) and a partial one (today's
   extract cut short, a truncated page; the dimension as dbt left it yesterday).
4. Runs today's canary and three pipeline runs through the REAL handlers (validator, error
   handler, metrics publisher) in the state machine's order; the user's Glue job and dbt runner
   are stand-ins (dbt answers with real run_results.json; in the broken run one dbt test fails).
   The broken run carries on past each failure to show every defect; the partial one stops where
   the state machine does: the ingestion validation's circuit breakers trip and dbt never runs.
5. Reports each of today's runs' checks, the metrics read back from the emulator, the alerts
   received in the inbox, and the state of every alarm, evaluated from the stack's alarm specs
   over the fortnight (`local.alarm_timeline`); draws the dashboard from the stack's widget specs
   with the alarm timeline under it (`local.dashboard_preview`).

What AWS itself publishes (AWS/States, Glue, AWS/Lambda, Athena's bytes scanned) is simulated in
the emulator (`local.simulated_metrics`) and labelled so. Thresholds, alarm and widget specs come
from Pulumi.local.yaml, parsed like `pulumi up` would.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

import duckdb

from components.alarm_set import alarm_set
from components.settings import Settings
from components.stack_file import PROJECT_ROOT, stack_settings
from handlers import clock
from handlers.contract import SELF_TEST_KEY, HandlerKey
from local import dashboard_preview, history, report, simulated_metrics
from local.alarm_timeline import AlarmBoard
from local.dbt_runner import DbtRunner, dbt_test_ids
from local.emulator import Alert, AlertInbox, Emulator, create_alert_inbox, running_emulator
from local.metric_store import MetricStore
from local.monitoring import LOCAL_LOG_LEVEL, create_handler_tables, handler_environment
from local.readback import Reading, alarm_statistics, read_back
from local.replay import (
    CanaryRun,
    Pace,
    ReplayedRun,
    StageSeconds,
    pipeline_functions,
    replaying,
    run_canary,
    run_pipeline,
)
from local.salesforce_users import ExtractPlan
from local.stepfunctions_runner import dbt_runner_name
from local.walkthrough import Walkthrough
from local.warehouse import (
    SCD_TABLE,
    WarehouseSummary,
    plant_duplicate_current_row,
    plant_overlapping_history,
    plant_stale_extract,
    summarise,
)

STACK: Final = "local"
BUILD_DIR: Final = PROJECT_ROOT / "build"
STALE_HOURS: Final = 30
DUPLICATED_USERS: Final = 5
FAILING_TEST: Final = next(test for test in dbt_test_ids() if ".unique_orders_order_id." in test)
FAILING_TEST_ROWS: Final = 3
# Today's runs after the scheduled (healthy) one: each ends before the next starts and the last
# before now, in its own alarm periods (`max_users` keeps them so).
BROKEN_AFTER: Final = timedelta(minutes=30)
PARTIAL_AFTER: Final = timedelta(minutes=45)
TODAYS_SLOTS: Final = (
    BROKEN_AFTER,
    PARTIAL_AFTER - BROKEN_AFTER,
    history.RUN_BEFORE_NOW - PARTIAL_AFTER,
)
MOST_ALERTS: Final = 3  # the broken run's
NOISY_LOGGERS: Final = ("werkzeug", "moto", "botocore", "urllib3", "aws_lambda_powertools")
HEALTHY_DESCRIPTION: Final = [
    "Nothing is broken: every check passes, scores are 100, no alert is sent."
]
BROKEN_DESCRIPTION: Final = [
    f"Planted: the extract is {STALE_HOURS} h stale; {DUPLICATED_USERS} users have"
    " a duplicate current row; one user's history overlaps;",
    f"dbt test {FAILING_TEST} fails ({FAILING_TEST_ROWS} rows).",
]


def partial_description(lost: int) -> list[str]:
    return [
        f"Planted: a re-run's extract lost {lost} users (the last {1 - history.PARTIAL_SHARE:.0%}"
        " by id, a truncated page); the dimension is yesterday's."
    ]


@dataclass(frozen=True)
class Warehouses:
    healthy: Path
    broken: Path
    partial: Path
    partial_lost: int  # users the partial extract left out
    summary: WarehouseSummary


@dataclass(frozen=True)
class RunResult:
    label: str
    run: ReplayedRun
    readings: list[Reading]
    alerts: list[Alert]


@dataclass(frozen=True)
class BreakerOutcome:
    """What the partial run left behind: dbt's invocations and the dimension before and after."""

    dbt_invocations: int
    dimension_before: list[tuple[Any, ...]]
    dimension_after: list[tuple[Any, ...]]

    def lines(self, run: RunResult) -> list[str]:
        unchanged = self.dimension_after == self.dimension_before
        return [
            "The circuit breakers stopped the run before dbt:"
            f" {report.never_ran(run.run.record)} never ran.",
            f"dbt runner invocations: {self.dbt_invocations}; dimension {SCD_TABLE}:"
            f" {len(self.dimension_before)} versions before, {len(self.dimension_after)} after"
            f" ({'unchanged' if unchanged else 'CHANGED'}).",
        ]


@dataclass(frozen=True)
class DemoResult:
    """What one demo run did, for the report, the preview and the tests."""

    fortnight: history.History
    canary: CanaryRun
    runs: list[RunResult]  # today's: healthy, broken, partial
    breaker: BreakerOutcome  # of the partial run
    warehouses: Warehouses
    store: MetricStore  # every datapoint the emulator held at the end
    board: AlarmBoard
    end: datetime
    preview: Path


def quiet_logs() -> None:
    """Keep the report readable: moto, werkzeug and the handlers' JSON logs only on warnings."""
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", LOCAL_LOG_LEVEL)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


def build_warehouses(fortnight: history.History, directory: Path) -> Warehouses:
    """Today's warehouse (the history's, with today's extract), its broken copy, and the
    history's with a partial extract of today's users that dbt has not run on."""
    healthy = fortnight.today_warehouse(directory / "warehouse-healthy.duckdb")
    partial = fortnight.partial_warehouse(directory / "warehouse-partial.duckdb")
    lost = len(fortnight.today_extract) - len(history.partial(fortnight.today_extract))
    broken = directory / "warehouse-broken.duckdb"
    shutil.copyfile(healthy, broken)
    with duckdb.connect(str(broken)) as connection:
        plant_stale_extract(connection, hours=STALE_HOURS)
        plant_duplicate_current_row(connection, users=DUPLICATED_USERS)
        plant_overlapping_history(connection)
    with duckdb.connect(str(healthy), read_only=True) as connection:
        return Warehouses(healthy, broken, partial, lost, summarise(connection))


def dimension_rows(warehouse: Path) -> list[tuple[Any, ...]]:
    """Every version of the dimension, in a fixed order: what "untouched" compares."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(f"SELECT * FROM {SCD_TABLE} ORDER BY ALL").fetchall()


def canary_lines(canary: CanaryRun) -> list[str]:
    lines = [
        *report.heading("Canary: the monitoring checks itself", "="),
        f"Each handler gets the scheduled self-test event {{{SELF_TEST_KEY!r}: true}}:",
    ]
    for handler, outcome in canary.outcomes.items():
        verdict = f"FAILED ({outcome.payload.decode()[:120]})" if outcome.function_error else "ok"
        lines.append(f"  {handler.value:<20} {verdict}")
    return lines


@dataclass(frozen=True)
class Loop:
    """What today's runs share: the stack's settings, the local AWS and the replayed clock."""

    settings: Settings
    emulator: Emulator
    inbox: AlertInbox
    pace: Pace
    statistics: Mapping[str, str]  # metric name -> the statistic read back (`alarm_statistics`)

    def run(
        self,
        label: str,
        *,
        warehouse: Path,
        dbt_runner: DbtRunner,
        started: datetime,
        rows: int,
        stop_at_first_failure: bool = False,
    ) -> RunResult:
        """One of today's runs: by default every stage even after a failure, so it shows every
        defect; with `stop_at_first_failure`, as the state machine runs."""
        settings = self.settings
        walk = Walkthrough(
            pipeline_functions(settings, self.inbox, warehouse, dbt_runner, self.pace),
            settings.environment.value,
            settings.region,
            stop_at_first_failure=stop_at_first_failure,
        )
        run = run_pipeline(
            walk,
            self.pace,
            name=f"{label}-{started:%Y%m%dT%H%M%S}",
            started=started,
            stages=StageSeconds.typical(random.Random(label), rows),
            rows=rows,
        )
        simulated_metrics.publish_run(settings, run, warehouse)
        record = run.record
        assert record.finished_at is not None
        # This run's datapoints only: from the second it started to the second after it ended.
        start = record.started_at.replace(microsecond=0)
        end = record.finished_at.replace(microsecond=0) + timedelta(seconds=1)
        readings = read_back(self.emulator, start, end, self.statistics)
        return RunResult(label, run, readings, self.inbox.drain())


def introduction(emulator: Emulator, warehouses: Warehouses, users: int) -> list[str]:
    s = warehouses.summary
    return [
        *report.heading("sf-user-monitoring: the whole monitoring loop, locally", "#"),
        f"Local AWS      : moto server at {emulator.endpoint_url} (alert topics + SQS inbox)",
        f"Warehouse      : {users} generated Salesforce users over {s.extracts} daily"
        f" extracts: {s.raw_rows} raw rows, {s.scd_rows} SCD2 versions,",
        f"                 {s.current_users} current users; latest extract {s.latest_extract_at}"
        " UTC (DuckDB, build/demo/)",
        "Pipeline order : RunGlueJob -> ValidateIngestion -> RunDbt -> TestDbt -> ValidateScd"
        " -> PublishMetrics",
        "Real handlers  : pipeline validator (DuckDB), error handler, metrics publisher.",
        "Stand-ins      : the Glue job (succeeds) and the dbt runner (real run_results.json).",
        "Simulated      : what AWS publishes itself (AWS/States, Glue, AWS/Lambda) and Athena's"
        " bytes scanned.",
        "A failed stage alerts through the error handler, as the state machine's Catch does;",
        "the broken run then carries on with the next stage so that one run shows every defect,",
        "the partial run stops there, as the state machine does.",
    ]


def _shown_path(path: Path) -> Path:
    """Relative to the working directory when inside it (as `make demo` runs), else absolute."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def run(users: int, build_dir: Path) -> tuple[DemoResult, list[str]]:
    """The whole demo: its result and its report's lines."""
    settings = stack_settings(STACK)
    now = clock.now()
    schedule = history.Schedule.before(now)
    schedule.check_age(now)
    directory = build_dir / "demo"
    with running_emulator(settings.region) as emulator, replaying(schedule.start) as pace:
        inbox = create_alert_inbox(emulator, settings.environment.value)
        replay = history.Replay(settings, inbox, pace, schedule, directory)
        create_handler_tables(
            emulator,
            handler_environment(settings, HandlerKey.ERROR_HANDLER, inbox, replay.warehouse),
        )
        fortnight = replay.replay(users)
        warehouses = build_warehouses(fortnight, directory)
        canary = run_canary(settings, inbox, warehouses.healthy, pace, schedule.canary_at(0))
        simulated_metrics.publish_invocations(settings, canary.invocations)
        alarms = alarm_set(settings)
        loop = Loop(settings, emulator, inbox, pace, alarm_statistics(alarms.metric_alarms))
        rows = len(fortnight.today_extract)
        healthy = loop.run(
            "healthy",
            warehouse=warehouses.healthy,
            dbt_runner=DbtRunner(),
            started=schedule.run_at(0),
            rows=rows,
        )
        broken = loop.run(
            "broken",
            warehouse=warehouses.broken,
            dbt_runner=DbtRunner({FAILING_TEST: FAILING_TEST_ROWS}),
            started=schedule.run_at(0) + BROKEN_AFTER,
            rows=rows,
        )
        dimension_before = dimension_rows(warehouses.partial)
        partial = loop.run(
            "partial",
            warehouse=warehouses.partial,
            dbt_runner=DbtRunner(),
            started=schedule.run_at(0) + PARTIAL_AFTER,
            rows=rows - warehouses.partial_lost,
            stop_at_first_failure=True,
        )
        breaker = BreakerOutcome(
            partial.run.invocations_of(dbt_runner_name(settings.environment.value)),
            dimension_before,
            dimension_rows(warehouses.partial),
        )
        store = MetricStore.read(emulator)
    board = AlarmBoard(alarms, store, schedule.start, now)
    runs = [healthy, broken, partial]
    preview = dashboard_preview.write(
        board,
        store,
        settings=settings,
        fortnight=fortnight,
        today=[(result.label, result.run.record, result.alerts) for result in runs],
        path=build_dir / dashboard_preview.FILE_NAME,
    )
    result = DemoResult(fortnight, canary, runs, breaker, warehouses, store, board, now, preview)
    return result, report_lines(result, emulator, users)


def report_lines(result: DemoResult, emulator: Emulator, users: int) -> list[str]:
    warehouses = result.warehouses
    lines = introduction(emulator, warehouses, users)
    lines += report.history_section(result.fortnight) + canary_lines(result.canary)
    descriptions = (
        HEALTHY_DESCRIPTION,
        BROKEN_DESCRIPTION,
        partial_description(warehouses.partial_lost),
    )
    outcomes: tuple[list[str], ...] = ([], [], result.breaker.lines(result.runs[-1]))
    ended = [run.run.record.finished_at or result.end for run in result.runs]
    for number, (run, description, outcome, end) in enumerate(
        zip(result.runs, descriptions, outcomes, ended, strict=True), start=1
    ):
        lines += report.run_section(
            f"Run {number} of {len(result.runs)}: {run.label}",
            description,
            run.run.record,
            readings=run.readings,
            alerts=run.alerts,
            verdicts=result.board.verdicts_at(end),
            outcome=outcome,
        )
    lines += report.timeline_section(result.board, result.fortnight.schedule)
    return [
        *lines,
        *report.heading("Summary", "="),
        *(
            report.summary_line(
                run.label, run.run.record, len(run.alerts), result.board.verdicts_at(end)
            )
            for run, end in zip(result.runs, ended, strict=True)
        ),
        "Dashboard preview (same widget specs as the deployed dashboard):"
        f" {_shown_path(result.preview)}",
    ]


def max_users() -> int:
    """The most users whose runs still fit today's slots, even at their longest."""
    slot = min(TODAYS_SLOTS).total_seconds()
    users = 0
    while StageSeconds.longest_run(users + 1, MOST_ALERTS) <= slot:
        users += 1
    return users


def _users(text: str) -> int:
    users, most = int(text), max_users()
    if not 1 <= users <= most:
        raise argparse.ArgumentTypeError(
            f"must be between 1 and {most}: today's runs start "
            f"{min(TODAYS_SLOTS).total_seconds() / 60:.0f} minutes apart and more users make a "
            "run longer than that"
        )
    return users


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.demo", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--users", type=_users, default=ExtractPlan.users, help="generated users")
    parser.add_argument("--build-dir", type=Path, default=BUILD_DIR, help="output directory")
    args = parser.parse_args(argv)
    quiet_logs()
    started = time.perf_counter()
    _, lines = run(args.users, args.build_dir)
    lines.append(f"Finished in {time.perf_counter() - started:.1f} s; the local AWS is stopped.")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
