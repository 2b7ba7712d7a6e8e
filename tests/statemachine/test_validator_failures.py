"""What the reference state machine does with the validator's declared error, and that the
validator's docstrings say exactly that: they claim a Step Functions retry only if the definition
retries it."""

import re

import pytest

import statemachine
from handlers import pipeline_validator
from handlers.validation import errors
from handlers.validation.engines import athena
from handlers.validation.errors import QueryEngineError
from statemachine import Placeholder

VALIDATOR_ARN = "arn:aws:lambda:us-east-1:123456789012:function:validator"
CLAIMS_A_RETRY = re.compile(r"Step\s+Functions\s+retr", re.IGNORECASE)


@pytest.fixture(scope="module")
def validator_tasks() -> dict[str, dict]:
    substitutions = {name.value: f"{VALIDATOR_ARN}-{name.value}" for name in Placeholder}
    substitutions[Placeholder.PIPELINE_VALIDATOR_FUNCTION_ARN] = VALIDATOR_ARN
    states = statemachine.definition(substitutions)["States"]
    tasks = {
        name: state
        for name, state in states.items()
        if state.get("Parameters", {}).get("FunctionName") == VALIDATOR_ARN
    }
    assert tasks, "no task invokes the validator"
    return tasks


def _retried(state: dict) -> set[str]:
    return {error for retrier in state.get("Retry", []) for error in retrier["ErrorEquals"]}


def _retries_the_declared_error(state: dict) -> bool:
    return bool({QueryEngineError.__name__, "States.ALL", "States.TaskFailed"} & _retried(state))


def test_a_query_engine_error_is_caught_and_sent_to_the_error_handler(validator_tasks):
    for name, state in validator_tasks.items():
        catchers = [c for c in state["Catch"] if "States.ALL" in c["ErrorEquals"]]
        assert catchers, f"{name} lets the validator's error end the execution unreported"


@pytest.mark.parametrize("module", [athena, errors, pipeline_validator], ids=lambda m: m.__name__)
def test_docstrings_claim_a_step_functions_retry_only_if_the_definition_retries(
    module, validator_tasks
):
    retried = any(_retries_the_declared_error(state) for state in validator_tasks.values())
    claims = CLAIMS_A_RETRY.search(module.__doc__ or "") is not None
    assert claims == retried, module.__doc__
