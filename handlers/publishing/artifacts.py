"""Resolving `{"s3_uri": ...}` references to dbt artifacts (s3:GetObject)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from handlers import aws_clients
from handlers.dbt_results import RunResults
from handlers.publishing.event import DbtArtifact, DbtArtifacts, S3Reference


class ArtifactError(ValueError):
    """A referenced artifact could not be read or is not a run_results.json."""


@dataclass(frozen=True)
class ResolvedDbt:
    run: RunResults | None = None
    test: RunResults | None = None


def fetch(reference: S3Reference, field: str) -> RunResults:
    """Download and validate the run_results.json at `reference`; errors name `field`."""
    s3 = aws_clients.client("s3")
    body = s3.get_object(Bucket=reference.bucket, Key=reference.key)["Body"].read()
    try:
        return RunResults.model_validate(json.loads(body))
    except ValueError as error:  # also JSON, UTF-8 and pydantic validation errors
        raise ArtifactError(
            f"{field}: {reference.s3_uri} is not a run_results.json: {error}"
        ) from error


def _resolve(artifact: DbtArtifact | None, field: str) -> RunResults | None:
    if isinstance(artifact, S3Reference):
        return fetch(artifact, field)
    return artifact


def resolve(dbt: DbtArtifacts | None) -> ResolvedDbt:
    if dbt is None:
        return ResolvedDbt()
    return ResolvedDbt(run=_resolve(dbt.run, "dbt.run"), test=_resolve(dbt.test, "dbt.test"))
