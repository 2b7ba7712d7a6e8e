"""Every handler's AWS calls, each at its botocore worst case, fit its function's timeout.

Per stack and handler path (and the paths under a fault of the world around them, such as the
de-duplication table gone), in moto with the function's own environment: count the AWS calls the
invocation makes (one after another), read the retry mode, attempts and socket timeouts of the
clients the handler really gets, and check calls x worst case + the reserve <= the timeout the
program gives the function. The validator's polls beyond the first are bounded by its deadline
(tests/guardrails/test_fault_injection.py proves that one), not by this sum.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext

import pytest
from moto import mock_aws

from components.handler_table import HANDLERS
from handlers import aws_clients
from handlers.call_budget import RESERVE_FRACTION, CallBudget
from handlers.contract import function_name
from tests.guardrails.programs import function_named, program
from tests.guardrails.world import (
    HandlerPath,
    fault_paths,
    forget_alerts,
    function_environment_applied,
    handler_paths,
    invoke,
    stack_world,
)
from tests.infra.pulumi_harness import STACKS, StackRun

SERVICES = ("athena", "cloudwatch", "dynamodb", "s3", "sns")


@pytest.fixture(params=STACKS)
def run(request: pytest.FixtureRequest) -> Iterator[StackRun]:
    stack = program(request.param)
    with mock_aws(), stack_world(stack):
        yield stack


def _client_budget(service: str) -> CallBudget:
    """What the client the handler gets for `service` is configured to do."""
    config = aws_clients.client(service).meta.config
    assert config.retries["mode"] == "standard", config.retries
    return CallBudget(
        max_attempts=config.retries["total_max_attempts"],
        connect_timeout=config.connect_timeout,
        read_timeout=config.read_timeout,
    )


Fault = Callable[[StackRun], AbstractContextManager[object]]


def _cases(run: StackRun) -> list[tuple[HandlerPath, Fault]]:
    return [
        *((path, lambda _: nullcontext()) for path in handler_paths(run)),
        *((faulty.path, faulty.fault) for faulty in fault_paths(run)),
    ]


def test_each_handlers_sequential_calls_fit_its_timeout(run):
    environment = run.config["sf-user-monitoring:environment"]
    calls: list[str] = []
    for path, fault in _cases(run):
        forget_alerts(run)
        with function_environment_applied(run, path.handler):
            budgets = {service: _client_budget(service) for service in SERVICES}
            for service in SERVICES:  # once per client: clients are cached
                aws_clients.client(service).meta.events.register(
                    "before-call", lambda model, **_: calls.append(model.name), "count-calls"
                )
        with fault(run):  # its own set-up and clean-up calls are not the handler's
            calls.clear()
            invoke(run, path)
            made = list(calls)
        timeout = function_named(run, function_name(environment, path.handler)).inputs["timeout"]
        worst = max(b.worst_case_seconds() for b in budgets.values())
        needed = len(made) * worst + RESERVE_FRACTION * timeout
        assert needed <= timeout, (path.name, made, budgets["sns"], timeout)
        # The count the stack sized the budget for covers what the handler really does.
        assert len(made) <= HANDLERS[path.handler].model.AWS_CALLS, (path.name, made)
