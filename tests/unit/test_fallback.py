"""The minimal alert: what is known still goes out when the full alert cannot be built."""

import pytest

from handlers.alerting import fallback
from handlers.contract import AlertRoute, ErrorType, Severity
from tests.guardrails import fuzz
from tests.handlers import events
from tests.unit.test_alert import CONFIG, HOSTILE, NOW

EVENTS = {
    "a Glue catch": events.glue_catch(),
    **HOSTILE,
    "a list": ["not", "an", "event"],
}


@pytest.mark.parametrize("event", EVENTS.values(), ids=EVENTS.keys())
def test_the_minimal_alert_pages_with_what_is_known(event):
    built = fallback.minimal(event, CONFIG, NOW, RecursionError("maximum recursion depth"))
    assert (built.error_type, built.severity, built.route) == (
        ErrorType.UNKNOWN,
        Severity.HIGH,
        AlertRoute.CRITICAL,
    )
    assert built.minimal
    publish = {"Subject": built.subject, "Message": built.sns_message,
               "MessageAttributes": built.message_attributes()}  # fmt: skip
    assert fuzz.sns_limit_problems(publish) == []
    assert "RecursionError: maximum recursion depth" in built.message
    assert "RAW DETAIL" in built.message and built.links["Runbook"]


def test_it_names_the_execution_and_keys_on_the_payload():
    event = events.glue_catch()
    built = fallback.minimal(event, CONFIG, NOW, ValueError("x"))
    assert events.EXECUTION_ARN in built.message
    again = fallback.minimal(events.glue_catch(), CONFIG, NOW, KeyError("y"))
    other = fallback.minimal(events.dbt_run_catch(), CONFIG, NOW, KeyError("y"))
    assert built.identity == again.identity != other.identity  # a retried delivery alerts once
