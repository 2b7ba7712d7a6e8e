"""Anomaly-detection thresholds: an alarm compares its metric with CloudWatch's expected band.

The alarm is a metric-math alarm with two queries: `m1`, the watched metric, and `band`,
`ANOMALY_DETECTION_BAND(m1, <width>)`; `ThresholdMetricId` names the band. Both queries return
data, as PutMetricAlarm requires for anomaly-detection alarms. CloudWatch trains the model for
the metric and statistic when the alarm is created (no separate detector resource); until it
has about two weeks of data the band is wide, which is why the static thresholds stay beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

METRIC_ID: Final = "m1"
BAND_ID: Final = "band"


class BandComparison(StrEnum):
    """The comparison operators CloudWatch allows against an anomaly-detection band."""

    BELOW = "LessThanLowerThreshold"
    ABOVE = "GreaterThanUpperThreshold"
    OUTSIDE = "LessThanLowerOrGreaterThanUpperThreshold"


@dataclass(frozen=True)
class AnomalyBand:
    """An alarm threshold that is the anomaly-detection band, `width` standard deviations wide."""

    width: float

    def __post_init__(self) -> None:
        if self.width <= 0:
            raise ValueError(f"an anomaly band needs a positive width, got {self.width}")

    @property
    def expression(self) -> str:
        return f"ANOMALY_DETECTION_BAND({METRIC_ID}, {self.width:g})"


def band_metric_queries(
    band: AnomalyBand,
    *,
    namespace: str,
    metric_name: str,
    dimensions: Mapping[str, str],
    statistic: str,
    period_seconds: int,
) -> list[dict[str, Any]]:
    """`metric_queries` of a Pulumi MetricAlarm comparing the metric with its band."""
    return [
        {
            "id": METRIC_ID,
            "return_data": True,
            "metric": {
                "namespace": namespace,
                "metric_name": metric_name,
                "dimensions": dict(dimensions),
                "stat": statistic,
                "period": period_seconds,
            },
        },
        {
            "id": BAND_ID,
            "return_data": True,
            "expression": band.expression,
            "label": f"{metric_name} (expected)",
        },
    ]
