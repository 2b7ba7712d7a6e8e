"""Lambda: validate the latest extract (`ingestion`) or the SCD dimension (`scd_integrity`).

A thin shell over `handlers.validation`: parse the event, run the validation's queries on Athena (or
DuckDB locally; ingestion looks up which columns exist, then runs its aggregate query, SCD integrity
runs one aggregate query), publish the scores, return the report. Data failures return
`passed: false` with the failing checks; engine and configuration failures raise (QueryEngineError,
ConfigurationError), so the task fails; the reference state machine catches that and the error
handler alerts. Athena stops waiting at a deadline taken from the Lambda context, early enough to
stop the query and raise before Lambda's timeout. A canary self-test event (`handlers.self_test`)
runs a trivial query on the configured engine, returns its stats and publishes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import clock, cloudwatch_metrics, log_context, self_test, tracing
from handlers.contract import ValidationType
from handlers.deadline import LambdaDeadline
from handlers.events import ContractModel, ExecutionContext, GlueJobRun
from handlers.settings import load
from handlers.validation import sql
from handlers.validation.engines import QueryEngine, create_engine
from handlers.validation.errors import QueryEngineError
from handlers.validation.metrics import metric_data
from handlers.validation.runner import validate
from handlers.validation.settings import ValidatorSettings

SELF_TEST_QUERY_NAME = "self_test"

logger = Logger()
tracer = tracing.tracer()


class ValidatorEvent(ContractModel):
    validation_type: ValidationType
    execution: ExecutionContext
    glue_job: GlueJobRun | None = None


def self_test_query(now: datetime) -> str:
    """`SELECT 1`, stamped with the time so that Athena never answers it from a reused result."""
    return f"SELECT 1 AS ok, {sql.timestamp_literal(now)} AS checked_at"


def _engine(settings: ValidatorSettings, context: LambdaContext) -> QueryEngine:
    """The configured engine; Athena waits until the deadline that leaves the calls after it
    their time."""
    deadline = LambdaDeadline.keeping(
        context, settings.call_budget, ValidatorSettings.CALLS_AFTER_POLL_DEADLINE
    )
    return create_engine(settings, deadline)


def _self_test(engine: QueryEngine, now: datetime) -> dict[str, Any]:
    result = engine.run(SELF_TEST_QUERY_NAME, self_test_query(now))
    if [row.get("ok") for row in result.rows] != [1]:
        raise QueryEngineError(f"self-test query on {engine.name} returned {result.rows!r}")
    logger.info("self-test: query engine answered", extra={"query": result.stats.as_dict()})
    return self_test.result(engine=engine.name, queries=[result.stats.as_dict()])


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    logger.set_correlation_id(log_context.execution_id(event))
    settings = load(ValidatorSettings)
    now = clock.now()
    if self_test.requested(event):
        return _self_test(_engine(settings, context), now)
    validator_event = parse(event=event, model=ValidatorEvent)
    return _validate(validator_event, settings, _engine(settings, context), now)


def _validate(
    event: ValidatorEvent, settings: ValidatorSettings, engine: QueryEngine, now: datetime
) -> dict[str, Any]:
    report = validate(event.validation_type, settings, engine, now, event.glue_job)
    published = cloudwatch_metrics.publish(metric_data(report, settings.environment, now))
    tracer.put_annotation("validation_type", report.validation_type.value)
    tracer.put_annotation("passed", report.passed)
    logger.info(
        "validation finished",
        extra={
            "validation_type": report.validation_type.value,
            "passed": report.passed,
            "failed_checks": report.failed_checks,
            "skipped_checks": report.skipped_checks,
            "metrics_published": published.metrics,
            # Cost per query: bytes scanned, engine time, whether Athena reused a result.
            "queries": [query.as_dict() for query in report.queries],
        },
    )
    return report.as_dict()
