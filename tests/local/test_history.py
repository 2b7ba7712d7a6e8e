"""The fortnight `make demo` replays before today's runs: the planted incidents, the data behind
every dashboard panel, and which alarms the timeline says fired for them (and nothing else)."""

import statistics
from datetime import timedelta

import pytest

from components.alarm_set import alarm_set
from components.alarm_specs import AlarmKey
from components.anomaly_band import AnomalyBand
from components.dashboard_body import widget_specs
from components.metrics import MetricSpec
from components.stack_file import stack_settings
from handlers.contract import AlertRoute, ErrorType, Metric
from local import report
from local.history import EXTRACT_AFTER_START, HISTORY_DAYS, INCIDENTS, PARTIAL_SHARE, Incident
from local.metric_store import period_values
from local.simulated_metrics import is_simulated
from local.stepfunctions_runner import dbt_runner_name

SETTINGS = stack_settings("local")
SPECS = {spec.key: spec for spec in alarm_set(SETTINGS).metric_alarms}
DAY_OF = {incident: days_ago for days_ago, incident in INCIDENTS.items()}
MISSED, SLOW, PARTIAL = (
    DAY_OF[i] for i in (Incident.MISSED_RUN, Incident.SLOW_RUN, Incident.PARTIAL_EXTRACT)
)
TODAY = 0
# Which alarms fire, and on which days (days ago), for the planted incidents and today's broken
# and partial runs. Every other alarm must not fire at all. The breakers stop the partial day's
# run before dbt: it fails (StepFunctionsFailure), no run succeeds for a day (MissedRun), and the
# records are never published, so the volume band has nothing to flag.
EXPECTED_FIRINGS = {
    AlarmKey.MISSED_RUN: {MISSED, PARTIAL},
    AlarmKey.DURATION_BAND: {SLOW},
    AlarmKey.STEP_FUNCTIONS_FAILURE: {PARTIAL, TODAY},
    AlarmKey.EXTRACT_VOLUME_DROP: {PARTIAL, TODAY},
    AlarmKey.MASS_DELETION: {PARTIAL, TODAY},
    AlarmKey.DBT_RUNNER_ERROR: {TODAY},
    AlarmKey.SCD_INTEGRITY: {TODAY},
    AlarmKey.DATA_FRESHNESS: {TODAY},
    AlarmKey.PIPELINE_HEALTH: {MISSED, SLOW, PARTIAL, TODAY},
}


@pytest.fixture(scope="module")
def result(demo_run):
    return demo_run.result


def test_thirteen_daily_runs_within_putmetricdatas_two_weeks(result):
    fortnight = result.fortnight
    assert [day.days_ago for day in fortnight.days] == list(range(HISTORY_DAYS, 0, -1))
    oldest = min(
        moment
        for spec in widget_specs(SETTINGS)
        for metric in spec.metrics
        for moment in result.store.stream(metric).timestamps
    )
    assert result.end - timedelta(days=14) < oldest == fortnight.schedule.start


def test_the_planted_incidents(result):
    fortnight = result.fortnight
    assert fortnight.day(Incident.MISSED_RUN).run is None
    runs = {day.days_ago: day.run for day in fortnight.days if day.run is not None}
    assert [days for days, run in runs.items() if run.record.failed] == [PARTIAL]
    minutes = {
        days: (run.record.finished_at - run.record.started_at) / timedelta(minutes=1)
        for days, run in runs.items()
    }
    usual = statistics.median(minutes.values())
    assert minutes[SLOW] > 2.5 * usual
    assert all(m < 1.2 * usual for days, m in minutes.items() if days != SLOW)
    # The day before extracted every user; the org changes by a user or two a day.
    assert abs(runs[PARTIAL].rows - PARTIAL_SHARE * runs[PARTIAL + 1].rows) <= 2


