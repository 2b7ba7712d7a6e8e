"""Injected SNS failures (100 in CI, 1,000 in the slow run) and not one alert lost. SNS and
CloudWatch are answered locally by botocore hooks; the de-duplication table is moto's, so a
failed publish must not leave a record that makes the redelivery look like a duplicate. On the
Catch path, the retry is the reference state machine's, run in moto's interpreter."""

from __future__ import annotations

import copy
import itertools
import json
import random
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from moto import mock_aws
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

import statemachine
from components.stack_file import stack_settings
from handlers.contract import ALERT_DELIVERY_ERROR, ErrorType, HandlerKey, function_name
from handlers.error_handler import AlertDeliveryError
from local.dbt_runner import DbtRunner
from local.emulator import Emulator, create_alert_inbox
from local.monitoring import (
    LOCAL_ENVIRONMENT,
    create_handler_tables,
    handler_environment,
    handler_path,
)
from local.moto_integrations import GlueRunOutcome
from local.stepfunctions_runner import PipelineComponents, local_pipeline
from tests.guardrails.faults import SERVER_ERROR, THROTTLE, inject, reject
from tests.guardrails.programs import function_named, program
from tests.guardrails.world import (
    HandlerPath,
    function_environment_applied,
    handler_paths,
    invoke,
    stack_world,
)
from tests.infra.pulumi_harness import STACKS, StackRun
from tests.statemachine.test_definition import notify_failure_delivery_retries

ENV = "sf-user-monitoring:environment"

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
            except AlertDeliveryError:
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


# ---- the Catch path: the reference state machine retries the error handler --------------------


@pytest.fixture
def asl_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits of moto's Step Functions Retry, recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr(retrier_decl, "time", SimpleNamespace(sleep=waits.append))
    return waits


def _notify_failures(history: list[dict[str, Any]]) -> list[str]:
    """The error of each failed NotifyFailure attempt, in order."""
    return [
        event["taskFailedEventDetails"]["error"]
        for event in history
        if event["type"] == "TaskFailed" and event["taskFailedEventDetails"]["resource"] == "invoke"
    ]


def test_a_publish_failure_on_the_catch_path_is_retried_by_the_state_machine(
    asl_waits, tmp_path, quiet_loggers
):
    """SNS refuses NotifyFailure's first publish: the handler raises AlertDeliveryError, the
    reference ASL retries it with backoff, and the alert is delivered once."""
    with mock_aws():
        cloud = Emulator(endpoint_url=None)
        inbox = create_alert_inbox(cloud, LOCAL_ENVIRONMENT)
        settings = stack_settings(LOCAL_ENVIRONMENT)
        environment = handler_environment(
            settings, HandlerKey.ERROR_HANDLER, inbox, tmp_path / "unused.duckdb"
        )
        create_handler_tables(cloud, environment)
        components = PipelineComponents(
            dbt_runner=DbtRunner(),
            pipeline_validator=handler_path(HandlerKey.PIPELINE_VALIDATOR),
            metrics_publisher=handler_path(HandlerKey.METRICS_PUBLISHER),
            error_handler=handler_path(HandlerKey.ERROR_HANDLER),
            environment=environment,
        )
        glue_fails = GlueRunOutcome("FAILED", "INVALID_SESSION_ID: Session expired")
        with pytest.MonkeyPatch.context() as patch:  # the client the handler gets (its budget)
            for variable, value in environment.items():
                patch.setenv(variable, value)
            sns = reject("sns", "Publish", lambda attempt: THROTTLE if attempt == 1 else None)
        with local_pipeline(components, lambda job, arguments: glue_fails) as pipeline:
            result = pipeline.run("publish-refused-once")
        (alert,) = inbox.drain()
    assert result.status == "FAILED" and result.error == ErrorType.GLUE_JOB_FAILURE
    assert alert.attributes["error_type"] == ErrorType.GLUE_JOB_FAILURE
    assert (sns.injected, len(sns.delivered)) == (1, 1)
    assert _notify_failures(result.history) == [ALERT_DELIVERY_ERROR]
    (retry,) = notify_failure_delivery_retries(statemachine.template()["States"])
    assert len(asl_waits) == 1 and 0 <= asl_waits[0] <= retry["IntervalSeconds"]


def test_the_retries_outlast_the_in_progress_mark_of_another_invocation():
    """A report that finds another invocation delivering the same alert raises AlertDeliveryError
    too; that invocation's mark lasts at most the function's timeout. The Retry's backoff, at
    its longest, spans twice the longest error-handler timeout of any stack."""
    (retry,) = notify_failure_delivery_retries(statemachine.template()["States"])
    delays = [
        min(retry["IntervalSeconds"] * retry["BackoffRate"] ** n, retry["MaxDelaySeconds"])
        for n in range(retry["MaxAttempts"])
    ]
    timeouts = [
        function_named(program(stack), function_name(program(stack).config[ENV], handler)).inputs[
            "timeout"
        ]
        for stack in STACKS
        for handler in [HandlerKey.ERROR_HANDLER]
    ]
    assert sum(delays) > 2 * max(timeouts), (delays, timeouts)
