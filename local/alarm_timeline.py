"""Each alarm's state over time, from the alarm specs the stack deploys and the datapoints in the
emulator (which stores metrics but evaluates no alarm).

An alarm evaluates, every minute, the windows of its own period that end then, one per period of
its evaluation range (`alarm_evaluation`): its statistic of each window's datapoints, compared
with its threshold, under its evaluation periods, datapoints to alarm and missing-data policy. A
metric-math alarm compares its expression (a `SUM([...])` of its metrics, each by its own
statistic, as this project's alarms use) per window; a band alarm compares with the local
approximation of its band (`band_approximation`, trained on the earlier periods of the metric).
The state can only change when a datapoint enters or leaves a window, or a band learns a new
period, so evaluating at those moments gives every change. Before an alarm's evaluation periods
all lie after the first datapoint of the replay (`start`), it has INSUFFICIENT_DATA, as a newly
created alarm does; the replay has no data from before.

A composite alarm built by `any_in_alarm` is in ALARM while any of its children is.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from components.alarm_model import (
    AlarmSpec,
    Comparison,
    CompositeAlarmSpec,
    MetricMath,
    any_in_alarm,
    period_text,
)
from components.alarm_set import AlarmSet
from components.anomaly_band import AnomalyBand, BandComparison
from components.metrics import MetricSpec
from local.alarm_evaluation import AlarmState, alarm_state, breaches, evaluation_range, outside
from local.band_approximation import TRAINING_SPAN, Band, band
from local.metric_store import MetricStore, period_values, statistic

_SUM_EXPRESSION = re.compile(r"^SUM\(\[\s*([a-z]\w*(?:\s*,\s*[a-z]\w*)*)\s*\]\)$")
SYMBOL: Final = {
    Comparison.GREATER_OR_EQUAL: ">=",
    Comparison.GREATER: ">",
    Comparison.LESS: "<",
}


@dataclass(frozen=True)
class Interval:
    state: AlarmState
    start: datetime
    end: datetime


@dataclass(frozen=True)
class AlarmTimeline:
    name: str
    intervals: tuple[Interval, ...]
    key: str | None = None

    def state_at(self, moment: datetime) -> AlarmState:
        for interval in self.intervals:
            if interval.start <= moment < interval.end:
                return interval.state
        raise ValueError(f"{moment} is outside the timeline of {self.name}")

    @property
    def alarms(self) -> list[Interval]:
        return [interval for interval in self.intervals if interval.state is AlarmState.ALARM]


def _merged(changes: Iterable[tuple[datetime, AlarmState]], end: datetime) -> tuple[Interval, ...]:
    """Intervals from (moment, state) changes in time order, equal neighbours joined."""
    intervals: list[Interval] = []
    for moment, state in changes:
        if intervals and intervals[-1].state is state:
            continue
        if intervals:
            intervals[-1] = Interval(intervals[-1].state, intervals[-1].start, moment)
        intervals.append(Interval(state, moment, end))
    return tuple(intervals)


class MetricAlarm:
    """One `AlarmSpec` evaluated over the datapoints of `store`."""

    def __init__(self, spec: AlarmSpec, store: MetricStore) -> None:
        self.spec = spec
        self.period = timedelta(seconds=spec.period_seconds)
        self.periods = evaluation_range(spec.evaluation_periods)
        watched = spec.watches
        self._metrics = (
            {"m": watched} if isinstance(watched, MetricSpec) else _summed_metrics(watched)
        )
        self._streams = {query: store.stream(metric) for query, metric in self._metrics.items()}
        self._training: list[tuple[datetime, float]] = []
        if isinstance(spec.threshold, AnomalyBand):
            assert isinstance(watched, MetricSpec)  # AlarmSpec allows bands on one metric only
            self._training = period_values(self._streams["m"], watched.statistic, self.period)

    def value(self, end: datetime) -> float | None:
        """The watched value of the window (end - period, end]; None without datapoints."""
        start = end - self.period
        values = [
            statistic(metric.statistic, self._streams[query].values_in(start, end))
            for query, metric in self._metrics.items()
        ]
        present = [value for value in values if value is not None]
        return sum(present) if present else None

    def band(self, window_end: datetime) -> Band | None:
        """The band of the window ending at `window_end`, learned from the periods before it."""
        if not isinstance(self.spec.threshold, AnomalyBand):
            return None
        window_start = window_end - self.period
        ends = [moment for moment, _ in self._training]
        low = bisect.bisect_right(ends, window_start - TRAINING_SPAN)
        high = bisect.bisect_right(ends, window_start)
        training = [value for _, value in self._training[low:high]]
        return band(training, self.spec.threshold.width)

    def breaching(self, value: float | None, window_end: datetime) -> bool | None:
        if value is None:
            return None
        threshold, comparison = self.spec.threshold, self.spec.comparison
        if isinstance(comparison, BandComparison):
            learned = self.band(window_end)
            return learned is not None and outside(value, comparison, learned)
        assert isinstance(comparison, Comparison) and not isinstance(threshold, AnomalyBand)
        return breaches(value, comparison, threshold)

    def window_ends(self, moment: datetime) -> list[datetime]:
        """The ends of the evaluation range's windows at `moment`, oldest first."""
        return [moment - back * self.period for back in reversed(range(self.periods))]

    def evaluate(self, moment: datetime, current: AlarmState) -> AlarmState:
        return alarm_state(
            [self.breaching(self.value(end), end) for end in self.window_ends(moment)],
            evaluation_periods=self.spec.evaluation_periods,
            datapoints_to_alarm=self.spec.datapoints_to_alarm,
            treat_missing_data=self.spec.treat_missing_data,
            current=current,
        )

    def changes(self) -> set[datetime]:
        """Every moment a datapoint enters or leaves a window, or a band learns a period."""
        moments = {
            stamp + back * self.period
            for stream in self._streams.values()
            for stamp in stream.timestamps
            for back in range(self.periods + 1)
        }
        moments |= {
            learned + (back + 1) * self.period
            for learned, _ in self._training
            for back in range(self.periods)
        }
        return moments

    def timeline(self, start: datetime, end: datetime) -> AlarmTimeline:
        """States over [start, end): INSUFFICIENT_DATA until the evaluation periods lie after
        `start`, then each evaluation's state."""
        first = min(start + self.spec.evaluation_periods * self.period, end)
        states = [(start, AlarmState.INSUFFICIENT_DATA)]
        state = AlarmState.INSUFFICIENT_DATA
        for moment in sorted({first} | {m for m in self.changes() if first < m < end}):
            state = self.evaluate(moment, state)
            states.append((moment, state))
        return AlarmTimeline(self.spec.name, _merged(states, end), self.spec.key)

    def describe(self, moment: datetime) -> str:
        """The latest datapoint the evaluation at `moment` sees, against the threshold."""
        spec = self.spec
        watched = spec.watches
        what = f"{watched.label if isinstance(watched, MetricMath) else watched.statistic}"
        what += f" over {period_text(spec.period_seconds)}"
        latest = next(
            (
                (end, value)
                for end in reversed(self.window_ends(moment))
                if (value := self.value(end)) is not None
            ),
            None,
        )
        if latest is None:
            return f"{what}: no data; missing data is {spec.treat_missing_data}"
        end, value = latest
        if isinstance(spec.threshold, AnomalyBand):
            learned = self.band(end)
            if learned is None:
                return f"{what}: {value:g}; the band is still learning (local approximation)"
            return (
                f"{what}: {value:g}; band {learned[0]:.4g} to {learned[1]:.4g}"
                f" (local approximation, {spec.comparison})"
            )
        assert isinstance(spec.comparison, Comparison)
        of = (
            f" in {spec.datapoints_to_alarm} of {spec.evaluation_periods} periods"
            if spec.evaluation_periods > 1
            else ""
        )
        return f"{what}: {value:g} (alarm when {SYMBOL[spec.comparison]} {spec.threshold:g}{of})"


