"""ValidatorWorkgroup: the Athena workgroup the pipeline validator queries in, with cost guards.

Unless `athenaWorkgroup` names an existing workgroup, the stack creates `<prefix>-validator`
and enforces its settings on every query (`enforce_workgroup_configuration`): results go to
`s3://<athenaResultsBucket>/<athenaResultsPrefix>/`, encrypted (SSE_S3, or SSE_KMS with
`athenaResultsKmsKeyArn`), a query that would scan more than `athenaBytesScannedCutoff` bytes is
cancelled, engine version 3 (needed for query result reuse), CloudWatch metrics on.
"""

from __future__ import annotations

from typing import Any, Final, cast

import pulumi
import pulumi_aws as aws

from . import arns
from .replacement import fixed_identity
from .settings import Settings

ENGINE_VERSION: Final = "Athena engine version 3"


def encryption_configuration(settings: Settings) -> dict[str, str]:
    if settings.athena_results_kms_key_arn:
        return {"encryption_option": "SSE_KMS", "kms_key_arn": settings.athena_results_kms_key_arn}
    return {"encryption_option": "SSE_S3"}


def workgroup_configuration(settings: Settings) -> dict[str, Any]:
    """The `configuration` input of `aws.athena.Workgroup` (pulumi-aws snake_case names)."""
    return {
        "enforce_workgroup_configuration": True,
        "publish_cloudwatch_metrics_enabled": True,
        "bytes_scanned_cutoff_per_query": settings.athena_bytes_scanned_cutoff,
        "engine_version": {"selected_engine_version": ENGINE_VERSION},
        "result_configuration": {
            "output_location": arns.athena_results_uri(settings),
            "encryption_configuration": encryption_configuration(settings),
        },
    }


class ValidatorWorkgroup(pulumi.ComponentResource):
    """`sfuser:monitoring:ValidatorWorkgroup`: empty when an existing workgroup is configured."""

    workgroup: aws.athena.Workgroup | None

    def __init__(
        self, name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("sfuser:monitoring:ValidatorWorkgroup", name, None, opts)
        self.workgroup = None
        if settings.creates_athena_workgroup:
            self.workgroup = aws.athena.Workgroup(
                f"{name}-workgroup",
                name=arns.validator_workgroup(settings),
                description=f"{settings.prefix} pipeline validator queries (cost-guarded)",
                configuration=cast(
                    "aws.athena.WorkgroupConfigurationArgsDict", workgroup_configuration(settings)
                ),
                state="ENABLED",
                # Refuse to delete a workgroup that still holds someone's named queries.
                force_destroy=False,
                opts=fixed_identity(self),
            )
        self.register_outputs(
            {
                "workgroupName": arns.validator_workgroup(settings),
                "resultsUri": arns.athena_results_uri(settings),
            }
        )
