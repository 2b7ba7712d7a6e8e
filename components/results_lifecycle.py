"""ResultsLifecycle: expire old Athena query results under the validator's results prefix.

Only with `manageResultsLifecycle: true`, and only for a bucket dedicated to these results:
S3 keeps ONE lifecycle configuration per bucket and `BucketLifecycleConfiguration` replaces it
whole, so on a shared bucket this would delete every other team's lifecycle rules.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from . import arns
from .replacement import fixed_identity
from .settings import Settings

ABORT_INCOMPLETE_UPLOADS_DAYS = 1


def lifecycle_rules(settings: Settings) -> list[aws.s3.BucketLifecycleConfigurationRuleArgsDict]:
    """Rules of the results bucket (pulumi-aws snake_case names)."""
    return [
        {
            "id": arns.results_expiry_rule_id(settings),
            "status": "Enabled",
            "filter": {"prefix": f"{settings.athena_results_prefix}/"},
            "expiration": {"days": settings.athena_results_expiration_days},
            "abort_incomplete_multipart_upload": {
                "days_after_initiation": ABORT_INCOMPLETE_UPLOADS_DAYS
            },
        }
    ]


class ResultsLifecycle(pulumi.ComponentResource):
    """`sfuser:monitoring:ResultsLifecycle`: empty unless `manageResultsLifecycle` is true."""

    configuration: aws.s3.BucketLifecycleConfiguration | None

    def __init__(
        self, name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("sfuser:monitoring:ResultsLifecycle", name, None, opts)
        self.configuration = None
        if settings.manage_results_lifecycle:
            self.configuration = aws.s3.BucketLifecycleConfiguration(
                f"{name}-lifecycle",
                bucket=settings.athena_results_bucket,
                expected_bucket_owner=settings.account_id,
                rules=lifecycle_rules(settings),
                opts=fixed_identity(self),
            )
        self.register_outputs({"managed": settings.manage_results_lifecycle})
