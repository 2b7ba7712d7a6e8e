"""Injected SNS failures (100 in CI, 1,000 in the slow run) and not one alert lost. SNS and
CloudWatch are answered locally by botocore hooks; the de-duplication table is moto's, so a
failed publish must not leave a record that makes the redelivery look like a duplicate."""

from __future__ import annotations

import copy
import itertools
import json
import random
from collections.abc import Iterator
from typing import Any

import botocore.exceptions
import pytest
from moto import mock_aws

from handlers.contract import HandlerKey
from tests.guardrails.faults import SERVER_ERROR, THROTTLE, inject
from tests.guardrails.programs import program
from tests.guardrails.world import (
    HandlerPath,
    function_environment_applied,
    handler_paths,
    invoke,
    stack_world,
)
from tests.infra.pulumi_harness import StackRun

CI_FAILURES = 100
FULL_FAILURES = 1_000


@pytest.fixture
def run() -> Iterator[StackRun]:
    stack = program("dev")
    with mock_aws(), stack_world(stack):
        yield stack


def nth_failure(path: HandlerPath, n: int) -> HandlerPath:
    """The Glue catch of path, as the n-th distinct failure: its own job run and execution."""
    event: dict[str, Any] = copy.deepcopy(path.event)
    job_run = json.loads(event["error"]["Cause"])
    event["error"]["Cause"] = json.dumps({**job_run, "Id": f"jr_guardrails_{n}"})
    event["execution"]["Id"] = f"{event['execution']['Id']}-{n}"
    return HandlerPath(f"{path.name}-{n}", path.handler, event)


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
    # On the clients the error handler gets under its environment (they follow its call budget).
    with function_environment_applied(run, HandlerKey.ERROR_HANDLER):
        sns = inject(
            "sns", "Publish", lambda _: next(kinds) if chance.random() < 0.6 else None, True
        )
        inject("cloudwatch", "PutMetricData", lambda _: None, answer_success=True)
    # The small Glue catch: the point is the delivery loop, not URL-encoding big messages.
    [glue_catch] = [p for p in handler_paths(run) if p.name == "error-critical-route"]
    alerts = surfaced = 0
    while sns.injected < failures:
        path = nth_failure(glue_catch, alerts)
        for _ in range(100):  # the caller's retries
            delivered_before = len(sns.delivered)
            try:
                result = invoke(run, path)
            except botocore.exceptions.ClientError:
                surfaced += 1
                assert len(sns.delivered) == delivered_before  # raised only when not delivered
                continue
            assert len(sns.delivered) == delivered_before + 1, "returned without delivering"
            assert result["message_id"] and result["duplicate"] is False
            break
        else:
            pytest.fail(f"alert {alerts} never delivered")
        alerts += 1
    assert sns.injected >= failures
    assert len(sns.delivered) == alerts and surfaced > 0
