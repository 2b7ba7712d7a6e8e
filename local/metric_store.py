"""Every datapoint the emulator's CloudWatch holds, by metric stream, and CloudWatch's statistics
over any window of them (pure once read).

A stream is a namespace, a metric name and one exact set of dimensions, as CloudWatch matches
them. The alarm timeline slides each alarm's windows over the datapoints' own timestamps, and the
preview aggregates them per widget period, over a fortnight. moto answers GetMetricData by
scanning every stored datapoint for every period (periods x datapoints: minutes for a fortnight
at one-minute resolution), so the store is read once, from moto's backend, the same in-process
state its server answers from.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from moto.cloudwatch.models import MetricDatum, cloudwatch_backends
from moto.core.models import DEFAULT_ACCOUNT_ID

from components.metrics import MetricSpec
from local.emulator import Emulator

StreamKey = tuple[str, str, frozenset[tuple[str, str]]]

STATISTICS: Final[Mapping[str, Callable[[Sequence[float]], float]]] = {
    "Sum": sum,
    "SampleCount": len,
    "Minimum": min,
    "Maximum": max,
    "Average": statistics.fmean,
}


def stream_key(metric: MetricSpec) -> StreamKey:
    return (metric.namespace, metric.metric_name, frozenset(metric.dimensions.items()))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class Stream:
    """One stream's datapoints, oldest first."""

    timestamps: tuple[datetime, ...] = ()
    values: tuple[float, ...] = ()

    def values_in(self, start: datetime, end: datetime) -> Sequence[float]:
        """The values timestamped in (start, end]."""
        low = bisect.bisect_right(self.timestamps, start)
        high = bisect.bisect_right(self.timestamps, end)
        return self.values[low:high]


def period_values(
    stream: Stream, statistic_name: str, period: timedelta
) -> list[tuple[datetime, float]]:
    """(period end, `statistic_name`) of every period holding datapoints, oldest first; periods
    are (end - period, end], aligned on the epoch as CloudWatch aligns them."""
    seconds = period.total_seconds()
    grouped: dict[int, list[float]] = {}
    for moment, value in zip(stream.timestamps, stream.values, strict=True):
        grouped.setdefault(math.ceil(moment.timestamp() / seconds), []).append(value)
    return [
        (datetime.fromtimestamp(index * seconds, UTC), float(STATISTICS[statistic_name](values)))
        for index, values in sorted(grouped.items())
    ]


def statistic(name: str, values: Sequence[float]) -> float | None:
    """CloudWatch's `name` statistic of `values`; None (no datapoint) when there are none."""
    if name not in STATISTICS:
        raise ValueError(f"statistic {name!r} is not one of {sorted(STATISTICS)}")
    return float(STATISTICS[name](values)) if values else None


class MetricStore:
    def __init__(self, streams: Mapping[StreamKey, Stream]) -> None:
        self._streams = dict(streams)

    @classmethod
    def from_samples(
        cls, samples: Mapping[StreamKey, Sequence[tuple[datetime, float]]]
    ) -> MetricStore:
        streams = {}
        for key, points in samples.items():
            ordered = sorted((_utc(moment), float(value)) for moment, value in points)
            streams[key] = Stream(
                tuple(moment for moment, _ in ordered), tuple(value for _, value in ordered)
            )
        return cls(streams)

    @classmethod
    def read(cls, emulator: Emulator) -> MetricStore:
        """Every single-value datapoint published to the emulator's CloudWatch in its region."""
        backend = cloudwatch_backends[DEFAULT_ACCOUNT_ID][emulator.region]
        samples: dict[StreamKey, list[tuple[datetime, float]]] = {}
        for datum in backend.metric_data:
            if not isinstance(datum, MetricDatum):  # statistic sets: nothing here publishes them
                continue
            dimensions = frozenset((str(d.name), str(d.value)) for d in datum.dimensions)
            key = (datum.namespace, datum.name, dimensions)
            samples.setdefault(key, []).append((datum.timestamp, datum.value))
        return cls.from_samples(samples)

    def stream(self, metric: MetricSpec) -> Stream:
        """The stream `metric` names; empty when nothing was published to it."""
        return self._streams.get(stream_key(metric), Stream())
