"""Pipeline runs on a replayed clock: each stage takes the time its plan says, in no time at all.

The demo's runs (the history's and today's) walk through the real handlers with
`handlers.clock` frozen at the run's start and moved on by each stage's simulated duration, so
the handlers stamp their metrics, freshness checks and alert links with the times a real run
would have. Powertools' idempotency, which reads the wall clock itself, follows the same clock.
Every Lambda invocation is recorded (function, event, start, duration, whether it raised) for
the metrics AWS itself would publish (`simulated_metrics`).
"""

from __future__ import annotations

import contextlib
import json
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

from aws_lambda_powertools.utilities.idempotency.persistence import base, datarecord, dynamodb

from components.settings import Settings
from handlers import clock, self_test
from handlers.contract import SELF_TEST_EVENT, HandlerKey, ValidationType, function_name
from local.clock_alignment import follow_clock
from local.dbt_runner import DbtRunner
from local.emulator import AlertInbox
from local.lambda_runtime import Invocation as LambdaOutcome
from local.lambda_runtime import LocalFunction, LocalLambdaContext, invoke
from local.monitoring import local_function
from local.stepfunctions_runner import lambda_arn
from local.walkthrough import PipelineFunctions, RunRecord, Walkthrough, glue_job_run

# Typical stage lengths in seconds: a Glue extract of a few hundred users through the
# Salesforce API (a fixed start-up and query time, then a little per row), the dbt build and
# its tests, the validations' single queries and the handlers' quick calls.
GLUE_BASE_SECONDS: Final = 540.0
GLUE_SECONDS_PER_ROW: Final = 0.6
DBT_RUN_SECONDS: Final = 95.0
DBT_TEST_SECONDS: Final = 40.0
INGESTION_SECONDS: Final = 8.0
SCD_SECONDS: Final = 12.0
PUBLISH_SECONDS: Final = 1.5
ALERT_SECONDS: Final = 2.0
SELF_TEST_SECONDS: Final = 1.0
JITTER: Final = 0.04  # each stage is up to 4 % shorter or longer than typical


@dataclass(frozen=True)
class Invocation:
    """One Lambda invocation on the replayed clock."""

    function_name: str
    event: Mapping[str, Any]
    started_at: datetime
    seconds: float
    failed: bool


@dataclass(frozen=True)
class StageSeconds:
    """How long each stage of one run takes."""

    glue_job: float
    ingestion: float
    dbt_run: float
    dbt_test: float
    scd: float
    publish: float = PUBLISH_SECONDS
    alert: float = ALERT_SECONDS
    self_test: float = SELF_TEST_SECONDS

    @classmethod
    def typical(cls, rng: random.Random, rows: int, glue_factor: float = 1.0) -> StageSeconds:
        """A run extracting `rows` rows; `glue_factor` stretches the Glue job (throttling)."""

        def around(seconds: float) -> float:
            return round(seconds * rng.uniform(1 - JITTER, 1 + JITTER), 1)

        glue = around(GLUE_BASE_SECONDS + GLUE_SECONDS_PER_ROW * rows) * glue_factor
        return cls(
            glue_job=glue,
            ingestion=around(INGESTION_SECONDS),
            dbt_run=around(DBT_RUN_SECONDS),
            dbt_test=around(DBT_TEST_SECONDS),
            scd=around(SCD_SECONDS),
        )

    @classmethod
    def longest_run(cls, rows: int, alerts: int) -> float:
        """The most a whole run extracting `rows` rows and sending `alerts` alerts can take."""
        typical = (
            GLUE_BASE_SECONDS
            + GLUE_SECONDS_PER_ROW * rows
            + INGESTION_SECONDS
            + DBT_RUN_SECONDS
            + DBT_TEST_SECONDS
            + SCD_SECONDS
            + PUBLISH_SECONDS
            + ALERT_SECONDS * alerts
        )
        return typical * (1 + JITTER)

    def of(self, event: Mapping[str, Any]) -> float:
        """The length of the invocation the state machine (or the canary) sends `event` in."""
        if self_test.requested(event):
            return self.self_test
        if "validation_type" in event:
            return (
                self.ingestion if event["validation_type"] == ValidationType.INGESTION else self.scd
            )
        if "command" in event:
            return self.dbt_run if event["command"] == "run" else self.dbt_test
        return self.alert if "error_type" in event else self.publish


