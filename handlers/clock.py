"""The one clock: every "now" in the handlers, the validator CLI, the demo and the benchmarks.

`now()` reads the system clock in UTC unless another clock is installed: tests freeze it
(`frozen`), the demo's history replay moves it. A handler reads it once per invocation and
passes that instant down, so one invocation never sees two different "nows", and the SQL,
metrics and alert links of a run all agree on the time. Nothing else reads the wall clock (a
guard test enforces it); durations use `time.perf_counter`, which is not a date.

Standard library only: shipped in the Lambda package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

Clock = Callable[[], datetime]
ClockT = TypeVar("ClockT", bound=Clock)


def system_clock() -> datetime:
    """The wall clock, timezone-aware UTC."""
    return datetime.now(UTC)


_installed: Clock = system_clock


def now() -> datetime:
    """The current instant from the installed clock, timezone-aware UTC."""
    moment = _installed()
    if moment.tzinfo is None:
        raise ValueError(f"the installed clock returned a naive datetime: {moment!r}")
    return moment.astimezone(UTC)


@contextmanager
def use(clock: ClockT) -> Iterator[ClockT]:
    """Install `clock` for the duration of the block, then restore the previous one."""
    global _installed  # noqa: PLW0603 - the seam is process-wide by design
    previous, _installed = _installed, clock
    try:
        yield clock
    finally:
        _installed = previous


@dataclass
class FrozenClock:
    """A clock that stands still until moved: `advance()` or `set()`."""

    moment: datetime

    def __post_init__(self) -> None:
        self.set(self.moment)

    def __call__(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError(f"a frozen clock needs a timezone-aware instant, got {moment!r}")
        self.moment = moment.astimezone(UTC)
        return self.moment

    def advance(self, delta: timedelta) -> datetime:
        return self.set(self.moment + delta)


@contextmanager
def frozen(at: datetime) -> Iterator[FrozenClock]:
    """Stop the clock at `at` for the duration of the block; the block may move it."""
    with use(FrozenClock(at)) as clock:
        yield clock