def _summed_metrics(math: MetricMath) -> Mapping[str, MetricSpec]:
    """The metrics of a `SUM([a, b, ...])` expression, the only form this project's alarms use."""
    match = _SUM_EXPRESSION.match(math.expression)
    if match is None:
        raise ValueError(
            f"{math.label}: the local evaluator knows SUM([...]) of metrics,"
            f" not {math.expression!r}"
        )
    queries = [query.strip() for query in match.group(1).split(",")]
    unknown = [query for query in queries if query not in math.metrics]
    if unknown:
        raise ValueError(f"{math.expression}: no metric query {unknown}")
    return {query: math.metrics[query] for query in queries}


def composite_timeline(
    spec: CompositeAlarmSpec, children: Sequence[AlarmTimeline], end: datetime
) -> AlarmTimeline:
    """ALARM while any child is (the rule `any_in_alarm` writes), else OK."""
    if spec.rule != any_in_alarm(spec.children):
        raise ValueError(f"{spec.name}: the local evaluator knows 'any child in ALARM' rules only")
    watched = [child for child in children if child.name in spec.children]
    moments = sorted({interval.start for child in watched for interval in child.intervals})
    states = [
        (
            moment,
            AlarmState.ALARM
            if any(child.state_at(moment) is AlarmState.ALARM for child in watched)
            else AlarmState.OK,
        )
        for moment in moments
    ]
    return AlarmTimeline(spec.name, _merged(states, end), spec.key)


@dataclass(frozen=True)
class AlarmVerdict:
    name: str
    state: AlarmState
    detail: str


class AlarmBoard:
    """Every alarm of a stack (metric alarms, then composites) evaluated over [start, end)."""

    def __init__(
        self, alarms: AlarmSet, store: MetricStore, start: datetime, end: datetime
    ) -> None:
        self.start, self.end = start, end
        self._metric = [MetricAlarm(spec, store) for spec in alarms.metric_alarms]
        metric = [alarm.timeline(start, end) for alarm in self._metric]
        self._composites = alarms.composites
        self.timelines = metric + [composite_timeline(c, metric, end) for c in alarms.composites]

    def timeline(self, name: str) -> AlarmTimeline:
        return next(timeline for timeline in self.timelines if timeline.name == name)

    def band(self, spec: AlarmSpec, window_end: datetime) -> Band | None:
        """The band alarm `spec`'s band for the window ending at `window_end`."""
        alarm = next(alarm for alarm in self._metric if alarm.spec == spec)
        return alarm.band(window_end)

    def verdicts_at(self, moment: datetime) -> list[AlarmVerdict]:
        """Each alarm's state at `moment`, and what its evaluation then saw."""
        verdicts = [
            AlarmVerdict(alarm.spec.name, self.timeline(alarm.spec.name).state_at(moment),
                         alarm.describe(moment))
            for alarm in self._metric
        ]  # fmt: skip
        verdicts += [
            AlarmVerdict(
                composite.name,
                self.timeline(composite.name).state_at(moment),
                f"composite: ALARM while any of its {len(composite.children)} alarms is",
            )
            for composite in self._composites
        ]
        return verdicts
