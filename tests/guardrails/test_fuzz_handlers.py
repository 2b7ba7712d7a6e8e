"""Hypothesis against each handler: only the declared validation errors escape, and the error
handler publishes one alert within SNS limits and returns a result a Step Functions state can
hold (`receipt.RESULT_MAX_BYTES`) for every input, hostile values in every position included.

CI runs FUZZ_EXAMPLES per handler; the slow run (`pytest -m slow`) and `python -m bench.fuzz` run
10,000. AWS calls are answered locally by botocore hooks (no emulator), Publish parameters are
captured, the error handler's de-duplication writes succeed (every input is a new failure),
and the validator queries the small DuckDB warehouse.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from handlers import aws_clients
from handlers.alerting import receipt
from handlers.contract import EnvVar, HandlerKey
from handlers.validation.errors import QueryEngineError
from tests.guardrails import fuzz
from tests.guardrails.faults import inject
from tests.guardrails.programs import program
from tests.guardrails.world import HANDLERS, LambdaContext, function_environment_applied, warehouse

FUZZ_EXAMPLES = 100
FULL_EXAMPLES = 10_000

# What each handler may raise for a bad event (its declared validation errors).
DECLARED: dict[HandlerKey, tuple[type[BaseException], ...]] = {
    HandlerKey.ERROR_HANDLER: (),  # garbage still alerts, as `unknown`
    HandlerKey.METRICS_PUBLISHER: (ValidationError,),
    HandlerKey.PIPELINE_VALIDATOR: (ValidationError, QueryEngineError),
}
EVENTS: dict[HandlerKey, st.SearchStrategy[Any]] = {
    HandlerKey.ERROR_HANDLER: fuzz.error_handler_events,
    HandlerKey.METRICS_PUBLISHER: fuzz.publisher_events,
    HandlerKey.PIPELINE_VALIDATOR: fuzz.validator_events,
}


@contextmanager
def answered_locally(handler: HandlerKey) -> Iterator[list[dict[str, Any]]]:
    """The function's environment from the program; SNS, CloudWatch and the idempotency
    table's writes answered in-process; every Publish request's parameters recorded."""
    published: list[dict[str, Any]] = []
    with function_environment_applied(program("dev"), handler), pytest.MonkeyPatch.context() as p:
        p.setenv(EnvVar.QUERY_ENGINE, "duckdb")
        p.setenv(EnvVar.DUCKDB_PATH, str(warehouse()))
        aws_clients.client("sns").meta.events.register(
            "provide-client-params.sns.Publish", lambda params, **_: published.append(params)
        )
        inject("sns", "Publish", lambda _: None, answer_success=True)
        inject("cloudwatch", "PutMetricData", lambda _: None, answer_success=True)
        for operation in ("PutItem", "UpdateItem", "DeleteItem"):
            inject("dynamodb", operation, lambda _: None, answer_success=True)
        yield published


@dataclass
class Largest:
    """The largest alert (SNS bytes: message and attributes) and result (JSON bytes) seen."""

    alert_bytes: int = 0
    result_bytes: int = 0


def check(
    handler: HandlerKey, event: Any, published: list[dict[str, Any]], largest: Largest
) -> None:
    before = len(published)
    context = LambdaContext(function_name=os.environ[EnvVar.POWERTOOLS_SERVICE_NAME])
    try:
        result = HANDLERS[handler](event, context)
    except DECLARED[handler]:
        return
    if handler is HandlerKey.ERROR_HANDLER:
        [params] = published[before:]
        assert fuzz.sns_limit_problems(params) == []
        result_bytes = len(json.dumps(result).encode())
        assert result_bytes <= receipt.RESULT_MAX_BYTES
        largest.alert_bytes = max(largest.alert_bytes, fuzz.publish_bytes(params))
        largest.result_bytes = max(largest.result_bytes, result_bytes)


def fuzz_handler(
    handler: HandlerKey, examples: int, events: st.SearchStrategy[Any] | None = None
) -> Largest:
    largest = Largest()

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(EVENTS[handler] if events is None else events)
    def run(event: Any) -> None:
        check(handler, event, published, largest)

    with answered_locally(handler) as published:
        run()
    return largest


@pytest.mark.parametrize("handler", list(HandlerKey), ids=str)
def test_hostile_events(handler, quiet_loggers):
    fuzz_handler(handler, FUZZ_EXAMPLES)


def every_position_with_every_hostile_value() -> Largest:
    """The exhaustive run: each kind of hostile value in each position of each real input."""
    largest = Largest()
    with answered_locally(HandlerKey.ERROR_HANDLER) as published:
        for event, path in fuzz.hostile_positions():
            for value in fuzz.every_hostile_value():
                check(
                    HandlerKey.ERROR_HANDLER, fuzz.replaced(event, path, value), published, largest
                )
    return largest


def test_a_hostile_value_in_any_position_of_a_real_failure_still_alerts(quiet_loggers):
    largest = fuzz_handler(HandlerKey.ERROR_HANDLER, FUZZ_EXAMPLES, fuzz.hostile_error_events)
    assert 0 < largest.result_bytes <= receipt.RESULT_MAX_BYTES
    assert 0 < largest.alert_bytes < fuzz.SNS_MESSAGE_MAX_BYTES


@pytest.mark.slow
def test_every_hostile_value_in_every_position_of_every_real_failure_still_alerts(quiet_loggers):
    largest = every_position_with_every_hostile_value()
    assert 0 < largest.result_bytes <= receipt.RESULT_MAX_BYTES


@pytest.mark.slow
@pytest.mark.parametrize("handler", list(HandlerKey), ids=str)
def test_ten_thousand_hostile_events(handler, quiet_loggers):
    fuzz_handler(handler, FULL_EXAMPLES)


def test_the_limits_check_catches_oversized_alerts():
    assert fuzz.sns_limit_problems({"Subject": "x" * 100, "Message": "m"})
    assert fuzz.sns_limit_problems({"Subject": "é", "Message": "m"})
    assert fuzz.sns_limit_problems({"Subject": "ok", "Message": "m" * fuzz.SNS_MESSAGE_MAX_BYTES})
    assert fuzz.sns_limit_problems({"Subject": "[HIGH] ok", "Message": "m"}) == []
