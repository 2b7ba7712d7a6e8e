"""When a handler must stop waiting: the Lambda's remaining time, less what must still run.

A wait that outlives the function is never reported: Lambda kills the invocation at its timeout,
and whatever the handler would have done on giving up (stop the Athena query, raise its declared
error) never happens. So a wait's deadline comes from `LambdaContext.get_remaining_time_in_millis()`
minus a margin that holds the AWS calls still to come, each at its worst case
(`handlers/call_budget.py`), and the reserve for everything else.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

from handlers.call_budget import CallBudget, reserve_seconds


class RemainingTime(Protocol):
    """What a deadline reads of the Lambda context."""

    def get_remaining_time_in_millis(self) -> int: ...


class Deadline(Protocol):
    def seconds_left(self) -> float:
        """Seconds until the deadline; zero or less once it has passed."""
        ...


@dataclass(frozen=True)
class LambdaDeadline:
    """The invocation's remaining time less `margin_seconds`."""

    context: RemainingTime
    margin_seconds: float

    @classmethod
    def keeping(cls, context: RemainingTime, budget: CallBudget, calls: int) -> LambdaDeadline:
        """Room for `calls` more AWS calls at their worst and the reserve of the whole
        invocation (taken from the time left now, at its start)."""
        remaining = context.get_remaining_time_in_millis() / 1000
        return cls(context, calls * budget.worst_case_seconds() + reserve_seconds(remaining))

    def seconds_left(self) -> float:
        return self.context.get_remaining_time_in_millis() / 1000 - self.margin_seconds


@dataclass(frozen=True)
class ElapsedDeadline:
    """`seconds` after creation on the monotonic clock (runs outside Lambda: the CLI)."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def seconds_left(self) -> float:
        return self.seconds - (time.monotonic() - self.started)
