"""Hypothesis against each handler: only the declared validation errors escape, and the error
handler publishes one alert within SNS limits for every input.

CI runs FUZZ_EXAMPLES per handler; the slow run (`pytest -m slow`) and `python -m bench.fuzz` run
10,000. AWS calls are answered locally by botocore hooks (no emulator), Publish parameters are
captured, the error handler's de-duplication writes succeed (every input is a new failure),
and the validator queries the small DuckDB warehouse.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from handlers import aws_clients
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


def check(handler: HandlerKey, event: Any, published: list[dict[str, Any]]) -> None:
    before = len(published)
    context = LambdaContext(function_name=os.environ[EnvVar.POWERTOOLS_SERVICE_NAME])
    try:
        HANDLERS[handler](event, context)
    except DECLARED[handler]:
        return
    if handler is HandlerKey.ERROR_HANDLER:
        [params] = published[before:]
        assert fuzz.sns_limit_problems(params) == []


def fuzz_handler(handler: HandlerKey, examples: int) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(EVENTS[handler])
    def run(event: Any) -> None:
        check(handler, event, published)

    with answered_locally(handler) as published:
        run()


@pytest.mark.parametrize("handler", list(HandlerKey), ids=str)
def test_hostile_events(handler, quiet_loggers):
    fuzz_handler(handler, FUZZ_EXAMPLES)


@pytest.mark.slow
@pytest.mark.parametrize("handler", list(HandlerKey), ids=str)
def test_ten_thousand_hostile_events(handler, quiet_loggers):
    fuzz_handler(handler, FULL_EXAMPLES)


def test_the_limits_check_catches_oversized_alerts():
    assert fuzz.sns_limit_problems({"Subject": "x" * 100, "Message": "m"})
    assert fuzz.sns_limit_problems({"Subject": "é", "Message": "m"})
    assert fuzz.sns_limit_problems({"Subject": "ok", "Message": "m" * fuzz.SNS_MESSAGE_MAX_BYTES})
    assert fuzz.sns_limit_problems({"Subject": "[HIGH] ok", "Message": "m"}) == []