CANARY_STAGES: Final = StageSeconds(glue_job=0, ingestion=0, dbt_run=0, dbt_test=0, scd=0)


@dataclass
class Pace:
    """The replayed clock, the current run's stage lengths, and the invocations timed so far."""

    clock: clock.FrozenClock
    stages: StageSeconds = CANARY_STAGES
    invocations: list[Invocation] = field(default_factory=list)

    def timed(self, function: LocalFunction) -> LocalFunction:
        """`function`, taking its stage's time on the clock and recorded."""

        def handler(event: Any, context: Any) -> Any:
            started, failed = self.clock(), True
            try:
                result = function.handler(event, context)
                failed = False
                return result
            finally:
                seconds = self.stages.of(event)
                self.invocations.append(
                    Invocation(context.function_name, event, started, seconds, failed)
                )
                self.clock.advance(timedelta(seconds=seconds))

        return LocalFunction(handler, function.environment)

    def start(self, at: datetime, stages: StageSeconds) -> None:
        self.clock.set(at)
        self.stages = stages

    def take(self) -> list[Invocation]:
        """The invocations since the last take."""
        taken, self.invocations = self.invocations, []
        return taken


@contextlib.contextmanager
def replaying(at: datetime) -> Iterator[Pace]:
    """`handlers.clock` (and Powertools' idempotency) on a clock that moves only when told."""
    with (
        clock.frozen(at) as frozen,
        follow_clock((base, "dt"), (datarecord, "dt"), (dynamodb, "dt")),
    ):
        yield Pace(frozen)


def pipeline_functions(
    settings: Settings, inbox: AlertInbox, warehouse: Path, dbt_runner: DbtRunner, pace: Pace
) -> PipelineFunctions:
    """The real handlers and the dbt stand-in, each taking its stage's time on `pace`."""

    def real(handler: HandlerKey) -> LocalFunction:
        return pace.timed(local_function(settings, handler, inbox, warehouse))

    return PipelineFunctions(
        pipeline_validator=real(HandlerKey.PIPELINE_VALIDATOR),
        dbt_runner=pace.timed(LocalFunction(dbt_runner)),
        metrics_publisher=real(HandlerKey.METRICS_PUBLISHER),
        error_handler=real(HandlerKey.ERROR_HANDLER),
    )


@dataclass(frozen=True)
class ReplayedRun:
    record: RunRecord
    job_run: Mapping[str, Any]
    rows: int  # what the Glue job extracted
    invocations: list[Invocation]

    @property
    def glue_completed_at(self) -> datetime:
        return self.record.started_at + timedelta(seconds=float(self.job_run["ExecutionTime"]))

    def invocations_of(self, function_name: str) -> int:
        """How many times the run invoked the function `function_name`."""
        return sum(call.function_name == function_name for call in self.invocations)


def run_pipeline(
    walk: Walkthrough,
    pace: Pace,
    *,
    name: str,
    started: datetime,
    stages: StageSeconds,
    rows: int,
    extract: Callable[[], None] | None = None,
) -> ReplayedRun:
    """One execution from `started`: the Glue job (`extract` writes what it loads), then the
    walk through the Lambda stages."""
    pace.start(started, stages)
    if extract is not None:
        extract()
    pace.clock.advance(timedelta(seconds=stages.glue_job))
    job_run = glue_job_run(walk.glue_job_name, started, seconds=round(stages.glue_job))
    record = walk.run(name, job_run, started=started)
    return ReplayedRun(record, job_run, rows, pace.take())


@dataclass(frozen=True)
class CanaryRun:
    outcomes: Mapping[HandlerKey, LambdaOutcome]
    invocations: list[Invocation]


def run_canary(
    settings: Settings, inbox: AlertInbox, warehouse: Path, pace: Pace, at: datetime
) -> CanaryRun:
    """What the scheduled canary does at `at`: every handler's self-test event, in turn."""
    pace.start(at, CANARY_STAGES)
    outcomes = {}
    for handler in HandlerKey:
        function = pace.timed(local_function(settings, handler, inbox, warehouse))
        name = function_name(settings.environment.value, handler)
        context = LocalLambdaContext(name, lambda_arn(name, settings.region))
        outcomes[handler] = invoke(function, json.dumps(dict(SELF_TEST_EVENT)), context)
    return CanaryRun(outcomes, pace.take())
