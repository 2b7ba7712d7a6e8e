"""`python -m local.demo` (`make demo`): the whole monitoring loop on a laptop, no AWS account.

1. Starts a local AWS (moto's server on 127.0.0.1, a free port; stopped at the end) and creates
   the critical and warning alert topics with an SQS queue subscribed as the inbox.
2. Builds a warehouse of generated Salesforce users (DuckDB files under build/demo/): daily raw
   extracts and the SCD Type 2 dimension dbt would build from them. A second copy is broken:
   its extracts are stale, some users have a duplicate current row, one has overlapping history.
   A third has a partial latest extract (a truncated page) and the dimension dbt built the day
   before.
3. Runs three pipeline runs through the REAL handlers (validator, error handler, metrics
   publisher) in the state machine's order; the user's Glue job and dbt runner are stand-ins
   (dbt answers with real run_results.json; in the broken run one dbt test fails). The broken
   run carries on past each failure to show every defect; the partial one stops where the state
   machine does: the ingestion validation's circuit breakers trip and dbt never runs.
4. Reports each run's checks, the metrics read back from the emulator, the alerts received in the
   inbox, and the alarms those metrics would breach by the stack's alarm specs; writes a preview
   of the dashboard drawn from the stack's widget specs.

Thresholds, alarm and widget specs come from Pulumi.local.yaml, parsed like `pulumi up` would.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

import duckdb

from components.alarm_specs import alarm_specs
from components.settings import Settings
from handlers import clock
from handlers.contract import SELF_TEST_KEY, HandlerKey, function_name
from local import dashboard_preview, report
from local.alarm_preview import AlarmVerdict, evaluate_all
from local.dbt_runner import DbtRunner, dbt_test_ids
from local.emulator import Alert, AlertInbox, Emulator, create_alert_inbox, running_emulator
from local.lambda_runtime import Handler, LocalFunction, LocalLambdaContext, invoke, resolve_handler
from local.monitoring import (
    LOCAL_LOG_LEVEL,
    create_handler_tables,
    handler_environment,
    handler_path,
)
from local.readback import Reading, read_back
from local.salesforce_users import ExtractPlan
from local.stack_settings import PROJECT_ROOT, stack_settings
from local.walkthrough import PipelineFunctions, RunRecord, Walkthrough, glue_job_run
from local.warehouse import (
    SCD_TABLE,
    WarehouseSummary,
    build_warehouse,
    plant_duplicate_current_row,
    plant_overlapping_history,
    plant_partial_extract,
    plant_stale_extract,
)

STACK: Final = "local"
BUILD_DIR: Final = PROJECT_ROOT / "build"
STALE_HOURS: Final = 30
DUPLICATED_USERS: Final = 5
PARTIAL_SHARE: Final = 0.3  # of the latest extract's users; the rest still passes the count
FAILING_TEST: Final = next(test for test in dbt_test_ids() if ".unique_orders_order_id." in test)
FAILING_TEST_ROWS: Final = 3
NOISY_LOGGERS: Final = ("werkzeug", "moto", "botocore", "urllib3", "aws_lambda_powertools")


@dataclass(frozen=True)
class Warehouses:
    healthy: Path
    broken: Path
    partial: Path
    partial_lost: int  # users the partial extract lost
    summary: WarehouseSummary


@dataclass
class CountedDbtRunner:
    """The dbt runner stand-in, counting its invocations (the breaker must leave it at 0)."""

    runner: DbtRunner
    invocations: int = 0

    def __call__(self, event: Any, context: Any) -> Any:
        self.invocations += 1
        return self.runner(event, context)


@dataclass(frozen=True)
class RunResult:
    label: str
    record: RunRecord
    readings: list[Reading]
    alerts: list[Alert]
    verdicts: list[AlarmVerdict]


def quiet_logs() -> None:
    """Keep the report readable: moto, werkzeug and the handlers' JSON logs only on warnings."""
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", LOCAL_LOG_LEVEL)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


