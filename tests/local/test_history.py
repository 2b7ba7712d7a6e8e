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
from handlers.contract import Metric
from local.history import HISTORY_DAYS, INCIDENTS, PARTIAL_SHARE, Incident
from local.metric_store import period_values
from local.simulated_metrics import is_simulated
from local.stack_settings import stack_settings

SETTINGS = stack_settings("local")
SPECS = {spec.key: spec for spec in alarm_set(SETTINGS).metric_alarms}
DAY_OF = {incident: days_ago for days_ago, incident in INCIDENTS.items()}
MISSED, SLOW, LOW = (
    DAY_OF[i] for i in (Incident.MISSED_RUN, Incident.SLOW_RUN, Incident.LOW_VOLUME)
)
TODAY = 0
# Which alarms fire, and on which days (days ago), for the planted incidents and today's broken
# run. Every other alarm must not fire at all.
EXPECTED_FIRINGS = {
    AlarmKey.MISSED_RUN: {MISSED},
    AlarmKey.DURATION_BAND: {SLOW},
    AlarmKey.RECORD_VOLUME_BAND: {LOW},
    AlarmKey.STEP_FUNCTIONS_FAILURE: {TODAY},
    AlarmKey.DBT_RUNNER_ERROR: {TODAY},
    AlarmKey.SCD_INTEGRITY: {TODAY},
    AlarmKey.DATA_FRESHNESS: {TODAY},
    AlarmKey.PIPELINE_HEALTH: {MISSED, SLOW, LOW, TODAY},
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
    assert all(not run.record.failed for run in runs.values())
    minutes = {
        days: (run.record.finished_at - run.record.started_at) / timedelta(minutes=1)
        for days, run in runs.items()
    }
    usual = statistics.median(minutes.values())
    assert minutes[SLOW] > 2.5 * usual
    assert all(m < 1.2 * usual for days, m in minutes.items() if days != SLOW)
    # The day before extracted every user; the org changes by a user or two a day.
    assert abs(runs[LOW].rows - PARTIAL_SHARE * runs[LOW + 1].rows) <= 2


def test_the_handlers_stamped_each_run_with_its_replayed_time(result):
    processed = result.store.stream(SPECS[AlarmKey.RECORD_VOLUME_BAND].watches)
    starts = [day.run.record.started_at for day in result.fortnight.days if day.run]
    healthy = result.runs[0].run.record.started_at
    assert list(processed.timestamps) == [*starts, healthy]


def test_every_panel_has_data_for_every_metric(result):
    for spec in widget_specs(SETTINGS):
        for metric in spec.metrics:
            assert result.store.stream(metric).timestamps, (spec.title, metric.metric_name)


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


def test_the_record_volume_band_is_learned_and_the_low_day_falls_below_it(result):
    spec = SPECS[AlarmKey.RECORD_VOLUME_BAND]
    assert isinstance(spec.watches, MetricSpec) and isinstance(spec.threshold, AnomalyBand)
    period = timedelta(seconds=spec.period_seconds)
    series = period_values(result.store.stream(spec.watches), spec.watches.statistic, period)
    bands = [(end, value, result.board.band(spec, end)) for end, value in series]
    assert sum(band is not None for _, _, band in bands) >= HISTORY_DAYS // 2
    low_start = result.fortnight.day(Incident.LOW_VOLUME).run.record.started_at
    for end, value, band in bands:
        if band is not None:
            assert (value < band[0]) is (end - period < low_start <= end)


def test_the_timeline_shows_which_alarms_fired_on_which_days_and_nothing_else(result):
    schedule = result.fortnight.schedule
    fired = {
        timeline.key: {schedule.days_ago(interval.start) for interval in timeline.alarms}
        for timeline in result.board.timelines
        if timeline.alarms
    }
    assert fired == EXPECTED_FIRINGS


def test_missed_run_clears_when_the_next_run_succeeds(result):
    (missed,) = result.board.timeline(SPECS[AlarmKey.MISSED_RUN].name).alarms
    next_run = {day.days_ago: day.run for day in result.fortnight.days}[MISSED - 1]
    assert missed.end == next_run.record.finished_at
