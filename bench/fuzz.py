"""Fuzz every handler with 10,000 hypothesis-generated hostile events (the issue's full count).

CI runs a smaller count (tests/guardrails/test_fuzz_handlers.py); this runs the full one and
prints examples per second. `python -m bench.fuzz [examples]`. Same property as the tests: only
the declared validation errors escape, and every error-handler input yields one SNS-valid alert.
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

from handlers.contract import HandlerKey
from tests.guardrails.test_fuzz_handlers import FULL_EXAMPLES, fuzz_handler


def main() -> int:
    examples = int(sys.argv[1]) if len(sys.argv) > 1 else FULL_EXAMPLES
    for handler in HandlerKey:
        started = time.perf_counter()
        fuzz_handler(handler, examples)
        elapsed = time.perf_counter() - started
        print(f"{handler.value:20s} {examples} events, no undeclared exception,"
              f" {examples / elapsed:,.0f} events/s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