def test_the_breakers_stop_the_partial_extract_before_dbt(result):
    day = result.fortnight.day(Incident.PARTIAL_EXTRACT)
    record = day.run.record
    assert [(stage.state, stage.failed) for stage in record.stages] == [
        ("RunGlueJob", False), ("ValidateIngestion", True),
    ]  # fmt: skip
    failed = {
        check["name"]
        for check in record.output_of("ValidateIngestion")["checks"]
        if not check["passed"]
    }
    assert failed == {"extract_volume_drop", "mass_deletion"}
    assert day.run.invocations_of(dbt_runner_name(SETTINGS.environment.value)) == 0
    (alert,) = day.alerts
    assert (alert.route, alert.attributes["error_type"]) == (
        AlertRoute.CRITICAL, ErrorType.EXTRACT_BREAKER_TRIPPED,
    )  # fmt: skip
    cause = "\n".join(report.root_cause(alert))
    assert "extract_volume_drop: observed" in cause and "mass_deletion: observed" in cause
    # dbt snapshotted every other run's extract, never the partial one.
    extract_at = result.fortnight.schedule.run_at(PARTIAL) + EXTRACT_AFTER_START
    succeeded = [d for d in result.fortnight.days if d.run and not d.run.record.failed]
    assert len(result.fortnight.snapshotted) == len(succeeded)
    naive = extract_at.replace(tzinfo=None)
    assert naive - timedelta(days=1) in result.fortnight.snapshotted
    assert naive not in result.fortnight.snapshotted


def test_the_handlers_stamped_each_run_with_its_replayed_time(result):
    processed = result.store.stream(SPECS[AlarmKey.RECORD_VOLUME_BAND].watches)
    # Only runs that reach PublishMetrics report their records: not the breaker's day.
    runs = [day.run for day in result.fortnight.days if day.run]
    starts = [run.record.started_at for run in runs if not run.record.failed]
    healthy = result.runs[0].run.record.started_at
    assert list(processed.timestamps) == [*starts, healthy]


# Published only when the error handler falls back; the fortnight has no such fault.
ONLY_ON_FAULTS = {Metric.ALERT_FALLBACKS.name}


def test_every_panel_has_data_for_every_metric(result):
    for spec in widget_specs(SETTINGS):
        for metric in spec.metrics:
            if metric.metric_name not in ONLY_ON_FAULTS:
                assert result.store.stream(metric).timestamps, (spec.title, metric.metric_name)
        assert spec.kind == "log" or any(result.store.stream(m).timestamps for m in spec.metrics)


def test_what_aws_publishes_is_simulated_and_only_that(result):
    simulated = {
        (metric.namespace, metric.metric_name)
        for spec in widget_specs(SETTINGS)
        for metric in spec.metrics
        if is_simulated(metric.namespace, metric.metric_name)
    }
    assert {namespace for namespace, _ in simulated} == {
        "AWS/States",
        "Glue",
        "AWS/Lambda",
        "SfUserPipeline",
    }
    assert {name for namespace, name in simulated if namespace == "SfUserPipeline"} == {
        Metric.ATHENA_BYTES_SCANNED.name
    }


def test_the_record_volume_band_is_learned_and_no_reported_day_falls_outside_it(result):
    spec = SPECS[AlarmKey.RECORD_VOLUME_BAND]
    assert isinstance(spec.watches, MetricSpec) and isinstance(spec.threshold, AnomalyBand)
    period = timedelta(seconds=spec.period_seconds)
    series = period_values(result.store.stream(spec.watches), spec.watches.statistic, period)
    bands = [(end, value, result.board.band(spec, end)) for end, value in series]
    assert sum(band is not None for _, _, band in bands) >= HISTORY_DAYS // 2
    assert all(band[0] <= value <= band[1] for _, value, band in bands if band is not None)
    # The partial day never reported its records: its run stopped before PublishMetrics.
    partial_start = result.fortnight.day(Incident.PARTIAL_EXTRACT).run.record.started_at
    assert not any(end - period < partial_start <= end for end, _, _ in bands)


def test_the_timeline_shows_which_alarms_fired_on_which_days_and_nothing_else(result):
    schedule = result.fortnight.schedule
    fired = {
        timeline.key: {schedule.days_ago(interval.start) for interval in timeline.alarms}
        for timeline in result.board.timelines
        if timeline.alarms
    }
    assert fired == EXPECTED_FIRINGS


def test_missed_run_clears_when_the_next_run_succeeds(result):
    missed, stopped = result.board.timeline(SPECS[AlarmKey.MISSED_RUN].name).alarms
    runs = {day.days_ago: day.run for day in result.fortnight.days}
    assert missed.end == runs[MISSED - 1].record.finished_at
    assert stopped.end == runs[PARTIAL - 1].record.finished_at
