"""Time spans CloudWatch alarms are measured in, and PutMetricAlarm's longest evaluation range
(Period x EvaluationPeriods) for periods of an hour or more."""

from __future__ import annotations

from typing import Final

ONE_HOUR: Final = 3_600
ONE_DAY: Final = 86_400
MAX_EVALUATION_SECONDS: Final = 7 * ONE_DAY
