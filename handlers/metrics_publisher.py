"""Lambda: publish one pipeline run's metrics to CloudWatch (docs/architecture.md §3).

Thin shell: parse the event (Powertools Parser), resolve dbt artifacts stored in S3, build the
metric data (`handlers.publishing.run_metrics`) and publish it in as few PutMetricData calls as
the API allows. The correlation id of every log line is the Step Functions execution ARN.
A canary self-test event (`handlers.self_test`) publishes only the MonitoringHeartbeat metric.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import clock, cloudwatch_metrics, log_context, self_test, tracing
from handlers.contract import Environment, Metric
from handlers.publishing import artifacts, run_metrics
from handlers.publishing.event import PublisherEvent
from handlers.publishing.settings import PublisherSettings
from handlers.settings import load

logger = Logger()
tracer = tracing.tracer()


@functools.cache
def settings() -> PublisherSettings:
    return load(PublisherSettings)


def _heartbeat(environment: Environment, now: datetime) -> dict[str, Any]:
    data = cloudwatch_metrics.data_for_every_dimension_set(
        Metric.MONITORING_HEARTBEAT, 1, environment.value, now
    )
    published = cloudwatch_metrics.publish(data)
    logger.info("self-test: heartbeat published", published=published.as_dict())
    return self_test.result(metrics=[Metric.MONITORING_HEARTBEAT.name])


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    logger.set_correlation_id(log_context.execution_id(event))
    environment = settings().environment
    now = clock.now()
    if self_test.requested(event):
        return _heartbeat(environment, now)
    return _publish_run(parse(event=event, model=PublisherEvent), environment, now)


def _publish_run(event: PublisherEvent, environment: Environment, now: datetime) -> dict[str, Any]:
    dbt = artifacts.resolve(event.dbt)
    for name, results in (("dbt.run", dbt.run), ("dbt.test", dbt.test)):
        if results is not None and not results.schema_supported:
            logger.warning(
                "dbt artifact schema not verified; counting by status anyway",
                part=name,
                dbt_schema_version=results.metadata.dbt_schema_version,
            )
    plan = run_metrics.build(event, dbt, environment.value, published_at=now)
    if plan.skipped:
        logger.info("parts absent from the event; their metrics are skipped", skipped=plan.skipped)
    result = cloudwatch_metrics.publish(plan.data)
    logger.info("metrics published", metric_names=plan.metric_names, published=result.as_dict())
    return {"published": result.as_dict(), "metrics": plan.metric_names}
