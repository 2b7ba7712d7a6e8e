"""Throttling and 5xx from SNS, CloudWatch, Athena and S3: botocore retries with backoff up to
`aws_clients.MAX_ATTEMPTS`, then the handler raises; no alert is ever lost silently."""

from __future__ import annotations

from collections.abc import Iterator

import botocore.exceptions
import pytest
from moto import mock_aws

from handlers.aws_clients import MAX_ATTEMPTS
from tests.guardrails.faults import SERVER_ERROR, THROTTLE, inject
from tests.guardrails.programs import program
from tests.guardrails.world import (
    HandlerPath,
    forget_alerts,
    handler_paths,
    invoke,
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
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        invoke(run, _path(run, path))
    assert raised.value.response["ResponseMetadata"]["MaxAttemptsReached"] is True
    assert injector.attempts == MAX_ATTEMPTS and injector.delivered == []


FAILURES = 1_000
