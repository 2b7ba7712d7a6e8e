"""Fuzz every handler with FULL_EXAMPLES hypothesis-generated hostile events.

CI runs a smaller count (tests/guardrails/test_fuzz_handlers.py); this runs the full one and
prints examples per second. `python -m bench.fuzz [examples]`. Same property as the tests: only
the declared validation errors escape, and every error-handler input yields one SNS-valid alert
and a result a Step Functions state can hold. For the error handler it also runs every kind of
hostile value in every position of real failures, and prints the largest alert and result seen
against their limits.
"""

from __future__ import annotations

import os
import sys
import time

# Before the handlers are imported: their loggers read the level once.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_DEFAULT_REGION="us-east-1",
    POWERTOOLS_LOG_LEVEL="ERROR",
)

from handlers.alerting.receipt import RESULT_MAX_BYTES
from handlers.contract import HandlerKey
from tests.guardrails.fuzz import SNS_MESSAGE_MAX_BYTES
from tests.guardrails.test_fuzz_handlers import (
    FULL_EXAMPLES,
    Largest,
    every_position_with_every_hostile_value,
    fuzz_handler,
)


def _sizes(label: str, largest: Largest) -> str:
    return (f"{label:20s} largest alert {largest.alert_bytes:,} B"
            f" ({largest.alert_bytes / SNS_MESSAGE_MAX_BYTES:.2%} of SNS's limit), largest result"
            f" {largest.result_bytes:,} B ({largest.result_bytes / RESULT_MAX_BYTES:.0%} of the"
            f" {RESULT_MAX_BYTES:,} B budget)")  # fmt: skip


def main() -> int:
    examples = int(sys.argv[1]) if len(sys.argv) > 1 else FULL_EXAMPLES
    for handler in HandlerKey:
        started = time.perf_counter()
        largest = fuzz_handler(handler, examples)
        elapsed = time.perf_counter() - started
        print(f"{handler.value:20s} {examples} events, no undeclared exception,"
              f" {examples / elapsed:,.0f} events/s")  # fmt: skip
        if handler is HandlerKey.ERROR_HANDLER:
            print(_sizes("", largest))
    started = time.perf_counter()
    largest = every_position_with_every_hostile_value()
    print(f"every hostile value in every position of every real failure:"
          f" {time.perf_counter() - started:,.0f} s")  # fmt: skip
    print(_sizes("", largest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
