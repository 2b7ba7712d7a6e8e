"""Throttling and 5xx from SNS, CloudWatch, Athena and S3: botocore retries with backoff up to the
attempts of the function's call budget, then the handler raises; no alert is ever lost silently.
A missing, throttled or item-rejecting de-duplication table costs no alert either: the error
handler fails open. An Athena query that never finishes is stopped, with its declared error,
before Lambda's timeout; the ingestion validation's two queries share one deadline."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

import botocore.exceptions
import pytest
from moto import mock_aws
from moto.athena.models import AthenaBackend, athena_backends
from moto.moto_api import state_manager
from moto.sns.models import sns_backends

from handlers import aws_clients, pipeline_validator
from handlers.call_budget import MAX_BACKOFF_SECONDS, RESERVE_FRACTION, RETRY_AFTER_EXTRA_SECONDS
from handlers.contract import EnvVar, HandlerKey
from handlers.error_handler import AlertDeliveryError
from handlers.settings import HandlerSettings, load
from handlers.validation.engines.athena import Backoff
from handlers.validation.errors import QueryEngineError
from handlers.validation.settings import ValidatorSettings
from tests.guardrails.faults import ITEM_TOO_LARGE, SERVER_ERROR, THROTTLE, inject, reject
from tests.guardrails.programs import program
from tests.guardrails.world import (
    HandlerPath,
    dedupe_table_missing,
    forget_alerts,
    function_environment,
    function_environment_applied,
    handler_paths,
    invoke,
    stack_account,
    stack_world,
)
from tests.infra.pulumi_harness import StackRun

# (service, operation, the handler path that makes the call)
CALLS = [
    ("sns", "Publish", "error-critical-route"),
    ("cloudwatch", "PutMetricData", "publisher-inline"),
    ("athena", "StartQueryExecution", "validator-scd"),
    ("s3", "GetObject", "publisher-s3-artifacts"),
]


@pytest.fixture(scope="module")
def run() -> Iterator[StackRun]:
    stack = program("dev")
    with mock_aws(), stack_world(stack):
        yield stack


@pytest.fixture(autouse=True)
def _new_failure(run: StackRun) -> None:
    """Each test reports a failure the error handler has not alerted on yet (else the
    de-duplicated repeat would make no Publish call to fault)."""
    forget_alerts(run)


def _path(run: StackRun, name: str) -> HandlerPath:
    return next(p for p in handler_paths(run) if p.name == name)


def _attempts(run: StackRun, path: HandlerPath) -> int:
    """Every attempt the function's call budget allows one AWS call."""
    return load(HandlerSettings, function_environment(run, path.handler)).aws_call_max_attempts


@contextmanager
def _as(run: StackRun, handler: HandlerKey) -> Iterator[None]:
    """Faults go on the clients the handler gets under its own environment (clients follow its
    call budget)."""
    with function_environment_applied(run, handler):
        yield


@pytest.mark.parametrize("kind", [THROTTLE, SERVER_ERROR])
@pytest.mark.parametrize(("service", "operation", "path"), CALLS)
def test_transient_faults_are_retried_with_backoff_then_succeed(
    run, sleeps, service, operation, path, kind
):
    handler_path = _path(run, path)
    failures = _attempts(run, handler_path) - 1
    with _as(run, handler_path.handler):
        injector = inject(service, operation, lambda n: kind if n <= failures else None)
    invoke(run, handler_path)
    assert injector.delivered[0] == failures + 1  # the first call needed every attempt
    backoff = sleeps[:failures]
    longest = MAX_BACKOFF_SECONDS + RETRY_AFTER_EXTRA_SECONDS
    assert len(backoff) == failures and all(0 < delay <= longest for delay in backoff), sleeps