def build_warehouses(directory: Path, plan: ExtractPlan) -> Warehouses:
    directory.mkdir(parents=True, exist_ok=True)
    healthy, broken, partial = (
        directory / f"warehouse-{name}.duckdb" for name in ("healthy", "broken", "partial")
    )
    # Naive UTC like the raw table's timestamps; an hour old passes the freshness window.
    latest = (clock.now() - timedelta(hours=1)).replace(tzinfo=None, microsecond=0)
    for path in (healthy, broken, partial):
        path.unlink(missing_ok=True)
    with duckdb.connect(str(healthy)) as connection:
        summary = build_warehouse(connection, plan, latest)
    shutil.copyfile(healthy, broken)
    with duckdb.connect(str(broken)) as connection:
        plant_stale_extract(connection, hours=STALE_HOURS)
        plant_duplicate_current_row(connection, users=DUPLICATED_USERS)
        plant_overlapping_history(connection)
    shutil.copyfile(healthy, partial)
    with duckdb.connect(str(partial)) as connection:
        lost = plant_partial_extract(connection, share=PARTIAL_SHARE)
    return Warehouses(healthy, broken, partial, lost, summary)


def dimension_rows(warehouse: Path) -> list[tuple[Any, ...]]:
    """Every version of the dimension, in a fixed order: what "untouched" compares."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(f"SELECT * FROM {SCD_TABLE} ORDER BY ALL").fetchall()


def walkthrough(
    settings: Settings, inbox: AlertInbox, warehouse: Path, dbt_runner: Handler
) -> Walkthrough:
    def real(handler: HandlerKey) -> LocalFunction:
        environment = handler_environment(settings, handler, inbox, warehouse)
        return LocalFunction(resolve_handler(handler_path(handler)), environment)

    functions = PipelineFunctions(
        pipeline_validator=real(HandlerKey.PIPELINE_VALIDATOR),
        dbt_runner=LocalFunction(dbt_runner),
        metrics_publisher=real(HandlerKey.METRICS_PUBLISHER),
        error_handler=real(HandlerKey.ERROR_HANDLER),
    )
    return Walkthrough(functions, settings.environment.value, settings.region)


def run_canary(settings: Settings, inbox: AlertInbox, warehouse: Path) -> list[str]:
    """What the scheduled canary does: every handler's self-test (MonitoringHeartbeat comes
    from the publisher's), so the heartbeat alarm sees the monitoring alive."""
    lines = [
        *report.heading("Canary: the monitoring checks itself", "="),
        f"Each handler gets the scheduled self-test event {{{SELF_TEST_KEY!r}: true}}:",
    ]
    for handler in HandlerKey:
        function = LocalFunction(
            resolve_handler(handler_path(handler)),
            handler_environment(settings, handler, inbox, warehouse),
        )
        name = function_name(settings.environment.value, handler)
        context = LocalLambdaContext(name, f"arn:aws:lambda:{settings.region}:local:{name}")
        outcome = invoke(function, json.dumps({SELF_TEST_KEY: True}), context)
        verdict = f"FAILED ({outcome.payload.decode()[:120]})" if outcome.function_error else "ok"
        lines.append(f"  {handler.value:<20} {verdict}")
    return lines


def run_once(
    label: str,
    walk: Walkthrough,
    emulator: Emulator,
    inbox: AlertInbox,
    settings: Settings,
    *,
    carry_on: bool = True,
) -> RunResult:
    started = clock.now()
    name = f"{label}-{started:%Y%m%dT%H%M%S}"
    record = walk.run(name, glue_job_run(walk.glue_job_name, started), carry_on=carry_on)
    assert record.finished_at is not None
    # Read this run's datapoints only: from the second it started to the second after it ended.
    start = record.started_at.replace(microsecond=0)
    end = record.finished_at.replace(microsecond=0) + timedelta(seconds=1)
    readings = read_back(emulator, start, end)
    verdicts = evaluate_all(emulator, alarm_specs(settings), record.finished_at)
    return RunResult(label, record, readings, inbox.drain(), verdicts)


def wait_for_next_second() -> None:
    """Runs must not share a second: the read-back tells them apart by time."""
    time.sleep(1.0 - clock.now().microsecond / 1e6 + 0.01)


