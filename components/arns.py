"""ARNs and resource names derived from settings: one place, so policies and resources agree.

Every name starts with the stack's resource prefix (`settings.prefix`, from the contract).
"""

from __future__ import annotations

import hashlib

from handlers import contract
from handlers.contract import AlertRoute, HandlerKey

from .config_values import S3Location, TableName
from .settings import Settings


def _arn(settings: Settings, service: str, resource: str, *, region: bool = True) -> str:
    where = settings.region if region else ""
    return f"arn:{settings.partition}:{service}:{where}:{settings.account_id}:{resource}"


def function_name(settings: Settings, handler: HandlerKey) -> str:
    return contract.function_name(settings.environment, handler)


def function_role_name(settings: Settings, handler: HandlerKey) -> str:
    return f"{function_name(settings, handler)}-role"


def function_role_arn(settings: Settings, handler: HandlerKey) -> str:
    return _arn(settings, "iam", f"role/{function_role_name(settings, handler)}", region=False)


def account_root_arn(settings: Settings) -> str:
    """The pipeline's account as a policy principal (`arn:<partition>:iam::<account>:root`)."""
    return _arn(settings, "iam", "root", region=False)


def lambda_log_group(settings: Settings, handler: HandlerKey) -> str:
    return contract.function_log_group(settings.environment, handler)


def log_group_arn(settings: Settings, name: str) -> str:
    """The ARN IAM matches for log streams in a group (`...:log-group:<name>:*`)."""
    return _arn(settings, "logs", f"log-group:{name}:*")


def alarm_name(settings: Settings, suffix: str) -> str:
    """An alarm of this stack: `<prefix>-<AlarmKey>`, or `<prefix>-Critical` for a route."""
    return f"{settings.prefix}-{suffix}"


def alarm_arn_pattern(settings: Settings) -> str:
    """Every alarm of this stack (`alarm_name` with any suffix)."""
    return _arn(settings, "cloudwatch", f"alarm:{alarm_name(settings, '*')}")


def glue_catalog_arn(settings: Settings) -> str:
    return _arn(settings, "glue", "catalog")


def glue_database_arn(settings: Settings, database: str) -> str:
    return _arn(settings, "glue", f"database/{database}")


def glue_table_arn(settings: Settings, table: TableName) -> str:
    return _arn(settings, "glue", f"table/{table.database}/{table.table}")


def validator_workgroup(settings: Settings) -> str:
    """The workgroup the validator queries in: the configured one or the stack's own."""
    return settings.athena_workgroup or f"{settings.prefix}-validator"


def athena_workgroup_arn(settings: Settings) -> str:
    return _arn(settings, "athena", f"workgroup/{validator_workgroup(settings)}")


def athena_results_uri(settings: Settings) -> str:
    """Where the validator's query results go (the created workgroup enforces it)."""
    return f"s3://{settings.athena_results_bucket}/{settings.athena_results_prefix}/"


def results_expiry_rule_id(settings: Settings) -> str:
    return f"{settings.prefix}-expire-athena-results"


def s3_bucket_arn(settings: Settings, bucket: str) -> str:
    return f"arn:{settings.partition}:s3:::{bucket}"


def s3_objects_arn(settings: Settings, location: S3Location) -> str:
    return f"{s3_bucket_arn(settings, location.bucket)}/{location.prefix}*"


def sns_topic_arn(settings: Settings, name: str) -> str:
    return _arn(settings, "sns", name)


def canary_rule_name(settings: Settings) -> str:
    return f"{settings.prefix}-canary"


def canary_failure_queue_name(settings: Settings) -> str:
    """SQS queue of self-test events that were not delivered or failed after their retries."""
    return f"{settings.prefix}-canary-failures"


def self_test_topic_name(settings: Settings) -> str:
    return f"{settings.prefix}-self-test"


def self_test_topic_arn(settings: Settings) -> str:
    """Derived rather than read from the topic, so the error handler's environment and policy
    do not wait on the Canary component, which needs the functions first."""
    return sns_topic_arn(settings, self_test_topic_name(settings))


def dashboard_name(settings: Settings) -> str:
    return settings.prefix


def dashboard_url(settings: Settings) -> str:
    return contract.dashboard_url(settings.region, dashboard_name(settings))


def topic_name(settings: Settings, route: AlertRoute) -> str:
    """The SNS topic alerts and alarms of one route go to."""
    return f"{settings.prefix}-alerts-{route.value}"


def alert_topic_arn(settings: Settings, route: AlertRoute) -> str:
    """The topic a route publishes to: the configured existing topic, else the one AlertTopics
    creates, derived from its name. Either way it is known at preview."""
    existing = settings.existing_topic(route)
    return existing.arn if existing else sns_topic_arn(settings, topic_name(settings, route))


def delivery_check_alarm_name(settings: Settings) -> str:
    """The temporary alarm `make verify-delivery` sets to ALARM: under this stack's alarm prefix,
    so the topics' scoped CloudWatch grant admits it like any alarm of the stack."""
    return alarm_name(settings, "DeliveryCheck")


def stack_sid(settings: Settings, suffix: str) -> str:
    """A statement id unique to this stack (`SfUserPipelineDevAlarmsPublish`), for statements it
    puts in policies other stacks may share; letters and digits only, as IAM wants."""
    return "".join(word.capitalize() for word in settings.prefix.split("-")) + suffix


def topic_digest(topic_arn: str) -> str:
    """Eight hex digits that stand for an existing topic in names and Sids (letters and digits,
    any length of ARN)."""
    return hashlib.sha256(topic_arn.encode()).hexdigest()[:8]


def topic_statement_sid(settings: Settings, topic_arn: str) -> str:
    """The statement this stack adds to an existing topic's policy (manageExistingTopicPolicy):
    the stack's and the topic's, such as `SfUserPipelineDevAlarmsPublish1a2b3c4d`."""
    return stack_sid(settings, f"AlarmsPublish{topic_digest(topic_arn)}")


def alert_key_alias(settings: Settings) -> str:
    """Alias of the KMS key that encrypts the alert topics."""
    return f"alias/{settings.prefix}-alerts"


def alert_dead_letter_queue_name(settings: Settings) -> str:
    """SQS queue holding failure events the error handler never processed (EventBridge + Lambda)."""
    return f"{settings.prefix}-alert-dead-letters"


def sqs_queue_arn(settings: Settings, name: str) -> str:
    return _arn(settings, "sqs", name)


def idempotency_table_name(settings: Settings) -> str:
    """DynamoDB table of the error handler's Powertools idempotency records."""
    return f"{settings.prefix}-alert-idempotency"


def dynamodb_table_arn(settings: Settings, name: str) -> str:
    return _arn(settings, "dynamodb", f"table/{name}")
