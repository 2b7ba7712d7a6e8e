"""Throttling and 5xx from SNS, CloudWatch, Athena and S3: botocore retries with backoff up to
`aws_clients.MAX_ATTEMPTS`, then the handler raises; no alert is ever lost silently. A missing,
throttled or item-rejecting de-duplication table costs no alert either: the error handler
fails open."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext

import botocore.exceptions
import pytest
from moto import mock_aws
from moto.sns.models import sns_backends

from handlers.aws_clients import MAX_ATTEMPTS
from handlers.contract import EnvVar, HandlerKey
from handlers.error_handler import AlertDeliveryError
from tests.guardrails.faults import ITEM_TOO_LARGE, SERVER_ERROR, THROTTLE, inject, reject
from tests.guardrails.programs import program
from tests.guardrails.world import (
    HandlerPath,
    dedupe_table_missing,
    forget_alerts,
    function_environment,
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


@pytest.mark.parametrize("kind", [THROTTLE, SERVER_ERROR])
@pytest.mark.parametrize(("service", "operation", "path"), CALLS)
def test_transient_faults_are_retried_with_backoff_then_succeed(
    run, sleeps, service, operation, path, kind
):
    failures = MAX_ATTEMPTS - 1
    injector = inject(service, operation, lambda attempt: kind if attempt <= failures else None)
    invoke(run, _path(run, path))
    assert injector.delivered[0] == MAX_ATTEMPTS  # the first call needed every attempt
    backoff = sleeps[:failures]
    assert len(backoff) == failures and all(0 < delay <= 20 for delay in backoff), sleeps


@pytest.mark.parametrize("kind", [THROTTLE, SERVER_ERROR])
@pytest.mark.parametrize(("service", "operation", "path"), CALLS)
def test_after_max_attempts_the_handler_fails_loudly(run, sleeps, service, operation, path, kind):
    injector = inject(service, operation, lambda attempt: kind)
    with pytest.raises(Exception) as raised:
        invoke(run, _path(run, path))
    error = raised.value
    if service == "sns":  # the error handler's declared error, which its callers retry
        assert isinstance(error, AlertDeliveryError)
        error = error.__cause__
    assert isinstance(error, botocore.exceptions.ClientError)
    assert error.response["ResponseMetadata"]["MaxAttemptsReached"] is True
    assert injector.attempts == MAX_ATTEMPTS and injector.delivered == []


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
    if fault == "throttled":  # every attempt of every write
        return nullcontext([inject("dynamodb", op, lambda _: THROTTLE) for op in DEDUPE_WRITES])
    return nullcontext(
        reject("dynamodb", "UpdateItem", lambda _: ITEM_TOO_LARGE)
    )  # the receipt's save


DEDUPE_WRITES = ("PutItem", "UpdateItem", "DeleteItem")


@pytest.mark.parametrize("fault", ["missing", "throttled", "rejects the item"])
def test_an_unavailable_dedupe_store_still_delivers_the_alert_once(run, sleeps, fault):
    before = _published(run)
    with _dedupe_fault(run, fault):
        result = invoke(run, _path(run, "error-critical-route"))
    assert _published(run) == before + 1
    assert (result["dedupe"], result["duplicate"]) == ("unavailable", False)
    assert result["message_id"]
