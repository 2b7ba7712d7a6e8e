"""Anomaly-detection thresholds: an alarm compares its metric with CloudWatch's expected band.

Such an alarm is a metric-math alarm with two queries: the watched metric, and `band`,
`ANOMALY_DETECTION_BAND(<metric id>, <width>)`; `ThresholdMetricId` names the band
(`alarm_model.metric_alarm_inputs` builds them). CloudWatch trains the model for the metric and
statistic when the alarm is created (no separate detector resource); until it has about two
weeks of data the band is wide, which is why the static thresholds stay beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

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

    def expression(self, metric_id: str) -> str:
        return f"ANOMALY_DETECTION_BAND({metric_id}, {self.width:g})"
