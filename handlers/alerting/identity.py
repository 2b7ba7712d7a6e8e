"""Which failure an input reports, as a key that every input form of that failure shares (pure).

The error handler hears of one failure up to three times: the Step Functions Catch payload, the
EventBridge "Execution Status Change" (FAILED / TIMED_OUT / ABORTED) once the execution ends, and
for a Glue failure the "Glue Job State Change" event. Alerts are de-duplicated on this identity:

- a Glue job failure is the Glue job run (its id is in the Glue event, and in the JobRun that the
  Catch's and the execution event's Cause carry), so all three forms give one alert;
- any other failure is the execution (ARN plus redrive count: a redriven execution that fails
  again is a new failure); the reference state machine's Fail state puts the error type in the
  execution's `error`, so the execution event names the same error type as the Catch;
- an input naming neither is keyed by a digest of the payload, so a retried delivery of the
  same unreadable payload still alerts once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from handlers.alerting import bounds
from handlers.alerting.inputs import Failure, Source
from handlers.contract import EXECUTION_FAILURE_STATUSES, ErrorType


class Scope(StrEnum):
    EXECUTION = "execution"
    GLUE_JOB_RUN = "glue_job_run"
    PAYLOAD = "payload"


@dataclass(frozen=True)
class FailureIdentity:
    scope: Scope
    subject: str
    error_type: ErrorType

    def as_dict(self) -> dict[str, str]:
        return {"scope": self.scope.value, "subject": self.subject, "error_type": self.error_type}

    def __str__(self) -> str:
        return f"{self.scope.value}:{self.subject}#{self.error_type.value}"


def _execution_subject(failure: Failure) -> str | None:
    if not failure.execution_arn:
        return None
    return f"{failure.execution_arn}#redrive-{failure.redrive_count or 0}"


def payload_digest(raw: Any) -> str:
    canonical = json.dumps(raw, sort_keys=True, default=repr, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def of_failure(
    failure: Failure, error_type: ErrorType, glue_job_run_id: str | None
) -> FailureIdentity:
    """The failure's identity; `glue_job_run_id` is the failed run's id when one is known."""
    if error_type is ErrorType.GLUE_JOB_FAILURE and glue_job_run_id:
        # The run id may come from a Cause's JobRun, which `normalise` does not bound.
        return FailureIdentity(Scope.GLUE_JOB_RUN, bounds.text(glue_job_run_id), error_type)
    execution = _execution_subject(failure)
    if execution is not None:
        return FailureIdentity(Scope.EXECUTION, execution, error_type)
    return FailureIdentity(Scope.PAYLOAD, payload_digest(failure.raw), error_type)


def failed_run(failure: Failure) -> dict[str, str] | None:
    """The pipeline run this input reports as terminally failed, or None.

    A Catch payload (the state machine's last stop before its Fail state) or an execution event
    in a terminal failure status counts; a Glue event alone does not (the job may run outside
    the pipeline), nor does an unreadable payload.
    """
    subject = _execution_subject(failure)
    if subject is None:
        return None
    if failure.source is Source.CATCH or (
        failure.source is Source.EXECUTION_EVENT and failure.status in EXECUTION_FAILURE_STATUSES
    ):
        return {"scope": Scope.EXECUTION.value, "subject": subject}
    return None
