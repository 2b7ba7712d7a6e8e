"""A short, specific statement of what failed, extracted from the payload (pure).

- glue_job_failure: the job, run id, final state and Glue's ErrorMessage.
- dbt_*: the failing node ids with their status and message (or the dbt runner's error).
- validation types: each failed validator result's scores against the thresholds, and every
  failed check with observed vs threshold.
- extract_breaker_tripped: the tripped circuit breakers, each with observed vs threshold, then
  any other failed check.
- otherwise, or when the evidence is missing: the Step Functions Error and Cause.
Problems reading the payload are always appended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handlers.alerting.classify import TIMEOUT_ERROR
from handlers.alerting.evidence import FailureEvidence
from handlers.alerting.inputs import Failure
from handlers.contract import ErrorType, Thresholds
from handlers.dbt_results import failing_nodes
from handlers.validator_output import CheckResult, Observation, ValidatorOutput

MAX_LISTED = 20
DBT_TYPES = frozenset({ErrorType.DBT_RUN_FAILURE, ErrorType.DBT_TEST_FAILURE})
VALIDATION_TYPES = frozenset(
    {
        ErrorType.VALIDATION_FAILURE,
        ErrorType.DATA_QUALITY_FAILURE,
        ErrorType.SCD_VALIDATION_FAILURE,
    }
)


@dataclass(frozen=True)
class RootCause:
    summary: str  # one line, also the alert subject's tail
    details: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join((self.summary, *self.details))


def _listed(items: Sequence[str]) -> tuple[str, ...]:
    shown = [f"- {item}" for item in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        shown.append(f"- ... and {len(items) - MAX_LISTED} more")
    return tuple(shown)


def _glue(failure: Failure, evidence: FailureEvidence) -> RootCause | None:
    run = evidence.failed_glue_job_run
    if run is not None:
        message = run.error_message or "no ErrorMessage reported"
        return RootCause(
            f"Glue job {run.job_name} run {run.id} ended {run.job_run_state}: {message}"
        )
    if failure.glue_job_name:
        message = failure.cause or "no message reported"
        run_id = failure.glue_job_run_id or "(unknown run)"
        return RootCause(
            f"Glue job {failure.glue_job_name} run {run_id} ended {failure.status}: {message}"
        )
    return None


def _dbt(evidence: FailureEvidence) -> RootCause | None:
    for found in (evidence.cause, evidence.context):
        nodes = [node for results in found.run_results for node in failing_nodes(results)]
        if nodes:
            first = nodes[0].unique_id
            return RootCause(
                f"{len(nodes)} failing dbt node(s), first {first}",
                _listed([node.describe() for node in nodes]),
            )
        if found.lambda_errors:
            return RootCause(found.lambda_errors[0].text)
    return None


def _score_lines(output: ValidatorOutput, thresholds: Thresholds) -> list[str]:
    scores = (
        ("data_quality_score", output.data_quality_score, thresholds.data_quality_percent),
        ("scd_integrity_score", output.scd_integrity_score, thresholds.scd_integrity_percent),
    )
    return [
        f"{name} {value:g} is below the threshold {threshold:g}"
        for name, value, threshold in scores
        if value is not None and value < threshold
    ]


def _validation(evidence: FailureEvidence, thresholds: Thresholds) -> RootCause | None:
    for found in (evidence.cause, evidence.context):
        failed = found.failed_validations
        if not failed:
            continue
        details: list[str] = []
        for output in failed:
            findings = _score_lines(output, thresholds)
            findings += [check.describe() for check in output.failed_checks]
            details += [f"{output.validation_type} validation failed:", *_listed(findings)]
        first = failed[0]
        headlines = _score_lines(first, thresholds) + [check.name for check in first.failed_checks]
        what = ", ".join(headlines) if headlines else "validator reported passed=false"
        return RootCause(f"{first.validation_type} validation failed: {what}", tuple(details))
    return None


def _shown(value: Observation) -> str:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return f"{value:g}" if number else str(value)


def _limit(check: CheckResult) -> str:
    return f"{check.name} {_shown(check.observed)} (limit {_shown(check.threshold)})"


def _breakers(evidence: FailureEvidence) -> RootCause | None:
    for found in (evidence.cause, evidence.context):
        for output in found.failed_validations:
            tripped = output.tripped_breakers
            if not tripped:
                continue
            others = [check for check in output.failed_checks if check not in tripped]
            also = ("Other failed checks:", *_listed([c.describe() for c in others]))
            return RootCause(
                "stopped before dbt: " + ", ".join(map(_limit, tripped)),
                (
                    f"Circuit breakers of the {output.validation_type} validation tripped (dbt"
                    " never ran; the dimension is as it was):",
                    *_listed([check.describe() for check in tripped]),
                    *(also if others else ()),
                ),
            )
    return None


def _generic(failure: Failure, evidence: FailureEvidence) -> RootCause:
    if failure.error == TIMEOUT_ERROR and evidence.context.state_names:
        return RootCause(f"State {evidence.context.state_names[0]} timed out ({TIMEOUT_ERROR})")
    parts = [part for part in (failure.error, failure.cause) if part]
    if parts:
        return RootCause(": ".join(parts))
    if failure.status:
        execution = failure.execution_name or failure.execution_arn or "(unknown execution)"
        return RootCause(f"Execution {execution} ended {failure.status} with no error or cause")
    return RootCause("No error details were provided.")


def describe(
    error_type: ErrorType, failure: Failure, evidence: FailureEvidence, thresholds: Thresholds
) -> RootCause:
    found: RootCause | None = None
    if error_type is ErrorType.GLUE_JOB_FAILURE:
        found = _glue(failure, evidence)
    elif error_type in DBT_TYPES:
        found = _dbt(evidence)
    elif error_type in VALIDATION_TYPES:
        found = _validation(evidence, thresholds)
    elif error_type is ErrorType.EXTRACT_BREAKER_TRIPPED:
        found = _breakers(evidence) or _validation(evidence, thresholds)
    cause = found or _generic(failure, evidence)
    if failure.problems:
        problems = ("The payload could not be fully read:", *_listed(failure.problems))
        cause = RootCause(cause.summary, cause.details + problems)
    return cause
