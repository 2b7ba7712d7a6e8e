"""Runs on a replayed clock: stage lengths, timed invocations, the fortnight's schedule, and the
metrics AWS would publish for a run."""

import random
from datetime import timedelta

import pytest

from components.metrics import PipelineMetrics
from components.stack_file import stack_settings
from handlers import clock
from handlers.contract import SELF_TEST_EVENT
from local.history import CANARY_BEFORE_RUN, HISTORY_DAYS, Schedule
from local.lambda_runtime import LocalFunction, LocalLambdaContext, invoke
from local.replay import Pace, ReplayedRun, StageSeconds
from local.simulated_metrics import execution_data, invocation_data, is_simulated
from local.walkthrough import RunRecord, StageResult
from tests.frozen_time import FROZEN_NOW

STAGES = StageSeconds(glue_job=600, ingestion=8, dbt_run=95, dbt_test=40, scd=12)
METRICS = PipelineMetrics(stack_settings("local"))


@pytest.mark.parametrize(
    ("event", "seconds"),
    [
        (dict(SELF_TEST_EVENT), STAGES.self_test),
        ({"validation_type": "ingestion"}, STAGES.ingestion),
        ({"validation_type": "scd_integrity"}, STAGES.scd),
        ({"command": "run"}, STAGES.dbt_run),
        ({"command": "test"}, STAGES.dbt_test),
        ({"error_type": "dbt_test_failure"}, STAGES.alert),
        ({"execution": {}, "status": "SUCCEEDED"}, STAGES.publish),
    ],
)
def test_each_invocation_takes_its_stages_time(event, seconds):
    assert STAGES.of(event) == seconds


def test_a_slow_glue_job_is_the_only_longer_stage():
    usual = StageSeconds.typical(random.Random(1), rows=150)
    slow = StageSeconds.typical(random.Random(1), rows=150, glue_factor=3.0)
    assert slow.glue_job == pytest.approx(3 * usual.glue_job)
    assert (slow.ingestion, slow.dbt_run, slow.scd) == (usual.ingestion, usual.dbt_run, usual.scd)


def test_a_timed_function_moves_the_clock_and_is_recorded_failed_or_not():
    def fails(event, context):
        raise RuntimeError("boom")

    context = LocalLambdaContext("fn", "arn:aws:lambda:us-east-1:123456789012:function:fn")
    with clock.frozen(FROZEN_NOW) as frozen:
        pace = Pace(frozen, STAGES)
        ok = invoke(
            pace.timed(LocalFunction(lambda event, ctx: {"ok": True})),
            '{"command": "run"}',
            context,
        )
        failed = invoke(pace.timed(LocalFunction(fails)), '{"command": "test"}', context)
        assert clock.now() == FROZEN_NOW + timedelta(seconds=STAGES.dbt_run + STAGES.dbt_test)
    assert (ok.function_error, failed.function_error) == (None, "Unhandled")
    first, second = pace.take()
    assert (first.function_name, first.started_at, first.seconds, first.failed) == (
        "fn",
        FROZEN_NOW,
        STAGES.dbt_run,
        False,
    )
    assert (second.started_at, second.failed) == (FROZEN_NOW + timedelta(seconds=95), True)
    assert pace.take() == []


def test_the_schedule_places_each_day_and_its_canary():
    schedule = Schedule.before(FROZEN_NOW)
    assert schedule.days_ago(schedule.run_at(0)) == 0
    assert schedule.days_ago(schedule.canary_at(0)) == 0
    assert schedule.days_ago(schedule.canary_at(0) - timedelta(seconds=1)) == 1
    assert schedule.days_ago(schedule.run_at(9) + timedelta(hours=20)) == 9
    assert schedule.start == schedule.run_at(HISTORY_DAYS) - CANARY_BEFORE_RUN
    schedule.check_age(FROZEN_NOW)
    with pytest.raises(ValueError, match="CloudWatch would refuse its datapoints"):
        schedule.check_age(FROZEN_NOW + timedelta(days=1))


def _run(failed: bool) -> ReplayedRun:
    started = FROZEN_NOW - timedelta(hours=1)
    record = RunRecord("r", {}, started, [StageResult("TestDbt", {}, failed=failed)])
    record.finished_at = started + timedelta(minutes=13)
    job_run = {"ExecutionTime": 600}
    return ReplayedRun(record, job_run, rows=150, invocations=[])


@pytest.mark.parametrize(
    ("failed", "ended"), [(False, "ExecutionsSucceeded"), (True, "ExecutionsFailed")]
)
def test_an_execution_is_published_as_step_functions_does(failed, ended):
    run = _run(failed)
    data = {(d.item["MetricName"], d.item["Timestamp"]): d for d in execution_data(METRICS, run)}
    assert set(data) == {
        ("ExecutionsStarted", run.record.started_at),
        (ended, run.record.finished_at),
        ("ExecutionTime", run.record.finished_at),
    }
    time = data["ExecutionTime", run.record.finished_at].item
    assert (time["Value"], time["Unit"]) == (13 * 60 * 1000, "Milliseconds")
    expected = [{"Name": k, "Value": v} for k, v in METRICS.executions_started().dimensions.items()]
    assert all(d.item["Dimensions"] == expected for d in data.values())
    assert all(is_simulated(d.namespace, d.item["MetricName"]) for d in data.values())


def test_lambda_errors_and_duration_per_invocation():
    with clock.frozen(FROZEN_NOW) as frozen:
        pace = Pace(frozen, STAGES)
        context = LocalLambdaContext("fn", "arn:aws:lambda:us-east-1:123456789012:function:fn")
        invoke(pace.timed(LocalFunction(lambda event, ctx: 1 / 0)), '{"command": "run"}', context)
    (errors, duration) = invocation_data(METRICS, pace.take())
    assert (errors.item["MetricName"], errors.item["Value"]) == ("Errors", 1.0)
    assert (duration.item["MetricName"], duration.item["Value"]) == ("Duration", 95_000.0)
    assert errors.item["Dimensions"] == [{"Name": "FunctionName", "Value": "fn"}]
