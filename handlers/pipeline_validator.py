"""Lambda: validate the latest extract (`ingestion`) or the SCD dimension (`scd_integrity`).

A thin shell over `handlers.validation`: parse the event, run one aggregate query on Athena (or
DuckDB locally), publish the scores, return the report. Data failures return `passed: false` with
the failing checks; engine and configuration failures raise, so Step Functions retries or fails
the state and the error handler alerts.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import cloudwatch_metrics
from handlers.events import ContractModel, ExecutionContext, GlueJobRun
from handlers.validation.engines import create_engine
from handlers.validation.metrics import metric_data
from handlers.validation.runner import ValidationType, validate
from handlers.validation.settings import load_settings

logger = Logger()
tracer = Tracer()


class ValidatorEvent(ContractModel):
    validation_type: ValidationType
    execution: ExecutionContext
    glue_job: GlueJobRun | None = None


@logger.inject_lambda_context(correlation_id_path="execution.Id")
@tracer.capture_lambda_handler
@event_parser(model=ValidatorEvent)
def handler(event: ValidatorEvent, context: LambdaContext) -> dict[str, Any]:
    settings = load_settings(os.environ)
    now = datetime.now(UTC)
    report = validate(event.validation_type, settings, create_engine(settings), now, event.glue_job)
    published = cloudwatch_metrics.publish(metric_data(report, settings.environment, now))
    tracer.put_annotation("validation_type", report.validation_type.value)
    tracer.put_annotation("passed", report.passed)
    logger.info(
        "validation finished",
        extra={
            "validation_type": report.validation_type.value,
            "passed": report.passed,
            "failed_checks": report.failed_checks,
            "metrics_published": published.metrics,
        },
    )
    return report.as_dict()
