"""The suite's frozen "now", and fixture times as offsets from it.

Every test runs with `handlers.clock` frozen at FROZEN_NOW (the autouse fixture in
tests/conftest.py). Fixtures build their timestamps from it with these helpers, never from
calendar literals or the wall clock, so no test passes or fails depending on the day it runs:
`.ci/run` also runs the suite with the system clock shifted by faketime to prove it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

FROZEN_NOW: Final = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def ago(**delta: float) -> datetime:
    """The aware UTC instant `delta` (timedelta keywords) before the frozen now."""
    return FROZEN_NOW - timedelta(**delta)


def naive(moment: datetime) -> datetime:
    """Naive UTC, as the raw and SCD tables store timestamps."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def iso_z(moment: datetime, timespec: str = "milliseconds") -> str:
    """AWS's form of a UTC timestamp: `2026-11-26T02:00:00.123Z` (Step Functions), or with
    `timespec="seconds"` `2026-11-26T02:07:02Z` (EventBridge's `time`)."""
    return moment.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def sql_timestamp(moment: datetime) -> str:
    """A `TIMESTAMP '...'` literal of a naive-UTC or aware instant, for planting rows in SQL."""
    plain = naive(moment) if moment.tzinfo else moment
    return f"TIMESTAMP '{plain:%Y-%m-%d %H:%M:%S}'"
