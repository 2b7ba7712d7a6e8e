"""The reference state machine is valid ASL, wired to the contract, and fully substituted."""

import json

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

import statemachine
from handlers import aws_clients, error_handler
from handlers.contract import ALERT_DELIVERY_ERROR, ErrorType, ValidationType
from handlers.validation.runner import ValidationReport
from statemachine import Placeholder

SUBSTITUTIONS = {
    Placeholder.GLUE_JOB_NAME: "sf-user-extract",
    Placeholder.PIPELINE_VALIDATOR_FUNCTION_ARN: "arn:aws:lambda:us-east-1:1:function:validator",
    Placeholder.DBT_RUNNER_FUNCTION_ARN: "arn:aws:lambda:us-east-1:1:function:dbt",
    Placeholder.METRICS_PUBLISHER_FUNCTION_ARN: "arn:aws:lambda:us-east-1:1:function:metrics",
    Placeholder.ERROR_HANDLER_FUNCTION_ARN: "arn:aws:lambda:us-east-1:1:function:errors",
}
LAMBDA_SERVICE_ERRORS = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
}
# The error type each stage reports when its task fails, and when its check reports passed=false.
TASK_ERROR_TYPE = {
    "RunGlueJob": ErrorType.GLUE_JOB_FAILURE,
    "ValidateIngestion": ErrorType.VALIDATION_FAILURE,
    "RunDbt": ErrorType.DBT_RUN_FAILURE,
    "TestDbt": ErrorType.DBT_TEST_FAILURE,
    "ValidateScd": ErrorType.VALIDATION_FAILURE,
    "PublishMetrics": ErrorType.UNKNOWN,
}
# The error type each Choice's failure branches report: its rules after the first (passed),
# then its Default.
FAILED_CHECK_ERROR_TYPES = {
    "IngestionPassed": [ErrorType.EXTRACT_BREAKER_TRIPPED, ErrorType.DATA_QUALITY_FAILURE],
    "ScdPassed": [ErrorType.SCD_VALIDATION_FAILURE],
}


@pytest.fixture(scope="module")
def states() -> dict:
    return statemachine.definition(SUBSTITUTIONS)["States"]


def _targets(state: dict) -> list[str]:
    targets = [state["Next"]] if "Next" in state else []
    targets += [catcher["Next"] for catcher in state.get("Catch", [])]
    targets += [choice["Next"] for choice in state.get("Choices", [])]
    targets += [state["Default"]] if "Default" in state else []
    return targets


def _recorded_error_type(states: dict, record_state: str) -> str:
    record = states[record_state]
    if "Result" in record:
        assert record["ResultPath"] == "$.failure.error_type"
        return record["Result"]
    assert record["ResultPath"] == "$.failure"
    return record["Parameters"]["error_type"]


def test_template_uses_exactly_the_declared_placeholders():
    assert statemachine.placeholders(statemachine.template()) == {p.value for p in Placeholder}


def test_substitution_leaves_no_placeholder_and_keeps_structure():
    hostile = {**SUBSTITUTIONS, Placeholder.GLUE_JOB_NAME: 'job", "Injected": "x'}
    rendered = statemachine.definition(hostile)
    assert statemachine.placeholders(rendered) == set()
    glue = rendered["States"]["RunGlueJob"]["Parameters"]
    assert glue == {"JobName": 'job", "Injected": "x'}
    assert json.loads(statemachine.definition_json(SUBSTITUTIONS))["StartAt"] == "RunGlueJob"


def test_missing_unknown_and_empty_substitutions_are_named():
    partial = dict(SUBSTITUTIONS)
    del partial[Placeholder.DBT_RUNNER_FUNCTION_ARN]
    with pytest.raises(ValueError, match=r"missing \['DbtRunnerFunctionArn'\]"):
        statemachine.definition({**partial, "Typo": "x"})
    with pytest.raises(ValueError, match=r"unknown \['Typo'\]"):
        statemachine.definition({**SUBSTITUTIONS, "Typo": "x"})
    with pytest.raises(ValueError, match=r"empty value for .*GlueJobName"):
        statemachine.definition({**SUBSTITUTIONS, Placeholder.GLUE_JOB_NAME: ""})