@pytest.mark.parametrize("kind", [THROTTLE, SERVER_ERROR])
@pytest.mark.parametrize(("service", "operation", "path"), CALLS)
def test_after_max_attempts_the_handler_fails_loudly(run, sleeps, service, operation, path, kind):
    handler_path = _path(run, path)
    with _as(run, handler_path.handler):
        injector = inject(service, operation, lambda attempt: kind)
    with pytest.raises(Exception) as raised:
        invoke(run, handler_path)
    error = raised.value
    # The handler's declared error (the error handler's is the one its callers retry).
    declared = {"sns": AlertDeliveryError, "athena": QueryEngineError}.get(service)
    if declared is not None:
        assert isinstance(error, declared) and operation in str(error)
        error = error.__cause__
    assert isinstance(error, botocore.exceptions.ClientError)
    assert error.response["ResponseMetadata"]["MaxAttemptsReached"] is True
    assert injector.attempts == _attempts(run, handler_path) and injector.delivered == []


FAILURES = 1_000


# ---- the de-duplication store fails open ------------------------------------------------------


def _published(run: StackRun) -> int:
    """Alerts moto's SNS accepted for the stack's critical topic."""
    env = function_environment(run, HandlerKey.ERROR_HANDLER)
    topic_arn = env[EnvVar.CRITICAL_TOPIC_ARN]
    backend = sns_backends[stack_account(run)][run.config["aws:region"]]
    return len(backend.topics[topic_arn].sent_notifications)


def _dedupe_fault(run: StackRun, fault: str) -> AbstractContextManager[object]:
    if fault == "missing":
        return dedupe_table_missing(run)
    with _as(run, HandlerKey.ERROR_HANDLER):
        if fault == "throttled":  # every attempt of every write
            throttled = [inject("dynamodb", op, lambda _: THROTTLE) for op in DEDUPE_WRITES]
            return nullcontext(throttled)
        rejected = reject("dynamodb", "UpdateItem", lambda _: ITEM_TOO_LARGE)  # the receipt's save
        return nullcontext(rejected)


DEDUPE_WRITES = ("PutItem", "UpdateItem", "DeleteItem")


@pytest.mark.parametrize("fault", ["missing", "throttled", "rejects the item"])
def test_an_unavailable_dedupe_store_still_delivers_the_alert_once(run, sleeps, fault):
    before = _published(run)
    with _dedupe_fault(run, fault):
        result = invoke(run, _path(run, "error-critical-route"))
    assert _published(run) == before + 1
    assert (result["dedupe"], result["duplicate"]) == ("unavailable", False)
    assert result["message_id"]


# ---- an Athena query that never finishes, with little time left in the invocation ----------

CONTEXT_SECONDS = 150  # well under the validator's 300 s timeout: the context decides


@dataclass
class ShortContext:
    """A Lambda context with `seconds` left at the start, less what the handler slept since."""

    function_name: str
    slept: list[float]
    seconds: float = CONTEXT_SECONDS
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:validator"
    aws_request_id: str = "short-context"

    def get_remaining_time_in_millis(self) -> int:
        return int((self.seconds - sum(self.slept)) * 1000)


