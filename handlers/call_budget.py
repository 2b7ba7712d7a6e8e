"""How long one AWS call may take, retries included, and which budget fits a function's timeout.

A handler makes its AWS calls one after another (`HandlerSettings.AWS_CALLS` counts them), so the
worst case of an invocation is that count times the worst case of one call. One call under
botocore's `standard` retry mode (botocore/retries/standard.py) takes at most:

- per attempt: `connect_timeout + read_timeout` (the socket gives up after either);
- between attempts i and i+1: a jittered sleep of at most `min(2 ** (i - 1), 20)` seconds (the
  throttling scale, the larger one), raised by an `x-amz-retry-after` header by at most 5 s more.

`fitting` picks the first of `BUDGETS` whose worst case, times the calls, leaves `RESERVE_FRACTION`
of the timeout for everything that is not an AWS call (Powertools, building the alert, logging).
The stack applies it per function at preview (`components/handler_table.py`) and refuses a timeout
no budget fits, so a handler never retries past its own Lambda timeout and is killed silently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from botocore.config import Config

RETRY_MODE: Final = "standard"
MAX_BACKOFF_SECONDS: Final = 20.0  # botocore's ExponentialBackoff._MAX_BACKOFF
RETRY_AFTER_EXTRA_SECONDS: Final = 5.0  # ExponentialBackoff._RETRY_AFTER_MAX_ADDITIONAL
# The AWS SDKs' "in-region" smart-configuration default (connectTimeoutInMillis 1100): the
# handlers only call services in their own region.
CONNECT_TIMEOUT_SECONDS: Final = 1.1
RESERVE_FRACTION: Final = 0.1


@dataclass(frozen=True)
class CallBudget:
    """botocore's attempts and socket timeouts for every client of one handler."""

    max_attempts: int  # in total, the first attempt included
    connect_timeout: float
    read_timeout: float

    def config(self) -> Config:
        return Config(
            # botocore's `max_attempts` counts retries only; `total_max_attempts` every attempt.
            retries={"mode": RETRY_MODE, "total_max_attempts": self.max_attempts},
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
        )

    def backoff_seconds(self) -> float:
        """The longest total sleep between the attempts of one call."""
        return sum(
            min(2.0 ** (attempt - 1), MAX_BACKOFF_SECONDS) + RETRY_AFTER_EXTRA_SECONDS
            for attempt in range(1, self.max_attempts)
        )

    def worst_case_seconds(self) -> float:
        """The longest one call can take: every attempt timing out, every backoff at its cap."""
        per_attempt = self.connect_timeout + self.read_timeout
        return self.max_attempts * per_attempt + self.backoff_seconds()


# From the most patient to the least; every one still retries once (a throttle or a 5xx).
# Reads are small (a metric batch, one SNS message, one aggregate row): 2-5 s is ample.
BUDGETS: Final = (
    CallBudget(max_attempts=3, connect_timeout=CONNECT_TIMEOUT_SECONDS, read_timeout=5.0),
    CallBudget(max_attempts=2, connect_timeout=CONNECT_TIMEOUT_SECONDS, read_timeout=3.0),
    CallBudget(max_attempts=2, connect_timeout=CONNECT_TIMEOUT_SECONDS, read_timeout=2.0),
)
DEFAULT_BUDGET: Final = BUDGETS[0]


def reserve_seconds(timeout_seconds: float) -> float:
    """Time kept for what is not an AWS call."""
    return RESERVE_FRACTION * timeout_seconds


def worst_case_seconds(budget: CallBudget, calls: int, timeout_seconds: float) -> float:
    """`calls` sequential calls at their worst, plus the reserve: must not exceed the timeout."""
    return calls * budget.worst_case_seconds() + reserve_seconds(timeout_seconds)


def fitting(timeout_seconds: float, calls: int) -> CallBudget | None:
    """The most patient budget whose worst case fits `timeout_seconds`; None if none does."""
    return next(
        (b for b in BUDGETS if worst_case_seconds(b, calls, timeout_seconds) <= timeout_seconds),
        None,
    )


def minimum_timeout_seconds(calls: int) -> int:
    """The shortest timeout (whole seconds, as Lambda takes it) the least patient budget fits."""
    return math.ceil(calls * BUDGETS[-1].worst_case_seconds() / (1 - RESERVE_FRACTION))
