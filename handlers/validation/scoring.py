"""Scores and tolerances: the arithmetic behind DataQualityScore and SCDIntegrityScore."""

from __future__ import annotations

import math

SCORE_DECIMALS = 2


def share_percent(passing: int, total: int) -> float:
    """Share of `total` that passes, in percent, rounded to 2 decimals.

    An empty population scores 0: no rows (or no users) is never a healthy result.
    """
    if total <= 0:
        return 0.0
    return round(100.0 * passing / total, SCORE_DECIMALS)


def tolerated_violations(total: int, threshold_percent: float) -> int:
    """How many of `total` may violate one rule while the share passing stays >= threshold.

    A row- or user-level rule passes on its own when its violations are within this number;
    e.g. 1,000 rows at 95 % tolerate 50, 5 users at 98 % tolerate none.
    """
    # The epsilon absorbs binary rounding (e.g. 100 * (100 - 99.9) / 100 = 0.0999...).
    return max(0, math.floor(total * (100.0 - threshold_percent) / 100.0 + 1e-9))
