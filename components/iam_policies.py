"""Least-privilege IAM documents for the monitoring Lambdas, as plain dicts.

No wildcard actions. `Resource: "*"` appears only where the service has no resource-level
permissions: X-Ray trace upload (only with tracing on), `cloudwatch:PutMetricData` (bounded by
the namespace condition instead) and `lakeformation:GetDataAccess` (only when the tables are
LF-governed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from handlers import contract
from handlers.contract import AlertRoute, HandlerKey

from . import arns
from .config_values import S3Location, parse_s3_uri
from .policy_statements import PolicyDocument, Statement
from .settings import Settings

XRAY_ACTIONS: Final = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
UNSCOPED_ACTIONS: Final = frozenset(
    {*XRAY_ACTIONS, "cloudwatch:PutMetricData", "lakeformation:GetDataAccess"}
)
ATHENA_QUERY_ACTIONS: Final = (
    "athena:StartQueryExecution",
    "athena:GetQueryExecution",
    "athena:GetQueryResults",
    "athena:StopQueryExecution",
)
# What a caller needs of a KMS key to write and read data under it (SSE-KMS, SNS encryption).
DATA_KEY_ACTIONS: Final = ("kms:Decrypt", "kms:GenerateDataKey")
GLUE_CATALOG_READ_ACTIONS: Final = ("glue:GetDatabase", "glue:GetTable", "glue:GetPartitions")
RESULTS_OBJECT_ACTIONS: Final = (
    "s3:GetObject",
    "s3:PutObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
)


@dataclass(frozen=True)
class AlertTargets:
    """Where the error handler publishes, resolved to ARNs: each route's topic, and every KMS key
    SNS uses with its credentials for them (none when no topic it publishes to is encrypted)."""

    topic_arns: Mapping[AlertRoute, str]
    key_arns: tuple[str, ...]


def document(statements: list[Statement]) -> PolicyDocument:
    return {"Version": "2012-10-17", "Statement": statements}


def deny_without_tls(
    actions: str | list[str], resource: str, sid: str = "DenyWithoutTls"
) -> Statement:
    """Resource-policy statement refusing `actions` on `resource` over plain HTTP."""
    return {
        "Sid": sid,
        "Effect": "Deny",
        "Principal": "*",
        "Action": actions,
        "Resource": resource,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def topics_may_send_to_queue(queue_arn: str, topic_arns: Sequence[str]) -> PolicyDocument:
    """A queue's policy for an SNS subscription: only these topics may send to it."""
    return document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": list(topic_arns)}},
            }
        ]
    )


def lambda_assume_role_policy() -> PolicyDocument:
    return document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ]
    )


def _allow(
    sid: str,
    actions: tuple[str, ...] | list[str],
    resources: str | list[str],
    condition: dict[str, Any] | None = None,
) -> Statement:
    statement: Statement = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": sorted(actions),
        "Resource": resources,
    }
    if condition is not None:
        statement["Condition"] = condition
    return statement


def logs_statement(settings: Settings, handler: HandlerKey) -> Statement:
    group = arns.lambda_log_group(settings, handler)
    return _allow(
        "WriteOwnLogGroup",
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        arns.log_group_arn(settings, group),
    )


def xray_statement() -> Statement:
    return _allow("UploadTraces", XRAY_ACTIONS, "*")


def put_metric_data_statement() -> Statement:
    return _allow(
        "PublishPipelineMetrics",
        ["cloudwatch:PutMetricData"],
        "*",
        {"StringEquals": {"cloudwatch:namespace": contract.NAMESPACE}},
    )


def _s3_read(settings: Settings, sid: str, uris: tuple[str, ...]) -> list[Statement]:
    locations = [parse_s3_uri(uri) for uri in uris]
    statements = [
        _allow(
            f"{sid}Objects",
            ["s3:GetObject"],
            sorted({arns.s3_objects_arn(settings, loc) for loc in locations}),
        )
    ]
    for index, bucket in enumerate(sorted({loc.bucket for loc in locations})):
        prefixes = sorted({f"{loc.prefix}*" for loc in locations if loc.bucket == bucket})
        statements.append(
            _allow(
                f"{sid}List{index}",
                ["s3:ListBucket"],
                arns.s3_bucket_arn(settings, bucket),
                {"StringLike": {"s3:prefix": prefixes}},
            )
        )
    return statements


