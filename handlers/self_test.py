"""The canary's self-test events: `{"self_test": true}` on a schedule.

Each handler answers one with a check of its own dependencies and returns; a self-test never
publishes pipeline metrics, so the canary cannot make a broken pipeline look healthy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers.contract import SELF_TEST_KEY


def requested(event: Any) -> bool:
    """True for the canary's event; only a literal `true` counts, so no payload trips it."""
    return isinstance(event, Mapping) and event.get(SELF_TEST_KEY) is True


def result(**detail: Any) -> dict[str, Any]:
    """A handler's answer to a self-test, marked as such."""
    return {SELF_TEST_KEY: True, "passed": True, **detail}