def introduction(emulator: Emulator, warehouses: Warehouses, plan: ExtractPlan) -> list[str]:
    s = warehouses.summary
    return [
        *report.heading("sf-user-monitoring: the whole monitoring loop, locally", "#"),
        f"Local AWS      : moto server at {emulator.endpoint_url} (alert topics + SQS inbox)",
        f"Warehouse      : {plan.users} generated Salesforce users over {plan.days} daily"
        f" extracts: {s.raw_rows} raw rows, {s.scd_rows} SCD2 versions,",
        f"                 {s.current_users} current users; latest extract {s.latest_extract_at}"
        " UTC (DuckDB, build/demo/)",
        "Pipeline order : RunGlueJob -> ValidateIngestion -> RunDbt -> TestDbt -> ValidateScd"
        " -> PublishMetrics",
        "Real handlers  : pipeline validator (DuckDB), error handler, metrics publisher.",
        "Stand-ins      : the Glue job (succeeds) and the dbt runner (real run_results.json).",
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.demo", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--users", type=int, default=ExtractPlan.users, help="generated users")
    parser.add_argument("--days", type=int, default=ExtractPlan.days, help="daily extracts")
    parser.add_argument("--build-dir", type=Path, default=BUILD_DIR, help="output directory")
    args = parser.parse_args(argv)
    quiet_logs()
    started = time.perf_counter()
    settings = stack_settings(STACK)
    plan = ExtractPlan(users=args.users, days=args.days)
    warehouses = build_warehouses(args.build_dir / "demo", plan)
    with running_emulator(settings.region) as emulator:
        inbox = create_alert_inbox(emulator, settings.environment.value)
        create_handler_tables(
            emulator,
            handler_environment(settings, HandlerKey.ERROR_HANDLER, inbox, warehouses.healthy),
        )
        canary = run_canary(settings, inbox, warehouses.healthy)
        healthy = run_once(
            "healthy",
            walkthrough(settings, inbox, warehouses.healthy, DbtRunner()),
            emulator,
            inbox,
            settings,
        )
        wait_for_next_second()
        failing_dbt = DbtRunner({FAILING_TEST: FAILING_TEST_ROWS})
        broken = run_once(
            "broken",
            walkthrough(settings, inbox, warehouses.broken, failing_dbt),
            emulator,
            inbox,
            settings,
        )
        wait_for_next_second()
        dimension_before = dimension_rows(warehouses.partial)
        counted_dbt = CountedDbtRunner(DbtRunner())
        partial = run_once(
            "partial",
            walkthrough(settings, inbox, warehouses.partial, counted_dbt),
            emulator,
            inbox,
            settings,
            carry_on=False,
        )
        dimension_after = dimension_rows(warehouses.partial)
        lines = introduction(emulator, warehouses, plan) + canary
        lines += report.run_section(
            "Run 1 of 3: healthy",
            ["Nothing is broken: every check passes, scores are 100, no alert is sent."],
            healthy.record,
            readings=healthy.readings,
            alerts=healthy.alerts,
            verdicts=healthy.verdicts,
        )
        lines += report.run_section(
            "Run 2 of 3: broken",
            [
                f"Planted: the extract is {STALE_HOURS} h stale; {DUPLICATED_USERS} users have"
                " a duplicate current row; one user's history overlaps;",
                f"dbt test {FAILING_TEST} fails ({FAILING_TEST_ROWS} rows).",
            ],
            broken.record,
            readings=broken.readings,
            alerts=broken.alerts,
            verdicts=broken.verdicts,
        )
        unchanged = "unchanged" if dimension_after == dimension_before else "CHANGED"
        lines += report.run_section(
            "Run 3 of 3: partial extract",
            [
                f"Planted: today's extract lost {warehouses.partial_lost} users (the last"
                f" {PARTIAL_SHARE:.0%} by id, a truncated page); the dimension is the one dbt"
                " built yesterday.",
            ],
            partial.record,
            outcome=[
                "The circuit breakers stopped the run before dbt:"
                f" {report.never_ran(partial.record)} never ran; dbt runner invocations:"
                f" {counted_dbt.invocations}.",
                f"Dimension {SCD_TABLE}: {len(dimension_before)} versions before the run,"
                f" {len(dimension_after)} after ({unchanged}).",
            ],
            readings=partial.readings,
            alerts=partial.alerts,
            verdicts=partial.verdicts,
        )
        runs = (healthy, broken, partial)
        preview = dashboard_preview.write(
            emulator,
            settings,
            [(result.label, result.record, result.alerts) for result in runs],
            args.build_dir / dashboard_preview.FILE_NAME,
        )
    lines += [
        *report.heading("Summary", "="),
        *(
            report.summary_line(result.label, result.record, len(result.alerts), result.verdicts)
            for result in runs
        ),
        f"Dashboard preview (same widget specs as the deployed dashboard): {_shown_path(preview)}",
        f"Finished in {time.perf_counter() - started:.1f} s; the local AWS is stopped.",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
