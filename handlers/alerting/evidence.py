"""What a failure's Cause or context says, recognised by shape (pure).

A Step Functions Cause is a string that is often JSON: the Glue `JobRun` of a failed
`startJobRun.sync`, a Lambda error (`errorType`, `errorMessage`, `stackTrace`) whose message may
itself be JSON, a dbt `run_results.json`, or a validator result. The context is the pipeline
state the Catch passed along. Documents are found by walking both to a bounded depth; JSON in
strings is parsed with `bounds.loads`, so no depth of nesting can make the walk raise.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from handlers.alerting import bounds
from handlers.alerting.inputs import Failure
from handlers.dbt_results import RunResults
from handlers.events import GlueJobRun
from handlers.validator_output import ValidatorOutput

MAX_DEPTH = 4
MAX_DOCUMENTS = 200
FAILED_GLUE_STATES = frozenset({"FAILED", "TIMEOUT", "ERROR", "STOPPED", "EXPIRED"})
STATE_NAME_KEYS = ("state", "State", "state_name", "StateName", "failed_state", "FailedState")


@dataclass(frozen=True)
class LambdaError:
    error_type: str
    message: str

    @property
    def text(self) -> str:
        return f"{self.error_type}: {self.message}" if self.error_type else self.message


@dataclass(frozen=True)
class Evidence:
    glue_job_runs: tuple[GlueJobRun, ...] = ()
    run_results: tuple[RunResults, ...] = ()
    lambda_errors: tuple[LambdaError, ...] = ()
    validator_outputs: tuple[ValidatorOutput, ...] = ()
    state_names: tuple[str, ...] = ()

    @property
    def failed_glue_job_run(self) -> GlueJobRun | None:
        return next(
            (run for run in self.glue_job_runs if run.job_run_state in FAILED_GLUE_STATES), None
        )

    @property
    def failed_validations(self) -> tuple[ValidatorOutput, ...]:
        return tuple(
            output for output in self.validator_outputs if not output.passed or output.failed_checks
        )


def _json_object(text: str) -> Any:
    return bounds.loads(text) if text.lstrip().startswith(("{", "[")) else None


def documents(value: Any, depth: int = 0) -> Iterator[Mapping[str, Any]]:
    """Every JSON object within `value` (JSON strings included), depth-first, bounded."""
    if depth > MAX_DEPTH:
        return
    if isinstance(value, str):
        value = _json_object(value)
    if isinstance(value, Mapping):
        yield value
        for child in value.values():
            yield from documents(child, depth + 1)
    elif isinstance(value, list):
        for child in value:
            yield from documents(child, depth + 1)


def _validated(model: type[Any], document: Mapping[str, Any]) -> Any:
    try:
        return model.model_validate(document)
    except ValidationError:
        return None


def gather(value: Any) -> Evidence:
    """Recognise Glue JobRuns, dbt run results, Lambda errors and validator results in `value`."""
    glue: list[GlueJobRun] = []
    dbt: list[RunResults] = []
    lambdas: list[LambdaError] = []
    validations: list[ValidatorOutput] = []
    states: list[str] = []
    for index, document in enumerate(documents(value)):
        if index >= MAX_DOCUMENTS:
            break
        if "JobRunState" in document and (run := _validated(GlueJobRun, document)):
            glue.append(run)
        if isinstance(document.get("results"), list) and (
            results := _validated(RunResults, document)
        ):
            dbt.append(results)
        if isinstance(document.get("errorMessage"), str):
            lambdas.append(
                LambdaError(str(document.get("errorType") or ""), document["errorMessage"])
            )
        if "validation_type" in document and (output := _validated(ValidatorOutput, document)):
            validations.append(output)
        states.extend(
            str(document[key]) for key in STATE_NAME_KEYS if isinstance(document.get(key), str)
        )
    return Evidence(tuple(glue), tuple(dbt), tuple(lambdas), tuple(validations), tuple(states))


@dataclass(frozen=True)
class FailureEvidence:
    """Evidence from the Cause (the failing step's own report) and from the carried context."""

    cause: Evidence
    context: Evidence

    @classmethod
    def of(cls, failure: Failure) -> FailureEvidence:
        return cls(cause=gather(failure.cause), context=gather(failure.context))

    @property
    def failed_glue_job_run(self) -> GlueJobRun | None:
        return self.cause.failed_glue_job_run or self.context.failed_glue_job_run
