import json

import pytest

from handlers.alerting.classify import infer_error_type, severity_for
from handlers.alerting.evidence import FailureEvidence
from handlers.alerting.inputs import normalise
from handlers.contract import ERROR_SEVERITY, ErrorType, Severity
from tests.handlers import events

THRESHOLD = 95.0


def _classify(event) -> ErrorType:
    failure = normalise(event)
    return infer_error_type(failure, FailureEvidence.of(failure), THRESHOLD)


def _severity(event) -> Severity:
    failure = normalise(event)
    evidence = FailureEvidence.of(failure)
    return severity_for(infer_error_type(failure, evidence, THRESHOLD), failure, evidence)


CLASSIFICATION = [
    ("glue JobRun in Cause", events.glue_catch(), ErrorType.GLUE_JOB_FAILURE),
    (
        "glue timeout JobRun",
        events.catch_payload(
            "States.TaskFailed", json.dumps(events.glue_job_run("TIMEOUT", "Job timed out"))
        ),
        ErrorType.GLUE_JOB_FAILURE,
    ),
    (
        "Glue service error name",
        events.catch_payload(
            "Glue.ConcurrentRunsExceededException",
            "Concurrent runs exceeded for sf-user-extract-dev",
        ),
        ErrorType.GLUE_JOB_FAILURE,
    ),
    ("dbt run_results with model error", events.dbt_run_catch(), ErrorType.DBT_RUN_FAILURE),
    ("dbt run_results with failing tests", events.dbt_test_catch(), ErrorType.DBT_TEST_FAILURE),
    (
        "Lambda error mentioning dbt test",
        events.catch_payload(
            "DbtTestFailed", events.lambda_error_cause("DbtTestFailed", "3 of 20 tests failed")
        ),
        ErrorType.DBT_TEST_FAILURE,
    ),
    (
        "Lambda error mentioning dbt run",
        events.catch_payload(
            "Exception", events.lambda_error_cause("Exception", "dbt run exited with code 1")
        ),
        ErrorType.DBT_RUN_FAILURE,
    ),
    (
        "Lambda error mentioning dbt build",
        events.catch_payload(
            "RuntimeError", events.lambda_error_cause("RuntimeError", "`dbt build` failed")
        ),
        ErrorType.DBT_RUN_FAILURE,
    ),
    (
        "ingestion check failed, score fine",
        events.validation_catch("ingestion", score=99.0, failed=1),
        ErrorType.VALIDATION_FAILURE,
    ),
    (
        "ingestion score below threshold",
        events.validation_catch("ingestion", score=91.5, failed=0),
        ErrorType.DATA_QUALITY_FAILURE,
    ),
    (
        "scd integrity failed",
        events.validation_catch("scd_integrity", score=97.0, failed=2),
        ErrorType.SCD_VALIDATION_FAILURE,
    ),
    (
        "ingestion circuit breakers tripped",
        events.catch_payload("ExtractBreakerTripped", json.dumps(events.tripped_breakers_output())),
        ErrorType.EXTRACT_BREAKER_TRIPPED,
    ),
    (
        "a tripped breaker outranks a low score",
        events.catch_payload(
            "IngestionValidationFailed", json.dumps(events.tripped_breakers_output(score=50.0))
        ),
        ErrorType.EXTRACT_BREAKER_TRIPPED,
    ),
    (
        "skipped breakers did not trip",
        events.catch_payload(
            "IngestionValidationFailed", json.dumps(events.tripped_breakers_output(skipped=True))
        ),
        ErrorType.VALIDATION_FAILURE,
    ),
    (
        "data_quality_failure named by an older state machine, breakers tripped",
        events.catch_payload(
            "IngestionValidationFailed",
            json.dumps(events.tripped_breakers_output()),
            error_type="data_quality_failure",
        ),
        ErrorType.EXTRACT_BREAKER_TRIPPED,
    ),
    (
        "validation_failure named, a tripped breaker in the context",
        events.catch_payload(
            "ValidationFailed",
            "see context",
            error_type="validation_failure",
            context={"validation": {"ingestion": events.tripped_breakers_output()}},
        ),
        ErrorType.EXTRACT_BREAKER_TRIPPED,
    ),
    (
        "the execution event of an older state machine's Fail agrees with its Catch",
        events.execution_status_change(
            "FAILED", "data_quality_failure", json.dumps(events.tripped_breakers_output())
        ),
        ErrorType.EXTRACT_BREAKER_TRIPPED,
    ),
    (
        "another named type is kept, whatever the evidence",
        events.catch_payload(
            "DbtTestsFailedError",
            "dbt test failed",
            error_type="dbt_test_failure",
            context={"validation": {"ingestion": events.tripped_breakers_output()}},
        ),
        ErrorType.DBT_TEST_FAILURE,
    ),
    (
        "validator output in the context",
        events.catch_payload(
            "ValidationFailed",
            "see context",
            context={
                "validation": {
                    "scd": events.validator_output("scd_integrity", passed=False, failed=1)
                }
            },
        ),
        ErrorType.SCD_VALIDATION_FAILURE,
    ),
    (
        "timeout in the Glue state",
        events.catch_payload("States.Timeout", None, context={"state": "RunGlueExtract"}),
        ErrorType.GLUE_JOB_FAILURE,
    ),
    (
        "timeout in the dbt test state",
        events.catch_payload("States.Timeout", None, context={"state": "RunDbtTests"}),
        ErrorType.DBT_TEST_FAILURE,
    ),
    (
        "timeout in the dbt run state",
        events.catch_payload("States.Timeout", None, context={"StateName": "DbtRun"}),
        ErrorType.DBT_RUN_FAILURE,
    ),
    (
        "timeout in the SCD validation",
        events.catch_payload("States.Timeout", None, context={"state": "ValidateSCD"}),
        ErrorType.SCD_VALIDATION_FAILURE,
    ),
    (
        "timeout in ingestion validation",
        events.catch_payload("States.Timeout", None, context={"state": "ValidateIngestion"}),
        ErrorType.VALIDATION_FAILURE,
    ),
    ("timeout with no state", events.catch_payload("States.Timeout", None), ErrorType.UNKNOWN),
    (
        "a passing validator is not evidence",
        events.catch_payload(
            "States.Runtime", "boom", context={"ingestion": events.validator_output("ingestion")}
        ),
        ErrorType.UNKNOWN,
    ),
    (
        "a succeeded JobRun is not evidence",
        events.catch_payload(
            "States.Runtime", "boom", context={"glue_job": events.glue_job_run("SUCCEEDED")}
        ),
        ErrorType.UNKNOWN,
    ),
    (
        "Cause evidence beats context evidence",
        events.catch_payload(
            "DbtCommandFailed",
            events.lambda_error_cause("DbtCommandFailed", "dbt test failed"),
            context={"glue_job": events.glue_job_run("FAILED", "old")},
        ),
        ErrorType.DBT_TEST_FAILURE,
    ),
    (
        "explicit error_type wins",
        events.catch_payload(
            "States.TaskFailed",
            json.dumps(events.glue_job_run("FAILED", "x")),
            error_type="dbt_run_failure",
        ),
        ErrorType.DBT_RUN_FAILURE,
    ),
    (
        "plain text cause",
        events.catch_payload("States.Runtime", "An error occurred"),
        ErrorType.UNKNOWN,
    ),
    ("nothing at all", {}, ErrorType.UNKNOWN),
    (
        "Glue state change event",
        events.glue_job_state_change("FAILED", "Job failed"),
        ErrorType.GLUE_JOB_FAILURE,
    ),
    (
        "execution event with Glue cause",
        events.execution_status_change(
            "FAILED", "States.TaskFailed", json.dumps(events.glue_job_run("FAILED", "OOM"))
        ),
        ErrorType.GLUE_JOB_FAILURE,
    ),
    ("execution timed out", events.execution_status_change("TIMED_OUT"), ErrorType.UNKNOWN),
    ("not a dict", ["garbage"], ErrorType.UNKNOWN),
]


