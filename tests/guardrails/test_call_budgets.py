"""Every handler's AWS calls, each at its botocore worst case, fit its function's timeout.

Per stack and handler path, in moto with the function's own environment: count the AWS calls the
invocation makes (one after another), read the retry mode, attempts and socket timeouts of the
clients the handler really gets, and check calls x worst case + the reserve <= the timeout the
program gives the function. The validator's polls beyond the first are bounded by its deadline
(tests/guardrails/test_fault_injection.py proves that one), not by this sum.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from components.handler_table import HANDLERS
from handlers import aws_clients
from handlers.call_budget import RESERVE_FRACTION, CallBudget
from handlers.contract import function_name
from tests.guardrails.programs import function_named, program
from tests.guardrails.world import (
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


def test_each_handlers_sequential_calls_fit_its_timeout(run):
    environment = run.config["sf-user-monitoring:environment"]
    calls: list[str] = []
    for path in handler_paths(run):
        forget_alerts(run)
        with function_environment_applied(run, path.handler):
            budgets = {service: _client_budget(service) for service in SERVICES}
            for service in SERVICES:  # once per client: clients are cached
                aws_clients.client(service).meta.events.register(
                    "before-call", lambda model, **_: calls.append(model.name), "count-calls"
                )
        calls.clear()
        invoke(run, path)
        timeout = function_named(run, function_name(environment, path.handler)).inputs["timeout"]
        worst = max(b.worst_case_seconds() for b in budgets.values())
        needed = len(calls) * worst + RESERVE_FRACTION * timeout
        assert needed <= timeout, (path.name, calls, budgets["sns"], timeout)
        # The count the stack sized the budget for covers what the handler really does.
        assert len(calls) <= HANDLERS[path.handler].model.AWS_CALLS, (path.name, calls)
