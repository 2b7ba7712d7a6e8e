"""The error handler's three input shapes, and their reduction to one `Failure`.

1. The Step Functions Catch payload (docs/architecture.md §3):
   `{"error_type"?, "error": {"Error", "Cause"}, "execution": $$.Execution, "context"?}`.
2. EventBridge "Step Functions Execution Status Change" (source `aws.states`); its `error` is
   the error type when the pipeline's Fail state set it (`ErrorPath: $.failure.error_type`).
3. EventBridge "Glue Job State Change" (source `aws.glue`).

A payload holding none of these shapes' fields, or one that fails validation, becomes an
`unreadable` `Failure` with no error type and its problems listed, so the handler still raises
an `unknown` alert: a failure is never dropped because its report was malformed. The event is
clipped on entry and every identifier, error name and problem in the `Failure` is bounded
(`handlers.alerting.bounds`), so no input can make what is built from it too large or too deep.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import Field, ValidationError, field_validator

from handlers.alerting import bounds
from handlers.contract import ErrorType
from handlers.events import ContractModel, ExecutionContext, ExecutionStatus, GlueJobRunState
from handlers.log_context import first_execution_arn

SFN_STATUS_CHANGE = "Step Functions Execution Status Change"
GLUE_STATE_CHANGE = "Glue Job State Change"
PROBLEM_MAX_BYTES = 1_024


class Source(StrEnum):
    CATCH = "step_functions_catch"
    EXECUTION_EVENT = "execution_status_change"
    GLUE_EVENT = "glue_job_state_change"
    UNREADABLE = "unreadable"
    SELF_TEST = "canary_self_test"


def _as_text(value: Any) -> str | None:
    """Causes are strings, often JSON; a caller that passed the object gets it serialised."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, default=str)


class StepFunctionsError(ContractModel):
    error: str | None = Field(default=None, alias="Error")
    cause: str | None = Field(default=None, alias="Cause")

    _texts = field_validator("error", "cause", mode="before")(_as_text)


class CatchPayload(ContractModel):
    error_type: ErrorType | None = None
    error: StepFunctionsError | None = None
    execution: ExecutionContext | None = None
    context: Any = None  # whatever state the Catch passed along; only read for evidence


