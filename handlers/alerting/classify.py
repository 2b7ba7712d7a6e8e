"""Which error type a failure is, and how severe (pure).

A payload that names `error_type` is taken at its word, with one exception: a failed ingestion
validation named `validation_failure` or `data_quality_failure` (by a state machine that predates
the breaker type) whose failed checks include a circuit breaker is `extract_breaker_tripped`, so
it pages as the severity rule says and the Catch and the execution event agree on the identity.

Inference, first match wins, when the payload does not name `error_type`:

1. A Glue Job State Change event is a `glue_job_failure`.
2. Evidence in the Cause, then an error name, then evidence in the context:
   - a Glue JobRun in a failed state                  -> glue_job_failure
   - dbt run results with a failing model/snapshot      -> dbt_run_failure
   - dbt run results with a failing test                -> dbt_test_failure
   - a Lambda error mentioning `dbt test`               -> dbt_test_failure
   - a Lambda error mentioning `dbt run`/`build`/`dbt`  -> dbt_run_failure
   - a failed `scd_integrity` validator result         -> scd_validation_failure
   - a failed `ingestion` result with a failed circuit breaker (`contract.BreakerCheck`)
                                                         -> extract_breaker_tripped
   - a failed `ingestion` result whose data_quality_score is below the threshold
                                                         -> data_quality_failure
   - any other failed `ingestion` result                -> validation_failure
   - an Error named `Glue.*` (the Glue service integration) -> glue_job_failure
   - `States.Timeout`: the timed-out state's name (from the context) by keyword
3. Otherwise `unknown`.

Severity is `contract.ERROR_SEVERITY[error_type]`, downgraded to LOW when an operator stopped
the run (an ABORTED execution or a STOPPED Glue job run) and for the canary's test alert.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from handlers.alerting.evidence import Evidence, FailureEvidence
from handlers.alerting.inputs import Failure, Source
from handlers.contract import ERROR_SEVERITY, ErrorType, Severity, ValidationType
from handlers.dbt_results import failing_nodes

OPERATOR_STOPPED = frozenset({"ABORTED", "STOPPED"})
TIMEOUT_ERROR = "States.Timeout"
GLUE_ERROR_PREFIX = "Glue."
# What a state machine without the breaker type names a failed ingestion validation.
INGESTION_VALIDATION_TYPES = frozenset(
    {ErrorType.VALIDATION_FAILURE, ErrorType.DATA_QUALITY_FAILURE}
)

_DBT_TEST = re.compile(r"dbt[\s_\-]*test", re.IGNORECASE)
_DBT = re.compile(r"dbt", re.IGNORECASE)

# State-name keywords for a timed-out state, checked in order.
STATE_KEYWORDS: tuple[tuple[re.Pattern[str], ErrorType], ...] = (
    (re.compile(r"glue", re.I), ErrorType.GLUE_JOB_FAILURE),
    (_DBT_TEST, ErrorType.DBT_TEST_FAILURE),
    (_DBT, ErrorType.DBT_RUN_FAILURE),
    (re.compile(r"scd", re.I), ErrorType.SCD_VALIDATION_FAILURE),
    (re.compile(r"quality", re.I), ErrorType.DATA_QUALITY_FAILURE),
    (re.compile(r"valid", re.I), ErrorType.VALIDATION_FAILURE),
)


def _from_glue(evidence: Evidence) -> ErrorType | None:
    return ErrorType.GLUE_JOB_FAILURE if evidence.failed_glue_job_run else None


def _from_run_results(evidence: Evidence) -> ErrorType | None:
    failing = [node for results in evidence.run_results for node in failing_nodes(results)]
    if any(node.is_model for node in failing):
        return ErrorType.DBT_RUN_FAILURE
    if any(node.is_test for node in failing):
        return ErrorType.DBT_TEST_FAILURE
    return None


def _from_lambda_errors(evidence: Evidence) -> ErrorType | None:
    for error in evidence.lambda_errors:
        if _DBT_TEST.search(error.text):
            return ErrorType.DBT_TEST_FAILURE
        if _DBT.search(error.text):
            return ErrorType.DBT_RUN_FAILURE
    return None


def _from_validation(evidence: Evidence, data_quality_threshold: float) -> ErrorType | None:
    for output in evidence.failed_validations:
        if output.validation_type is ValidationType.SCD_INTEGRITY:
            return ErrorType.SCD_VALIDATION_FAILURE
        if output.tripped_breakers:
            return ErrorType.EXTRACT_BREAKER_TRIPPED
        score = output.data_quality_score
        if score is not None and score < data_quality_threshold:
            return ErrorType.DATA_QUALITY_FAILURE
        return ErrorType.VALIDATION_FAILURE
    return None


def from_evidence(evidence: Evidence, data_quality_threshold: float) -> ErrorType | None:
    rules: tuple[Callable[[Evidence], ErrorType | None], ...] = (
        _from_glue,
        _from_run_results,
        _from_lambda_errors,
        lambda found: _from_validation(found, data_quality_threshold),
    )
    return next((kind for rule in rules if (kind := rule(evidence)) is not None), None)


def from_state_names(names: tuple[str, ...]) -> ErrorType | None:
    for name in names:
        for pattern, kind in STATE_KEYWORDS:
            if pattern.search(name):
                return kind
    return None


def from_error_name(failure: Failure, context: Evidence) -> ErrorType | None:
    error = failure.error or ""
    if error.startswith(GLUE_ERROR_PREFIX):
        return ErrorType.GLUE_JOB_FAILURE
    if error == TIMEOUT_ERROR:
        return from_state_names(context.state_names)
    return None


def infer_error_type(
    failure: Failure, evidence: FailureEvidence, data_quality_threshold: float
) -> ErrorType:
    """The failure's error type: as given, else inferred (see the module docstring)."""
    if failure.error_type is not None:
        if failure.error_type in INGESTION_VALIDATION_TYPES and breaker_tripped(evidence):
            return ErrorType.EXTRACT_BREAKER_TRIPPED
        return failure.error_type
    if failure.source is Source.GLUE_EVENT:
        return ErrorType.GLUE_JOB_FAILURE
    return (
        from_evidence(evidence.cause, data_quality_threshold)
        or from_error_name(failure, evidence.context)
        or from_evidence(evidence.context, data_quality_threshold)
        or ErrorType.UNKNOWN
    )


def breaker_tripped(evidence: FailureEvidence) -> bool:
    """A failed validation in the Cause or the context has a failed circuit breaker."""
    return any(
        output.tripped_breakers
        for found in (evidence.cause, evidence.context)
        for output in found.failed_validations
    )


def operator_stopped(failure: Failure, evidence: FailureEvidence) -> bool:
    """An ABORTED execution or a STOPPED Glue run (from the event or the Cause's JobRun)."""
    if failure.status in OPERATOR_STOPPED:
        return True
    run = evidence.cause.failed_glue_job_run
    return run is not None and run.job_run_state in OPERATOR_STOPPED


def severity_for(error_type: ErrorType, failure: Failure, evidence: FailureEvidence) -> Severity:
    if failure.source is Source.SELF_TEST or operator_stopped(failure, evidence):
        return Severity.LOW
    return ERROR_SEVERITY[error_type]
