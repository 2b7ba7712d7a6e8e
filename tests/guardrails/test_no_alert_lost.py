"""Injected SNS failures (250 in CI, 1,000 in the slow run) and not one alert lost. No emulator:
botocore's requests are answered locally, so only the handler and botocore itself run."""

from __future__ import annotations

import itertools
import random

import botocore.exceptions
import pytest

from tests.guardrails.faults import SERVER_ERROR, THROTTLE, inject
from tests.guardrails.programs import program
from tests.guardrails.world import handler_paths, invoke

CI_FAILURES = 250
FULL_FAILURES = 1_000


@pytest.fixture
def run():
    return program("dev")


def test_injected_failures_lose_no_alert(run, sleeps, quiet_loggers):
    _no_alert_lost(run, CI_FAILURES)


@pytest.mark.slow
def test_a_thousand_injected_failures_lose_no_alert(run, sleeps, quiet_loggers):
    _no_alert_lost(run, FULL_FAILURES)


def _no_alert_lost(run, failures: int) -> None:
    """Every failure event ends as a delivered alert or as a handler exception, which Step
    Functions' Retry (or the async invoke's retries and DLQ) redelivers; we redeliver the same
    way until the alert goes out. A returned result always means a delivered Publish."""
    chance = random.Random(6)
    kinds = itertools.cycle([THROTTLE, SERVER_ERROR])
    sns = inject("sns", "Publish", lambda _: next(kinds) if chance.random() < 0.6 else None, True)
    inject("cloudwatch", "PutMetricData", lambda _: None, answer_success=True)
    # The small Glue catch: the point is the delivery loop, not URL-encoding big messages.
    events = [p for p in handler_paths(run) if p.name == "error-critical-route"]
    alerts = surfaced = 0
    while sns.injected < failures:
        path = events[alerts % len(events)]
        for _ in range(100):  # the caller's retries
            delivered_before = len(sns.delivered)
            try:
                result = invoke(run, path)
            except botocore.exceptions.ClientError:
                surfaced += 1
                assert len(sns.delivered) == delivered_before  # raised only when not delivered
                continue
            assert len(sns.delivered) == delivered_before + 1, "returned without delivering"
            assert result["message_id"]
            break
        else:
            pytest.fail(f"alert {alerts} never delivered")
        alerts += 1
    assert sns.injected >= failures
    assert len(sns.delivered) == alerts and surfaced > 0
