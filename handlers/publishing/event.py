"""The metrics publisher's input (docs/architecture.md §3).

Only `execution` is required; every other part is optional and skipped when absent. A part that
is present but malformed fails validation with an error naming the field.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Discriminator, Field, NonNegativeInt, Tag

from handlers.dbt_results import RunResults
from handlers.events import ContractModel, ExecutionContext, ExecutionStatus, GlueJobRun
from handlers.validator_output import ValidatorOutput

SUCCEEDED: ExecutionStatus = "SUCCEEDED"


class S3Reference(ContractModel):
    """Where a large artifact was written instead of being passed inline (256 KB state limit)."""

    s3_uri: str = Field(pattern=r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]/.+")

    @property
    def bucket(self) -> str:
        return self.s3_uri.removeprefix("s3://").split("/", 1)[0]

    @property
    def key(self) -> str:
        return self.s3_uri.removeprefix("s3://").split("/", 1)[1]


def _artifact_kind(value: Any) -> str:
    is_reference = isinstance(value, dict | S3Reference) and (
        isinstance(value, S3Reference) or "s3_uri" in value
    )
    return "s3" if is_reference else "run_results"


DbtArtifact = Annotated[
    Annotated[RunResults, Tag("run_results")] | Annotated[S3Reference, Tag("s3")],
    Discriminator(_artifact_kind),
]


class DbtArtifacts(ContractModel):
    run: DbtArtifact | None = None
    test: DbtArtifact | None = None


class RecordCounts(ContractModel):
    processed: NonNegativeInt | None = None
    created: NonNegativeInt | None = None
    updated: NonNegativeInt | None = None
    deleted: NonNegativeInt | None = None


class ValidationOutputs(ContractModel):
    ingestion: ValidatorOutput | None = None
    scd: ValidatorOutput | None = None


class PublisherEvent(ContractModel):
    execution: ExecutionContext
    status: ExecutionStatus | None = None
    glue_job: GlueJobRun | None = None
    records: RecordCounts | None = None
    dbt: DbtArtifacts | None = None
    validation: ValidationOutputs | None = None