@pytest.mark.parametrize(
    ("event", "expected"), [case[1:] for case in CLASSIFICATION], ids=[c[0] for c in CLASSIFICATION]
)
def test_classification(event, expected):
    assert _classify(event) == expected


def test_data_quality_threshold_decides_between_validation_and_quality():
    event = events.validation_catch("ingestion", score=96.0, failed=0)
    failure = normalise(event)
    evidence = FailureEvidence.of(failure)
    assert infer_error_type(failure, evidence, 95.0) is ErrorType.VALIDATION_FAILURE
    assert infer_error_type(failure, evidence, 97.0) is ErrorType.DATA_QUALITY_FAILURE


SEVERITY = [
    ("glue failure", events.glue_catch(), Severity.HIGH),
    (
        "tripped breaker",
        events.catch_payload(
            "ExtractBreakerTripped",
            json.dumps(events.tripped_breakers_output()),
            error_type="extract_breaker_tripped",
        ),
        Severity.HIGH,
    ),
    ("dbt test failure", events.dbt_test_catch(), Severity.MEDIUM),
    ("aborted execution", events.execution_status_change("ABORTED"), Severity.LOW),
    (
        "aborted execution with glue cause",
        events.execution_status_change(
            "ABORTED", "States.Aborted", json.dumps(events.glue_job_run("FAILED", "x"))
        ),
        Severity.LOW,
    ),
    ("timed out execution", events.execution_status_change("TIMED_OUT"), Severity.HIGH),
    (
        "stopped glue event",
        events.glue_job_state_change("STOPPED", "Job run stopped"),
        Severity.LOW,
    ),
    (
        "glue timeout event",
        events.glue_job_state_change("TIMEOUT", "Job run timed out"),
        Severity.HIGH,
    ),
    (
        "stopped JobRun in Cause",
        events.catch_payload("States.TaskFailed", json.dumps(events.glue_job_run("STOPPED"))),
        Severity.LOW,
    ),
    ("garbage", 42, Severity.HIGH),
]


@pytest.mark.parametrize(
    ("event", "expected"), [case[1:] for case in SEVERITY], ids=[c[0] for c in SEVERITY]
)
def test_severity_rule(event, expected):
    assert _severity(event) == expected


@pytest.mark.parametrize("error_type", list(ErrorType))
def test_severity_comes_from_the_contract_unless_stopped(error_type):
    event = events.catch_payload("States.TaskFailed", "x", error_type=error_type.value)
    assert _severity(event) == ERROR_SEVERITY[error_type]
