"""A local stand-in for CloudWatch's anomaly-detection band: mean +- width x standard deviation.

CloudWatch's model (trend, daily and weekly seasonality) is not public. Locally, the band of a
period is the mean of the metric's earlier period values (its statistic per period, over the two
weeks CloudWatch trains on) plus and minus `width` standard deviations of them, with the same
`width` the alarm deploys. Until `MIN_TRAINING_POINTS` earlier values exist there is no band, and
an alarm on it does not breach. The deviation is at least `MIN_RELATIVE_SPREAD` of the mean, so a
steady series does not get a zero-width band that every small wobble would leave: CloudWatch's
band, too, keeps a width where the metric is nearly constant.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import timedelta
from typing import Final

MIN_TRAINING_POINTS: Final = 5
MIN_RELATIVE_SPREAD: Final = 0.05
TRAINING_SPAN: Final = timedelta(days=14)

Band = tuple[float, float]


def band(training: Sequence[float], width: float) -> Band | None:
    """(lower, upper) from the earlier values `training`; None until enough of them."""
    if len(training) < MIN_TRAINING_POINTS:
        return None
    mean = statistics.fmean(training)
    spread = max(statistics.stdev(training), MIN_RELATIVE_SPREAD * abs(mean))
    return mean - width * spread, mean + width * spread