class ExecutionStatusDetail(ContractModel):
    execution_arn: str = Field(alias="executionArn", pattern=r"^arn:aws[a-z-]*:states:")
    state_machine_arn: str | None = Field(default=None, alias="stateMachineArn")
    name: str | None = None
    status: ExecutionStatus
    start_date: datetime | None = Field(default=None, alias="startDate")
    stop_date: datetime | None = Field(default=None, alias="stopDate")
    error: str | None = None
    cause: str | None = None
    input: str | None = None
    output: str | None = None
    redrive_count: int = Field(default=0, alias="redriveCount", ge=0)

    @field_validator("start_date", "stop_date", mode="before")
    @classmethod
    def _epoch_milliseconds(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                return datetime.fromtimestamp(value / 1000, tz=UTC)
            except (OverflowError, OSError, ValueError) as error:
                raise ValueError(f"not a time in epoch milliseconds: {value}") from error
        return value


class ExecutionStatusChange(EventBridgeModel):
    model_config = EventBridgeModel.model_config | {"extra": "ignore"}

    source: Literal["aws.states"]
    detail_type: Literal["Step Functions Execution Status Change"] = Field(alias="detail-type")
    detail: ExecutionStatusDetail


class GlueJobStateDetail(ContractModel):
    job_name: str = Field(alias="jobName")
    job_run_id: str | None = Field(default=None, alias="jobRunId")
    state: GlueJobRunState
    message: str | None = None
    severity: str | None = None


class GlueJobStateChange(EventBridgeModel):
    model_config = EventBridgeModel.model_config | {"extra": "ignore"}

    source: Literal["aws.glue"]
    detail_type: Literal["Glue Job State Change"] = Field(alias="detail-type")
    detail: GlueJobStateDetail


@dataclass(frozen=True)
class Failure:
    """What went wrong, whichever shape reported it."""

    source: Source
    raw: Any
    error_type: ErrorType | None = None
    error: str | None = None
    cause: str | None = None
    status: str | None = None
    execution_arn: str | None = None
    execution_name: str | None = None
    state_machine_arn: str | None = None
    region: str | None = None
    started_at: datetime | None = None
    occurred_at: datetime | None = None
    redrive_count: int = 0
    glue_job_name: str | None = None
    glue_job_run_id: str | None = None
    context: Any = None
    problems: tuple[str, ...] = field(default=())


def _region_of(arn: str | None) -> str | None:
    parts = (arn or "").split(":")
    return parts[3] or None if len(parts) > 3 else None


def _named_error_type(error: str | None) -> ErrorType | None:
    """The pipeline's Fail state reports the error type as the execution's `error`."""
    return ErrorType(error) if error in set(ErrorType) else None


def _unrecognised(event: Mapping[str, Any]) -> str:
    """Why an event is none of the three input shapes."""
    read = f"{SFN_STATUS_CHANGE!r} or {GLUE_STATE_CHANGE!r}"
    detail_type = event.get("detail-type")
    eventbridge = (
        f"detail-type {detail_type!r} is not {read}" if detail_type else f"no detail-type ({read})"
    )
    return f"{eventbridge}, and no error_type, error or execution (Step Functions Catch payload)"


def _from_catch(event: Mapping[str, Any]) -> Failure:
    payload = parse(event=dict(event), model=CatchPayload)
    error = payload.error or StepFunctionsError()
    execution = payload.execution
    if payload.error_type is None and execution is None and not (error.error or error.cause):
        return Failure(
            source=Source.UNREADABLE,
            raw=event,
            context=payload.context,
            problems=(bounds.text(_unrecognised(event), PROBLEM_MAX_BYTES),),
        )
    return Failure(
        source=Source.CATCH,
        raw=event,
        error_type=payload.error_type,
        error=error.error,
        cause=error.cause,
        execution_arn=execution.id if execution else None,
        execution_name=execution.name if execution else None,
        state_machine_arn=execution.state_machine_arn if execution else None,
        region=execution.region if execution else None,
        started_at=execution.start_time if execution else None,
        redrive_count=execution.redrive_count if execution else 0,
        context=payload.context,
    )


def _from_execution_event(event: Mapping[str, Any]) -> Failure:
    parsed = parse(event=dict(event), model=ExecutionStatusChange)
    detail = parsed.detail
    return Failure(
        source=Source.EXECUTION_EVENT,
        raw=event,
        error_type=_named_error_type(detail.error),
        error=detail.error,
        cause=detail.cause,
        status=detail.status,
        execution_arn=detail.execution_arn,
        execution_name=detail.name,
        state_machine_arn=detail.state_machine_arn,
        region=parsed.region or _region_of(detail.execution_arn),
        started_at=detail.start_date,
        occurred_at=detail.stop_date or parsed.time,
        redrive_count=detail.redrive_count,
    )


def _from_glue_event(event: Mapping[str, Any]) -> Failure:
    parsed = parse(event=dict(event), model=GlueJobStateChange)
    detail = parsed.detail
    return Failure(
        source=Source.GLUE_EVENT,
        raw=event,
        error=f"Glue job run {detail.state}",
        cause=detail.message,
        status=detail.state,
        region=parsed.region,
        occurred_at=parsed.time,
        glue_job_name=detail.job_name,
        glue_job_run_id=detail.job_run_id,
    )


def _problems(error: ValidationError) -> tuple[str, ...]:
    return tuple(
        bounds.text(
            f"{'.'.join(str(part) for part in problem['loc']) or '(event)'}: {problem['msg']}",
            PROBLEM_MAX_BYTES,
        )
        for problem in error.errors()
    )


# Every text field but the Cause, which is read whole for evidence (its own bound is `clip`'s).
BOUNDED_FIELDS = (
    "error", "status", "execution_arn", "execution_name", "state_machine_arn", "region",
    "glue_job_name", "glue_job_run_id",
)  # fmt: skip


def _bounded(failure: Failure) -> Failure:
    bounded: dict[str, Any] = {
        name: bounds.text(value) for name in BOUNDED_FIELDS if (value := getattr(failure, name))
    }
    return dataclasses.replace(failure, **bounded)


def _read(event: Any) -> Failure:
    if not isinstance(event, Mapping):
        problem = f"event is {type(event).__name__}, expected a JSON object"
        return Failure(source=Source.UNREADABLE, raw=event, problems=(problem,))
    reader = {
        SFN_STATUS_CHANGE: _from_execution_event,
        GLUE_STATE_CHANGE: _from_glue_event,
    }.get(str(event.get("detail-type")), _from_catch)
    try:
        return reader(event)
    except ValidationError as error:
        arn = first_execution_arn(event)
        return Failure(
            source=Source.UNREADABLE,
            raw=event,
            execution_arn=arn,
            region=_region_of(arn),
            problems=_problems(error),
        )


def normalise(event: Any) -> Failure:
    """Reduce any input to a bounded `Failure`; never raises on malformed input."""
    return _bounded(_read(bounds.clip(event)))
