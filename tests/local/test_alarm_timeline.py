"""The alarm timeline: each deployed alarm spec evaluated over datapoints laid out by hand."""

import dataclasses
from datetime import timedelta

import pytest

from components.alarm_model import MetricMath
from components.alarm_set import alarm_set
from components.alarm_specs import AlarmKey
from components.metrics import MetricSpec
from components.stack_file import stack_settings
from local.alarm_evaluation import AlarmState, evaluation_range
from local.alarm_timeline import AlarmBoard, MetricAlarm
from local.band_approximation import MIN_TRAINING_POINTS
from local.metric_store import MetricStore, stream_key
from tests.frozen_time import ago

ALARMS = alarm_set(stack_settings("local"))
SPECS = {spec.key: spec for spec in ALARMS.metric_alarms}
START = ago(days=10)
END = ago(hours=0)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def _store(points):
    """`points`: [(MetricSpec, moment, value)]."""
    samples: dict = {}
    for metric, moment, value in points:
        samples.setdefault(stream_key(metric), []).append((moment, value))
    return MetricStore.from_samples(samples)


def _timeline(key, points):
    return MetricAlarm(SPECS[key], _store(points)).timeline(START, END)


def _alarms(timeline):
    return [(interval.start, interval.end) for interval in timeline.alarms]


def test_an_alarm_has_insufficient_data_until_its_evaluation_periods_lie_in_the_replay():
    spec = SPECS[AlarmKey.MISSED_RUN]
    timeline = _timeline(AlarmKey.MISSED_RUN, [])
    first = timeline.intervals[0]
    assert first.state is AlarmState.INSUFFICIENT_DATA
    assert first.end - first.start == spec.evaluation_periods * timedelta(
        seconds=spec.period_seconds
    )


def test_missed_run_fires_once_the_last_success_leaves_the_evaluation_range():
    spec = SPECS[AlarmKey.MISSED_RUN]
    successes = [START + timedelta(days=day, hours=5) for day in range(10) if day != 6]
    timeline = _timeline(AlarmKey.MISSED_RUN, [(spec.watches, s, 1.0) for s in successes])
    before, after = START + timedelta(days=5, hours=5), START + timedelta(days=7, hours=5)
    assert _alarms(timeline) == [(before + evaluation_range(spec.evaluation_periods) * HOUR, after)]


def test_an_event_alarm_fires_while_its_datapoint_is_in_the_range():
    spec = SPECS[AlarmKey.STEP_FUNCTIONS_FAILURE]
    failed = START + timedelta(days=3)
    timeline = _timeline(AlarmKey.STEP_FUNCTIONS_FAILURE, [(spec.watches, failed, 1.0)])
    period = timedelta(seconds=spec.period_seconds)
    assert _alarms(timeline) == [(failed, failed + evaluation_range(1) * period)]


def test_a_score_alarm_keeps_its_state_until_the_next_run_reports():
    spec = SPECS[AlarmKey.DATA_QUALITY]
    bad, good = START + timedelta(days=2), START + timedelta(days=3)
    threshold = spec.threshold
    points = [(spec.watches, bad, threshold - 5), (spec.watches, good, 100.0)]
    assert _alarms(_timeline(AlarmKey.DATA_QUALITY, points)) == [(bad, good)]


def test_metric_math_sums_its_metrics_each_by_its_own_statistic():
    spec = SPECS[AlarmKey.MONITORING_HANDLER_ERRORS]
    assert isinstance(spec.watches, MetricMath)
    first, second, *_ = spec.watches.metrics.values()
    quiet, failing = START + timedelta(days=2), START + timedelta(days=4)
    points = [
        (first, quiet, 0.0),
        (second, quiet, 0.0),
        (first, failing, 0.0),
        (second, failing, 1),
    ]
    (interval,) = MetricAlarm(spec, _store(points)).timeline(START, END).alarms
    assert interval.start == failing


def test_a_metric_math_alarm_beyond_sums_is_refused_by_name():
    spec = SPECS[AlarmKey.MONITORING_HANDLER_ERRORS]
    assert isinstance(spec.watches, MetricMath)
    odd = dataclasses.replace(spec, watches=dataclasses.replace(spec.watches, expression="m1 / m2"))
    with pytest.raises(ValueError, match="SUM"):
        MetricAlarm(odd, _store([]))


def _daily(metric: MetricSpec, values):
    return [(metric, START + timedelta(days=day, hours=5), v) for day, v in enumerate(values)]


def test_a_band_alarm_fires_outside_the_band_its_earlier_periods_learned():
    spec = SPECS[AlarmKey.RECORD_VOLUME_BAND]
    assert isinstance(spec.watches, MetricSpec)
    steady = [150.0 + day for day in range(MIN_TRAINING_POINTS + 1)]
    dropped = START + timedelta(days=len(steady), hours=5)
    timeline = _timeline(AlarmKey.RECORD_VOLUME_BAND, _daily(spec.watches, [*steady, 100.0]))
    (interval,) = timeline.alarms
    assert interval.start == dropped
    assert interval.end == dropped + evaluation_range(1) * timedelta(seconds=spec.period_seconds)


def test_a_band_alarm_does_not_fire_before_the_band_has_learned():
    spec = SPECS[AlarmKey.RECORD_VOLUME_BAND]
    assert isinstance(spec.watches, MetricSpec)
    early = [150.0] * (MIN_TRAINING_POINTS - 1) + [10.0]
    assert _timeline(AlarmKey.RECORD_VOLUME_BAND, _daily(spec.watches, early)).alarms == []


def test_the_rollup_is_in_alarm_exactly_while_a_child_is():
    failure, quality = SPECS[AlarmKey.STEP_FUNCTIONS_FAILURE], SPECS[AlarmKey.DATA_QUALITY]
    points = [
        (failure.watches, START + timedelta(days=2), 1.0),
        (quality.watches, START + timedelta(days=5), 50.0),
        (quality.watches, START + timedelta(days=6), 100.0),
    ]
    board = AlarmBoard(ALARMS, _store(points), START, END)
    (composite,) = ALARMS.composites
    children = [t for t in board.timelines if t.name in composite.children]
    rollup = board.timeline(composite.name)
    moments = {i.start + shift for t in children for i in t.intervals for shift in (0 * HOUR, HOUR)}
    for moment in sorted(m for m in moments if m < END):
        in_alarm = any(child.state_at(moment) is AlarmState.ALARM for child in children)
        assert (rollup.state_at(moment) is AlarmState.ALARM) is in_alarm, moment
    assert rollup.alarms


def test_verdicts_say_what_the_evaluation_saw():
    spec = SPECS[AlarmKey.SCD_INTEGRITY]
    moment = START + timedelta(days=4)
    board = AlarmBoard(ALARMS, _store([(spec.watches, moment, 96.5)]), START, END)

    def verdict(at, key=AlarmKey.SCD_INTEGRITY):
        return next(v for v in board.verdicts_at(at) if v.name == SPECS[key].name)

    assert verdict(moment).state is AlarmState.ALARM
    assert verdict(moment).detail == f"Minimum over 5 min: 96.5 (alarm when < {spec.threshold:g})"
    # An hour on, the score has left the evaluation range; missing data keeps the state.
    assert verdict(moment + HOUR).state is AlarmState.ALARM
    assert verdict(moment + HOUR).detail == "Minimum over 5 min: no data; missing data is ignore"
    missed = verdict(moment, AlarmKey.MISSED_RUN)
    assert (missed.state, missed.detail) == (
        AlarmState.ALARM,
        "Sum over 1 h: no data; missing data is breaching",
    )
