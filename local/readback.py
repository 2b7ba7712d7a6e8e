"""Read the custom metrics back from the emulator's CloudWatch, one reading per metric stream.

A stream is a metric name with one exact set of dimensions, as ListMetrics returns it. A metric
an alarm watches is read with that alarm's statistic (a score as its Minimum, freshness as its
Maximum), any other as a Sum.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from components.alarm_model import AlarmSpec
from handlers.contract import NAMESPACE
from local.emulator import Emulator

DEFAULT_STAT = "Sum"


@dataclass(frozen=True)
class Reading:
    metric_name: str
    dimensions: Mapping[str, str]
    stat: str
    value: float

    @property
    def dimensions_text(self) -> str:
        return ", ".join(f"{name}={value}" for name, value in sorted(self.dimensions.items()))


def alarm_statistics(alarms: Iterable[AlarmSpec]) -> dict[str, str]:
    """Custom metric name -> the statistic the alarms watching it take."""
    return {
        metric.metric_name: metric.statistic
        for alarm in alarms
        for metric in alarm.metrics
        if metric.namespace == NAMESPACE
    }


def streams(emulator: Emulator) -> list[tuple[str, dict[str, str]]]:
    """Every (metric name, dimensions) in the namespace, sorted by name then dimensions."""
    paginator = emulator.client("cloudwatch").get_paginator("list_metrics")
    found = {
        (item["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in item["Dimensions"])))
        for page in paginator.paginate(Namespace=NAMESPACE)
        for item in page["Metrics"]
    }
    return [(name, dict(dimensions)) for name, dimensions in sorted(found)]


def read_back(
    emulator: Emulator, start: datetime, end: datetime, statistics: Mapping[str, str]
) -> list[Reading]:
    """One reading per stream with data in [start, end), in one period, with the statistic
    `statistics` names for it (`alarm_statistics`) or a Sum."""
    period = max(1, int((end - start).total_seconds()) + 1)
    readings = []
    for name, dimensions in streams(emulator):
        stat = statistics.get(name, DEFAULT_STAT)
        series = emulator.metric_series(
            NAMESPACE, name, dimensions, stat=stat, start=start, end=end, period_seconds=period
        )
        if series:
            readings.append(Reading(name, dimensions, stat, series[0][1]))
    return readings