def test_every_transition_targets_an_existing_state_and_every_state_is_reachable(states):
    reachable, frontier = set(), ["RunGlueJob"]
    while frontier:
        name = frontier.pop()
        if name not in reachable:
            assert name in states, f"transition to missing state {name}"
            reachable.add(name)
            frontier += _targets(states[name])
    assert reachable == set(states)


def test_every_task_catches_everything_and_reports_its_stage(states):
    tasks = {name for name, state in states.items() if state["Type"] == "Task"}
    assert tasks == {*TASK_ERROR_TYPE, "NotifyFailure"}
    for name, error_type in TASK_ERROR_TYPE.items():
        (catcher,) = states[name]["Catch"]
        assert catcher["ErrorEquals"] == ["States.ALL"]
        assert catcher["ResultPath"] == "$.failure.error"
        assert _recorded_error_type(states, catcher["Next"]) == error_type
        assert states[catcher["Next"]]["Next"] == "NotifyFailure"


def test_failed_checks_route_to_the_error_handler_with_their_type(states):
    for name, error_types in FAILED_CHECK_ERROR_TYPES.items():
        choice = states[name]
        passed, *failures = choice["Choices"]
        assert passed["Variable"].endswith(".Payload.passed") and passed["BooleanEquals"] is True
        branches = [rule["Next"] for rule in failures] + [choice["Default"]]
        assert [_recorded_error_type(states, branch) for branch in branches] == error_types
        for branch in branches:
            failure = states[branch]["Parameters"]["error"]
            assert failure["Cause.$"].startswith("States.JsonToString(")
            assert states[branch]["Next"] == "NotifyFailure"


def test_a_tripped_breaker_has_its_own_branch_on_the_validators_flag_when_present(states):
    """The flag is the one the validator reports; a validator without it (older than the branch)
    goes to the data-quality branch instead of failing the Choice on a missing path."""
    _, breaker = states["IngestionPassed"]["Choices"]
    present, tripped = breaker["And"]
    flag = "$.validation.ingestion.Payload.breaker_tripped"
    assert present == {"Variable": flag, "IsPresent": True}
    assert tripped == {"Variable": flag, "BooleanEquals": True}
    report = ValidationReport(ValidationType.INGESTION, (), ())
    assert flag.rsplit(".", 1)[1] in report.as_dict()


def test_every_error_type_in_the_definition_is_a_contract_value(states):
    recorded = {_recorded_error_type(states, name) for name in states if name.startswith("Record")}
    assert recorded <= {error_type.value for error_type in ErrorType}
    choices = {error_type for types in FAILED_CHECK_ERROR_TYPES.values() for error_type in types}
    assert recorded == set(TASK_ERROR_TYPE.values()) | choices


def test_error_handler_gets_the_contract_event_and_always_ends_in_fail(states):
    notify = states["NotifyFailure"]
    assert (
        notify["Parameters"]["FunctionName"]
        == SUBSTITUTIONS[Placeholder.ERROR_HANDLER_FUNCTION_ARN]
    )
    assert notify["Parameters"]["Payload"] == {
        "error_type.$": "$.failure.error_type",
        "error.$": "$.failure.error",
        "execution.$": "$$.Execution",
        "context.$": "$",
    }
    assert notify["Next"] == "PipelineFailed"
    assert [c["Next"] for c in notify["Catch"]] == ["PipelineFailed"]
    assert states["PipelineFailed"]["Type"] == "Fail"