@contextmanager
def real_time_limit(seconds: float) -> Iterator[None]:
    """Fail instead of waiting: every wait in the handler must be a recorded sleep."""

    def expire(*_: object) -> None:
        raise TimeoutError(f"the handler waited more than {seconds} s of real time")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def queries_never_finish(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each new query is RUNNING, and moto's state manager keeps it there however often it is
    described (manual progression that never reaches its count)."""
    started = AthenaBackend.start_query_execution  # the world's DuckDB answers

    def start_running(self: AthenaBackend, *args: Any, **kwargs: Any) -> str:
        query_id: str = started(self, *args, **kwargs)
        self.executions[query_id].status = "RUNNING"
        return query_id

    monkeypatch.setattr(AthenaBackend, "start_query_execution", start_running)
    state_manager.set_transition("athena::execution", {"progression": "manual", "times": 10**9})
    try:
        yield
    finally:
        state_manager.unset_transition("athena::execution")


def test_a_query_that_never_finishes_is_stopped_before_the_lambda_times_out(
    run, sleeps, queries_never_finish
):
    path = _path(run, "validator-scd")
    with function_environment_applied(run, path.handler):
        budget = aws_clients.call_budget()
        context = ShortContext(os.environ[EnvVar.POWERTOOLS_SERVICE_NAME], sleeps)
        with real_time_limit(10), pytest.raises(QueryEngineError, match="still RUNNING") as raised:
            pipeline_validator.handler(path.event, context)
    executions = athena_backends[stack_account(run)][run.config["aws:region"]].executions
    [execution] = [e for query_id, e in executions.items() if query_id in str(raised.value)]
    assert execution.status == "CANCELLED"  # StopQueryExecution was called
    waited = sum(sleeps)
    left = CONTEXT_SECONDS - waited
    # It polled until the deadline, and stopped with the time the calls after it may take.
    assert waited > 0 and left >= budget.worst_case_seconds(), (waited, budget)


# ---- the ingestion validation's two queries share the invocation's deadline ------------------

LOOKUP_POLLS = 10  # the columns lookup's polls before it succeeds: about 29 s of backoff


@pytest.fixture
def only_the_columns_lookup_finishes(
    monkeypatch: pytest.MonkeyPatch, queries_never_finish: None
) -> None:
    """On top of `queries_never_finish`: the columns lookup succeeds at its LOOKUP_POLLS-th poll."""
    described = AthenaBackend.get_query_execution
    polls: dict[str, int] = {}

    def describe(self: AthenaBackend, exec_id: str) -> Any:
        execution = described(self, exec_id)
        if "information_schema" in execution.query:
            polls[exec_id] = polls.get(exec_id, 0) + 1
            if polls[exec_id] >= LOOKUP_POLLS:
                execution.status = "SUCCEEDED"
        return execution

    monkeypatch.setattr(AthenaBackend, "get_query_execution", describe)


def _ingestion_until_stopped(run: StackRun, sleeps: list[float]) -> tuple[str, float, float]:
    """The ingestion validation with the whole timeout left: the query it stopped, the seconds
    left when it raised, and the worst case of one AWS call."""
    path = _path(run, "validator-ingestion")
    with function_environment_applied(run, path.handler):
        worst = aws_clients.call_budget().worst_case_seconds()
        context = ShortContext(os.environ[EnvVar.POWERTOOLS_SERVICE_NAME], sleeps, TIMEOUT_SECONDS)
        with real_time_limit(10), pytest.raises(QueryEngineError, match="still RUNNING") as raised:
            pipeline_validator.handler(path.event, context)
    stopped = str(raised.value).split("Athena query ", 1)[1].split(" ", 1)[0]
    return stopped, TIMEOUT_SECONDS - sum(sleeps), worst


TIMEOUT_SECONDS = 300  # the validator's default: both queries' calls fit only in the whole of it
RESERVE = RESERVE_FRACTION * TIMEOUT_SECONDS  # taken once, from the time left at the start


def test_the_columns_lookup_waits_leaving_the_aggregate_query_its_calls(
    run, sleeps, queries_never_finish
):
    stopped, left, worst = _ingestion_until_stopped(run, sleeps)
    assert stopped == "ingestion_columns"
    # Its own poll, results and the metrics, and the aggregate's start, poll and results.
    calls = ValidatorSettings.CALLS_AFTER_POLL_DEADLINE + ValidatorSettings.CALLS_PER_QUERY
    margin = calls * worst + RESERVE
    assert margin <= left <= margin + Backoff().cap, (left, margin)


def test_the_aggregate_query_gets_what_the_columns_lookup_left_not_a_fresh_budget(
    run, sleeps, only_the_columns_lookup_finishes
):
    stopped, left, worst = _ingestion_until_stopped(run, sleeps)
    assert stopped == "ingestion"
    lookup_waited = sum(sleeps[: LOOKUP_POLLS - 1])
    assert lookup_waited > 20 and sum(sleeps) > lookup_waited  # both queries waited
    # One deadline for the invocation: the same margin as a single query's, counted from the
    # start (a deadline taken afresh for the aggregate would keep a smaller reserve).
    margin = ValidatorSettings.CALLS_AFTER_POLL_DEADLINE * worst + RESERVE
    assert margin <= left <= margin + Backoff().cap, (left, margin)
