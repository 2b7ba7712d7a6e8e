"""How CloudWatch decides a metric alarm's state from its datapoints (pure).

Follows "How alarm state is evaluated when data is missing" (CloudWatch User Guide, alarms and
missing data). CloudWatch retrieves more periods than the alarm's evaluation periods (N), its
evaluation range, so that missing periods can be filled from older datapoints:

- With at least N real datapoints in the range, the N most recent real ones are evaluated; the
  missing-data policy is not used.
- With fewer, every real datapoint in the range is evaluated and the shortfall is filled by the
  policy: `breaching` or `notBreaching` datapoints; `missing` or `ignore` fill nothing.
- The alarm goes to ALARM when at least M (datapoints to alarm) of those are breaching, else OK.
  With `missing` and `ignore`, a real datapoint within the threshold makes it OK; with only
  breaching ones, fewer than M, `missing` still alarms when the oldest of them lies at least M
  periods back among the N most recent (CloudWatch's guard against premature alarms waits for
  that, not for M datapoints), and otherwise both keep the current state. With no real datapoint
  at all, `missing` gives INSUFFICIENT_DATA and `ignore` keeps the current state.

The size of the evaluation range is not documented beyond the guide's example (five periods
retrieved for an alarm of three); `EXTRA_PERIODS` takes that example's two.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Final

from components.alarm_model import Comparison, MissingData
from components.anomaly_band import BandComparison

EXTRA_PERIODS: Final = 2


class AlarmState(StrEnum):
    OK = "OK"
    ALARM = "ALARM"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


def evaluation_range(evaluation_periods: int) -> int:
    """How many periods back an alarm of `evaluation_periods` looks for datapoints."""
    return evaluation_periods + EXTRA_PERIODS


def breaches(value: float, comparison: Comparison, threshold: float) -> bool:
    if comparison is Comparison.GREATER_OR_EQUAL:
        return value >= threshold
    if comparison is Comparison.GREATER:
        return value > threshold
    return value < threshold


def outside(value: float, comparison: BandComparison, band: tuple[float, float]) -> bool:
    lower, upper = band
    if comparison is BandComparison.BELOW:
        return value < lower
    if comparison is BandComparison.ABOVE:
        return value > upper
    return value < lower or value > upper


def alarm_state(
    datapoints: Sequence[bool | None],
    *,
    evaluation_periods: int,
    datapoints_to_alarm: int,
    treat_missing_data: MissingData,
    current: AlarmState,
) -> AlarmState:
    """The state after one evaluation. `datapoints` covers the evaluation range, oldest first:
    whether each period's datapoint breaches, None for a period without one."""
    n, m = evaluation_periods, datapoints_to_alarm
    # (periods back, breaching) of the real datapoints, the most recent (1 period back) first.
    real = [(back, b) for back, b in enumerate(reversed(datapoints), start=1) if b is not None]
    if len(real) >= n:
        return AlarmState.ALARM if sum(b for _, b in real[:n]) >= m else AlarmState.OK
    breaching = sum(b for _, b in real)
    if treat_missing_data is MissingData.BREACHING:
        breaching += n - len(real)
    if breaching >= m:
        return AlarmState.ALARM
    filled = treat_missing_data in {MissingData.BREACHING, MissingData.NOT_BREACHING}
    if filled or breaching < len(real):
        return AlarmState.OK  # a real (or filled) datapoint within the threshold
    if not real:
        return current if treat_missing_data is MissingData.IGNORE else AlarmState.INSUFFICIENT_DATA
    oldest = max(back for back, _ in real)
    return (
        AlarmState.ALARM
        if treat_missing_data is MissingData.MISSING and m <= oldest <= n
        else current
    )
