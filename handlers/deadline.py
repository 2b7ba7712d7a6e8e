"""When a handler must stop waiting: the Lambda's remaining time, less what must still run.

A wait that outlives the function is never reported: Lambda kills the invocation at its timeout,
and whatever the handler would have done on giving up (stop the Athena query, raise its declared
error) never happens. So a wait's deadline comes from `LambdaContext.get_remaining_time_in_millis()`
minus a margin that holds the AWS calls still to come, each at its worst case
(`handlers/call_budget.py`), and the reserve for everything else. One deadline serves the whole
invocation: a wait that more calls follow (a query before another) asks for the seconds left
keeping room for those too, and a later wait gets what the earlier ones left, never a fresh budget.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

from handlers.call_budget import CallBudget, worst_case_seconds


class RemainingTime(Protocol):
    """What a deadline reads of the Lambda context."""

    def get_remaining_time_in_millis(self) -> int: ...


class Deadline(Protocol):
    def seconds_left(self, calls_after: int = 0) -> float:
        """Seconds until the deadline, keeping room for `calls_after` more AWS calls than it was
        made for; zero or less once it has passed."""
        ...


@dataclass(frozen=True)
class LambdaDeadline:
    """The invocation's remaining time less `margin_seconds`, and less `call_seconds` for each
    call a waiter still has to make beyond those the margin holds."""

    context: RemainingTime
    margin_seconds: float
    call_seconds: float = 0.0

    @classmethod
    def keeping(cls, context: RemainingTime, budget: CallBudget, calls: int) -> LambdaDeadline:
        """Room for `calls` more AWS calls at their worst and the reserve of the whole
        invocation (taken from the time left now, at its start)."""
        remaining = context.get_remaining_time_in_millis() / 1000
        margin = worst_case_seconds(budget, calls, remaining)
        return cls(context, margin, budget.worst_case_seconds())

    def seconds_left(self, calls_after: int = 0) -> float:
        remaining = self.context.get_remaining_time_in_millis() / 1000
        return remaining - self.margin_seconds - calls_after * self.call_seconds


@dataclass(frozen=True)
class ElapsedDeadline:
    """`seconds` after creation on the monotonic clock (runs outside Lambda: the CLI). Nothing
    cuts the process short there, so `calls_after` needs no room."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def seconds_left(self, calls_after: int = 0) -> float:
        return self.seconds - (time.monotonic() - self.started)
