"""Pydantic models for the parts of the event contract that every handler shares.

Step Functions passes `$$.Execution` as `execution` and the Glue `JobRun` (the output of
`glue:startJobRun.sync`) as `glue_job`. Unknown extra fields are ignored; missing required ones
raise a ValidationError that names the field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ExecutionStatus = Literal[
    "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"
]  # fmt: skip
GlueJobRunState = Literal[
    "STARTING",
    "RUNNING",
    "STOPPING",
    "STOPPED",
    "SUCCEEDED",
    "FAILED",
    "TIMEOUT",
    "ERROR",
    "WAITING",
    "EXPIRED",
]


class ContractModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class ExecutionContext(ContractModel):
    """The Step Functions context object's `Execution` (`$$.Execution`)."""

    id: str = Field(alias="Id", pattern=r"^arn:aws[a-z-]*:states:")
    name: str = Field(alias="Name", min_length=1)
    start_time: datetime = Field(alias="StartTime")
    redrive_count: int = Field(default=0, alias="RedriveCount", ge=0)

    @property
    def state_machine_arn(self) -> str:
        """arn:...:execution:<machine>:<name> -> arn:...:stateMachine:<machine>."""
        prefix, _, _ = self.id.rpartition(":")
        return prefix.replace(":execution:", ":stateMachine:", 1)

    @property
    def region(self) -> str:
        return self.id.split(":")[3]


class GlueJobRun(ContractModel):
    """The subset of Glue's JobRun that the handlers read."""

    id: str = Field(alias="Id")
    job_name: str = Field(alias="JobName")
    job_run_state: GlueJobRunState = Field(alias="JobRunState")
    started_on: datetime | None = Field(default=None, alias="StartedOn")
    completed_on: datetime | None = Field(default=None, alias="CompletedOn")
    execution_time_seconds: int | None = Field(default=None, alias="ExecutionTime")
    error_message: str | None = Field(default=None, alias="ErrorMessage")
    log_group_name: str | None = Field(default=None, alias="LogGroupName")
