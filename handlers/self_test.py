"""The canary's self-test event: exactly `contract.SELF_TEST_EVENT` (`{"self_test": true}`).

Each handler answers it with a check of its own dependencies and returns; a self-test never
publishes pipeline metrics, so the canary cannot make a broken pipeline look healthy. Only the
canary's exact event counts: a real event that also carries the key is handled as what it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers.contract import SELF_TEST_EVENT, SELF_TEST_KEY


def requested(event: Any) -> bool:
    """True for the canary's event and nothing else (`1` is not `true`, extra keys are not it)."""
    return (
        isinstance(event, Mapping)
        and event.keys() == SELF_TEST_EVENT.keys()
        and all(event[key] is value for key, value in SELF_TEST_EVENT.items())
    )


def result(**detail: Any) -> dict[str, Any]:
    """A handler's answer to a self-test, marked as such."""
    return {SELF_TEST_KEY: True, "passed": True, **detail}