def metrics_publisher_statements(settings: Settings) -> list[Statement]:
    artifacts = parse_s3_uri(settings.dbt_artifacts_s3_uri)
    return [_allow("ReadDbtArtifacts", ["s3:GetObject"], arns.s3_objects_arn(settings, artifacts))]


def error_handler_statements(settings: Settings, targets: AlertTargets) -> list[Statement]:
    """`sns:Publish` on exactly the routes' topics (one ARN when both name the same topic)."""
    keys = list(targets.key_arns)
    return [
        _allow("PublishAlerts", ["sns:Publish"], sorted(set(targets.topic_arns.values()))),
        *([_allow("EncryptAlerts", DATA_KEY_ACTIONS, keys)] if keys else []),
        *error_handler_delivery_statements(settings),
    ]


IDEMPOTENCY_ACTIONS: Final = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
)


def error_handler_delivery_statements(settings: Settings) -> list[Statement]:
    """Powertools idempotency records (what DynamoDBPersistenceLayer calls), and the on-failure
    destination of asynchronous invocations: Lambda sends there with the function's role."""
    table = arns.dynamodb_table_arn(settings, arns.idempotency_table_name(settings))
    queue = arns.sqs_queue_arn(settings, arns.alert_dead_letter_queue_name(settings))
    return [
        _allow("IdempotencyRecords", IDEMPOTENCY_ACTIONS, table),
        _allow("DeadLetterUnhandledEvents", ["sqs:SendMessage"], queue),
    ]


def pipeline_validator_statements(settings: Settings) -> list[Statement]:
    """Athena in the validator's workgroup over both tables, with the caller's rights.

    Both validations read both tables (ingestion reads the dimension's current users for the
    mass-deletion breaker). Its `information_schema.columns` lookup filters each table by exact
    database and table name, which Athena resolves with glue:GetTable on those two tables (and,
    for Iceberg, their metadata files under the data locations): no GetTables or GetDatabases.
    """
    databases = sorted({settings.athena_database, *(t.database for t in settings.tables)})
    catalog_resources = [
        arns.glue_catalog_arn(settings),
        *(arns.glue_database_arn(settings, database) for database in databases),
        *(arns.glue_table_arn(settings, table) for table in settings.tables),
    ]
    results = S3Location(settings.athena_results_bucket, f"{settings.athena_results_prefix}/")
    results_bucket = arns.s3_bucket_arn(settings, results.bucket)
    statements = [
        _allow("QueryOwnWorkgroup", ATHENA_QUERY_ACTIONS, arns.athena_workgroup_arn(settings)),
        _allow("ReadPipelineTables", GLUE_CATALOG_READ_ACTIONS, catalog_resources),
        *_s3_read(settings, "ReadPipelineData", settings.data_locations),
        # Athena writes and reads the results with the caller's credentials (Athena user guide,
        # "Specify a query result location"); listing stays within the results prefix.
        _allow("AthenaResultsBucketLocation", ["s3:GetBucketLocation"], results_bucket),
        _allow(
            "AthenaResultsList",
            ["s3:ListBucket"],
            results_bucket,
            {"StringLike": {"s3:prefix": [f"{results.prefix}*"]}},
        ),
        _allow(
            "AthenaResultsObjects", RESULTS_OBJECT_ACTIONS, arns.s3_objects_arn(settings, results)
        ),
    ]
    if settings.athena_results_kms_key_arn:
        statements.append(
            _allow("EncryptAthenaResults", DATA_KEY_ACTIONS, settings.athena_results_kms_key_arn)
        )
    if settings.lake_formation_governed:
        statements.append(_allow("LakeFormationCredentials", ["lakeformation:GetDataAccess"], "*"))
    return statements


def common_statements(settings: Settings, handler: HandlerKey) -> list[Statement]:
    """What every handler's role needs: its own log group, trace upload (only with tracing on)
    and the pipeline's metric namespace."""
    tracing = [xray_statement()] if settings.tracing_enabled else []
    return [logs_statement(settings, handler), *tracing, put_metric_data_statement()]