def test_lambda_tasks_use_the_optimised_integration_with_retries(states):
    lambda_tasks = [s for s in states.values() if s.get("Resource", "").endswith(":lambda:invoke")]
    assert len(lambda_tasks) == 6
    for state in lambda_tasks:
        assert "Payload" in state["Parameters"]
        assert state["ResultSelector"] == {"Payload.$": "$.Payload"}
        retry, *own = state["Retry"]
        assert set(retry["ErrorEquals"]) == LAMBDA_SERVICE_ERRORS
        if state is not states["NotifyFailure"]:
            assert own == []


def test_the_error_handler_task_retries_its_declared_delivery_error_with_backoff(states):
    """ "Raise so the caller retries" holds on the Catch path too: NotifyFailure retries the error
    the handler raises when the alert was not delivered (the window is checked against the
    function's timeout in tests/guardrails/test_no_alert_lost.py)."""
    (retry,) = notify_failure_delivery_retries(states)
    assert retry["ErrorEquals"] == [error_handler.AlertDeliveryError.__name__]
    assert retry["MaxAttempts"] > 1 and retry["BackoffRate"] > 1
    assert retry["JitterStrategy"] == "FULL"


def notify_failure_delivery_retries(states: dict) -> list[dict]:
    return [r for r in states["NotifyFailure"]["Retry"] if ALERT_DELIVERY_ERROR in r["ErrorEquals"]]


def test_state_accumulates_under_distinct_result_paths(states):
    paths = {name: states[name]["ResultPath"] for name in TASK_ERROR_TYPE}
    assert paths == {
        "RunGlueJob": "$.glue_job",
        "ValidateIngestion": "$.validation.ingestion",
        "RunDbt": "$.dbt.run",
        "TestDbt": "$.dbt.test",
        "ValidateScd": "$.validation.scd",
        "PublishMetrics": "$.metrics",
    }
    assert states["RunGlueJob"]["Resource"] == "arn:aws:states:::glue:startJobRun.sync"


def test_metrics_and_validator_payloads_follow_the_event_contract(states):
    metrics = states["PublishMetrics"]["Parameters"]["Payload"]
    assert metrics == {
        "execution.$": "$$.Execution",
        "status": "SUCCEEDED",
        "glue_job.$": "$.glue_job",
        "records.$": "$.validation.scd.Payload.records",
        "dbt": {"run.$": "$.dbt.run.Payload", "test.$": "$.dbt.test.Payload"},
        "validation": {
            "ingestion.$": "$.validation.ingestion.Payload",
            "scd.$": "$.validation.scd.Payload",
        },
    }
    for name, validation_type in (
        ("ValidateIngestion", "ingestion"),
        ("ValidateScd", "scd_integrity"),
    ):
        assert states[name]["Parameters"]["Payload"] == {
            "validation_type": validation_type,
            "execution.$": "$$.Execution",
            "glue_job.$": "$.glue_job",
        }


@pytest.mark.parametrize("execute", [True, False])
def test_moto_accepts_the_definition(execute):
    with mock_aws(config={"stepfunctions": {"execute_state_machine": execute}}):
        client = aws_clients.client("stepfunctions")
        arn = client.create_state_machine(
            name="sf-user-pipeline-test",
            definition=statemachine.definition_json(SUBSTITUTIONS),
            roleArn="arn:aws:iam::123456789012:role/states",
        )["stateMachineArn"]
        described = client.describe_state_machine(stateMachineArn=arn)
        assert json.loads(described["definition"]) == statemachine.definition(SUBSTITUTIONS)


def test_moto_asl_parser_rejects_a_broken_definition():
    """Guards the test above: the parser moto uses does validate."""
    broken = statemachine.definition(SUBSTITUTIONS)
    broken["States"]["IngestionPassed"]["Choices"][0].pop("BooleanEquals")
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = aws_clients.client("stepfunctions")
        # moto 5.2.5 raises InvalidDefinition without an error code; the message names the fault.
        with pytest.raises(ClientError, match="Expected a ComparisonFunction"):
            client.create_state_machine(
                name="broken", definition=json.dumps(broken), roleArn="arn:aws:iam::1:role/r"
            )
