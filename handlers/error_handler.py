"""Lambda: turn a pipeline failure into one SNS alert and PipelineErrors metrics.

Inputs: the Step Functions Catch payload, or the EventBridge "Step Functions Execution Status
Change" / "Glue Job State Change" events (`handlers.alerting.inputs`). Thin shell over
`handlers.alerting`: read the failure, build the alert, publish it to the topic its severity
routes to, then publish the error metrics.

Delivery rules:
- Garbage input still yields an `unknown` alert carrying the (truncated) raw payload; only a
  missing or malformed topic configuration is a hard error.
- A failed SNS publish (after botocore's retries) raises, so Step Functions or the EventBridge
  target retries: an alert is never silently dropped.
- Metrics are published after the alert. A metrics failure after a delivered alert is logged
  and reported as `"metrics_published": false`, not raised: raising would make the caller retry
  and deliver the same alert twice.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from handlers import aws_clients, cloudwatch_metrics
from handlers.alerting import alert as alerts
from handlers.alerting.inputs import normalise
from handlers.contract import DEFAULT_THRESHOLDS, AlertRoute, EnvVar, Metric, Thresholds
from handlers.settings import HandlerSettings, load

EXECUTION_ARN_PATH = "execution.Id || detail.executionArn"
SNS_TOPIC_ARN = r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$"
UNKNOWN_ENVIRONMENT = "unknown"
# Set by the Lambda runtime; lets the alert link to the log line that holds the full detail.
LAMBDA_LOG_GROUP_VARIABLE = "AWS_LAMBDA_LOG_GROUP_NAME"

logger = Logger()
tracer = Tracer()


class ErrorHandlerSettings(HandlerSettings):
    critical_topic_arn: str = Field(alias=EnvVar.CRITICAL_TOPIC_ARN, pattern=SNS_TOPIC_ARN)
    warning_topic_arn: str = Field(alias=EnvVar.WARNING_TOPIC_ARN, pattern=SNS_TOPIC_ARN)
    environment: str = Field(default=UNKNOWN_ENVIRONMENT, alias=EnvVar.ENVIRONMENT)
    dashboard_name: str | None = Field(default=None, alias=EnvVar.DASHBOARD_NAME)
    runbook_base_url: str | None = Field(default=None, alias=EnvVar.RUNBOOK_BASE_URL)
    data_quality_threshold: float = Field(
        default=DEFAULT_THRESHOLDS.data_quality_percent,
        ge=0,
        le=100,
        alias=EnvVar.DATA_QUALITY_THRESHOLD,
    )
    scd_integrity_threshold: float = Field(
        default=DEFAULT_THRESHOLDS.scd_integrity_percent,
        ge=0,
        le=100,
        alias=EnvVar.SCD_INTEGRITY_THRESHOLD,
    )

    def topic_for(self, route: AlertRoute) -> str:
        return self.critical_topic_arn if route is AlertRoute.CRITICAL else self.warning_topic_arn

    @property
    def thresholds(self) -> Thresholds:
        return dataclasses.replace(
            DEFAULT_THRESHOLDS,
            data_quality_percent=self.data_quality_threshold,
            scd_integrity_percent=self.scd_integrity_threshold,
        )


@functools.cache
def settings() -> ErrorHandlerSettings:
    loaded = load(ErrorHandlerSettings)
    if loaded.environment == UNKNOWN_ENVIRONMENT:
        logger.warning(f"{EnvVar.ENVIRONMENT} is not set; alerts and metrics say 'unknown'")
    return loaded


def _publish_metrics(alert: alerts.Alert, when: datetime) -> bool:
    data = cloudwatch_metrics.data_for_every_dimension_set(
        Metric.PIPELINE_ERRORS,
        1,
        alert.environment,
        when,
        ErrorType=alert.error_type.value,
        Severity=alert.severity.value,
    )
    try:
        cloudwatch_metrics.publish(data)
    except Exception:
        logger.exception("alert delivered but PipelineErrors metrics were not published")
        return False
    return True


@logger.inject_lambda_context(correlation_id_path=EXECUTION_ARN_PATH)
@tracer.capture_lambda_handler
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    config = settings()
    now = datetime.now(UTC)
    failure = normalise(event)
    if failure.problems:
        logger.warning("the payload could not be fully read", problems=list(failure.problems))
    sns = aws_clients.client("sns")
    alert = alerts.build(
        failure,
        alerts.AlertConfig(
            environment=config.environment,
            region=sns.meta.region_name,
            thresholds=config.thresholds,
            dashboard_name=config.dashboard_name,
            runbook_base_url=config.runbook_base_url,
            handler_log_group=os.environ.get(LAMBDA_LOG_GROUP_VARIABLE),
        ),
        now,
    )
    topic_arn = config.topic_for(alert.route)
    # The full, untruncated detail lives in the log; the alert carries a truncated copy.
    logger.info(
        "publishing alert",
        error_type=alert.error_type.value,
        severity=alert.severity.value,
        topic_arn=topic_arn,
        root_cause=alert.root_cause,
        raw_event=event,
    )
    response = sns.publish(
        TopicArn=topic_arn,
        Subject=alert.subject,
        Message=alert.message,
        MessageAttributes=alert.message_attributes(),
    )
    logger.info("alert published", message_id=response["MessageId"])
    metrics_published = _publish_metrics(alert, failure.occurred_at or now)
    return {
        **alert.as_dict(),
        "topic_arn": topic_arn,
        "message_id": response["MessageId"],
        "metrics_published": metrics_published,
    }
