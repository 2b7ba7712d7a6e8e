"""Read the custom metrics back from the emulator's CloudWatch, one reading per metric stream.

A stream is a metric name with one exact set of dimensions, as ListMetrics returns it. Scores are
read as their Minimum (the validator and the publisher both publish them), freshness as its
Maximum, everything else as a Sum.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from handlers.contract import METRICS_BY_NAME, NAMESPACE, Unit
from local.emulator import Emulator

STAT_BY_UNIT = {Unit.PERCENT: "Minimum", Unit.NONE: "Maximum"}
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


def statistic_for(metric_name: str) -> str:
    metric = METRICS_BY_NAME.get(metric_name)
    return STAT_BY_UNIT.get(metric.unit, DEFAULT_STAT) if metric else DEFAULT_STAT


def streams(emulator: Emulator) -> list[tuple[str, dict[str, str]]]:
    """Every (metric name, dimensions) in the namespace, sorted by name then dimensions."""
    paginator = emulator.client("cloudwatch").get_paginator("list_metrics")
    found = {
        (item["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in item["Dimensions"])))
        for page in paginator.paginate(Namespace=NAMESPACE)
        for item in page["Metrics"]
    }
    return [(name, dict(dimensions)) for name, dimensions in sorted(found)]


def read_back(emulator: Emulator, start: datetime, end: datetime) -> list[Reading]:
    """One reading per stream with data in [start, end), in one period."""
    period = max(1, int((end - start).total_seconds()) + 1)
    readings = []
    for name, dimensions in streams(emulator):
        stat = statistic_for(name)
        series = emulator.metric_series(
            NAMESPACE, name, dimensions, stat=stat, start=start, end=end, period_seconds=period
        )
        if series:
            readings.append(Reading(name, dimensions, stat, series[0][1]))
    return readings
