"""Lambda: turn a pipeline failure into one SNS alert and PipelineErrors metrics.

Inputs: the Step Functions Catch payload, or the EventBridge "Step Functions Execution Status
Change" / "Glue Job State Change" events (`handlers.alerting.inputs`). Thin shell over
`handlers.alerting`: read the failure, build the alert, publish it to the topic its severity
routes to, then publish the error metrics (stamped when the failure occurred). A terminal
pipeline failure also publishes JobSuccess = 0, stamped with the run's start as the publisher
stamps JobSuccess = 1, so success-rate and missed-run views see failed runs on the run they
describe. The result is the alert's receipt (`handlers.alerting.receipt`), small enough for any
Step Functions state.

De-duplication (`handlers.alerting.dedupe`, on when IDEMPOTENCY_TABLE is set): the alert and its
PipelineErrors go out once per failure identity (`handlers.alerting.identity`) and window, the
JobSuccess = 0 once per failed run; a repeat returns the first receipt with `duplicate: true`.
When the store fails (missing, throttled, denied, an item it rejects), the alert goes out
anyway: `dedupe: "unavailable"`, a warning, and AlertFallbacks counted.

Canary (exactly `{"self_test": true}`): a test alert, subject "[SELF-TEST] ...", to
SELF_TEST_TOPIC_ARN when SELF_TEST_ALERTS=publish, or only logged when `log`; never any pipeline
metric.

Delivery rules:
- The settings are read first, before any alert is built: any invalid one (a missing or
  malformed topic ARN, a threshold out of range, SELF_TEST_ALERTS=publish without its topic...)
  raises ConfigurationError naming the variables. A misdeployed function fails every invocation
  (MonitoringHandlerErrors) rather than alert with a configuration it guessed.
- Garbage input still yields an `unknown` alert carrying the (truncated) raw payload. If building
  the alert fails anyway, a minimal alert goes out (`handlers.alerting.fallback`, counted in
  AlertFallbacks).
- A failed SNS publish (after botocore's retries) raises `AlertDeliveryError`, and so does a
  report that finds another invocation still delivering the same alert (its in-progress mark).
  The reference state machine retries that error on NotifyFailure with backoff; an EventBridge
  event is retried by Lambda's asynchronous invocation (then its dead-letter queue). An alert is
  never silently dropped.
- Metrics are published after the alert. A metrics failure after a delivered alert is logged
  and reported as `"metrics_published": false`, not raised: raising would make the caller retry
  and, with de-duplication off, deliver the same alert twice.
"""

from __future__ import annotations

import functools
import os
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import aws_clients, clock, cloudwatch_metrics, log_context, self_test, tracing
from handlers.alerting import alert as alerts
from handlers.alerting import bounds, fallback, identity, receipt
from handlers.alerting.dedupe import AlreadyInProgress, Deduplicator, Outcome
from handlers.alerting.inputs import Failure, Source, normalise
from handlers.contract import SELF_TEST_EVENT, EnvVar, Metric, SelfTestAlerts
from handlers.error_handler_settings import UNKNOWN_ENVIRONMENT, ErrorHandlerSettings
from handlers.settings import load

# Set by the Lambda runtime; lets the alert link to the log line that holds the full detail.
LAMBDA_LOG_GROUP_VARIABLE = "AWS_LAMBDA_LOG_GROUP_NAME"
ALERT_SECTION = "pipeline-failure-alert"
RUN_OUTCOME_SECTION = "pipeline-run-failed"
SELF_TEST_CAUSE = "Scheduled canary self-test of the alert path. No action needed."

logger = Logger()
tracer = tracing.tracer()


@functools.cache
def settings() -> ErrorHandlerSettings:
    loaded = load(ErrorHandlerSettings)
    if loaded.environment == UNKNOWN_ENVIRONMENT:
        logger.warning(f"{EnvVar.ENVIRONMENT} is not set; alerts and metrics say 'unknown'")
    if loaded.idempotency_table is None:
        logger.warning(f"{EnvVar.IDEMPOTENCY_TABLE} is not set; alerts are not de-duplicated")
    return loaded


class AlertDeliveryError(RuntimeError):
    """This invocation did not deliver the alert; the caller must retry. The reference state
    machine retries this error by its name, `contract.ALERT_DELIVERY_ERROR`."""


def _publish_metrics(data: list[cloudwatch_metrics.MetricDatum], what: str) -> bool:
    try:
        cloudwatch_metrics.publish(data)
    except Exception:
        logger.exception(f"alert delivered but {what} metrics were not published")
        return False
    return True


def _error_metrics(alert: alerts.Alert, when: datetime) -> bool:
    data = cloudwatch_metrics.data_for_every_dimension_set(
        Metric.PIPELINE_ERRORS,
        1,
        alert.environment,
        when,
        ErrorType=alert.error_type.value,
        Severity=alert.severity.value,
    )
    return _publish_metrics(data, Metric.PIPELINE_ERRORS.name)


def _job_failed_metric(environment: str, when: datetime) -> dict[str, Any]:
    data = cloudwatch_metrics.data_for_every_dimension_set(Metric.JOB_SUCCESS, 0, environment, when)
    return {"published": _publish_metrics(data, Metric.JOB_SUCCESS.name)}


def _count_fallbacks(count: int, environment: str, now: datetime) -> None:
    if count:
        data = cloudwatch_metrics.data_for_every_dimension_set(
            Metric.ALERT_FALLBACKS, count, environment, now
        )
        _publish_metrics(data, Metric.ALERT_FALLBACKS.name)


def _alert_config(config: ErrorHandlerSettings, region: str) -> alerts.AlertConfig:
    return alerts.AlertConfig(
        environment=config.environment,
        region=region,
        thresholds=config.thresholds,
        dashboard_name=config.dashboard_name,
        runbook_base_url=config.runbook_base_url,
        handler_log_group=os.environ.get(LAMBDA_LOG_GROUP_VARIABLE),
    )


def _compose(
    event: Any, config: alerts.AlertConfig, now: datetime
) -> tuple[Failure | None, alerts.Alert]:
    """The failure and its alert; the minimal alert (and no failure) if building them raised."""
    try:
        failure = normalise(event)
        return failure, alerts.build(failure, config, now)
    except Exception as error:  # whatever broke, the failure is still reported
        logger.exception("the alert could not be built; sending the minimal alert")
        return None, fallback.minimal(event, config, now, error)


def _send(alert: alerts.Alert, topic_arn: str) -> str:
    """Publish both renderings; any failure raises AlertDeliveryError so that the caller retries."""
    try:
        response = aws_clients.client("sns").publish(
            TopicArn=topic_arn,
            Subject=alert.subject,
            Message=alert.sns_message,
            MessageStructure="json",
            MessageAttributes=alert.message_attributes(),
        )
    except Exception as error:
        raise AlertDeliveryError(f"SNS did not take the alert {alert.identity}: {error}") from error
    message_id = str(response["MessageId"])
    logger.info("alert published", message_id=message_id, identity=str(alert.identity))
    return message_id


def _deliver(alert: alerts.Alert, topic_arn: str, when: datetime) -> dict[str, Any]:
    message_id = _send(alert, topic_arn)
    return {
        **receipt.of(alert, topic_arn, message_id),
        "metrics_published": _error_metrics(alert, when),
    }


def _self_test(config: ErrorHandlerSettings, now: datetime) -> dict[str, Any]:
    failure = Failure(
        source=Source.SELF_TEST,
        raw=dict(SELF_TEST_EVENT),
        error="SelfTest",
        cause=SELF_TEST_CAUSE,
        occurred_at=now,
    )
    alert = alerts.build(
        failure, _alert_config(config, aws_clients.client("sns").meta.region_name), now
    )
    if config.self_test_alerts is SelfTestAlerts.LOG or config.self_test_topic_arn is None:
        logger.info("self-test: alert built, not published", subject=alert.subject)
        return self_test.result(published=False, subject=alert.subject)
    message_id = _send(alert, config.self_test_topic_arn)
    return self_test.result(
        published=True,
        subject=alert.subject,
        topic_arn=config.self_test_topic_arn,
        message_id=message_id,
    )


def _warn_if_store_failed(outcome: Outcome, section: str) -> int:
    """1 when the de-duplication store failed for this section (a fallback to count), else 0."""
    if outcome.store_error is None:
        return 0
    logger.warning(
        "de-duplication store unavailable; alerted without it",
        section=section,
        store_error=f"{type(outcome.store_error).__name__}: {outcome.store_error}",
    )
    return 1


def _alert_once(
    dedupe: Deduplicator, alert: alerts.Alert, topic_arn: str, when: datetime
) -> Outcome:
    try:
        return dedupe.once(
            ALERT_SECTION, alert.identity.as_dict(), lambda: _deliver(alert, topic_arn, when)
        )
    except AlreadyInProgress as error:
        raise AlertDeliveryError(
            f"another invocation is delivering the alert {alert.identity}; retry later"
        ) from error


def _run_failed_once(
    dedupe: Deduplicator, run: dict[str, str], environment: str, when: datetime
) -> Outcome | None:
    """JobSuccess = 0 once per failed run; None while another invocation is counting it."""
    try:
        return dedupe.once(RUN_OUTCOME_SECTION, run, lambda: _job_failed_metric(environment, when))
    except AlreadyInProgress:
        logger.info("another invocation is counting this failed run", run=run)
        return None


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    logger.set_correlation_id(log_context.execution_id(event))
    config = settings()
    now = clock.now()
    if self_test.requested(event):
        return _self_test(config, now)
    alert_config = _alert_config(config, aws_clients.client("sns").meta.region_name)
    failure, alert = _compose(event, alert_config, now)
    if failure is not None and failure.problems:
        logger.warning("the payload could not be fully read", problems=list(failure.problems))
    topic_arn = config.topic_for(alert.route)
    # The full detail lives in the log (clipped only where JSON cannot be written, `bounds`);
    # the alert carries a truncated copy.
    logger.info(
        "publishing alert",
        error_type=alert.error_type.value,
        severity=alert.severity.value,
        topic_arn=topic_arn,
        identity=str(alert.identity),
        root_cause=alert.root_cause,
        raw_event=bounds.clip(event),
    )
    when = (failure.occurred_at if failure else None) or now
    dedupe = Deduplicator(config.idempotency_table, config.idempotency_window_seconds, context)
    delivered = _alert_once(dedupe, alert, topic_arn, when)
    fallbacks = int(alert.minimal) + _warn_if_store_failed(delivered, ALERT_SECTION)
    if delivered.duplicate:
        logger.info("duplicate of an alert already sent", identity=str(alert.identity))
    first = receipt.recorded(delivered.result) if delivered.duplicate else delivered.result
    result = {**first, "duplicate": delivered.duplicate, "dedupe": delivered.store.value}
    run = identity.failed_run(failure) if failure else None
    if failure is not None and run is not None:
        # On the run's start, where the publisher stamps a succeeded run's JobSuccess = 1.
        started = failure.started_at or now
        counted = _run_failed_once(dedupe, run, config.environment, started)
        if counted is not None:
            fallbacks += _warn_if_store_failed(counted, RUN_OUTCOME_SECTION)
        result["run_failure_metric"] = (
            {**counted.result, "duplicate": counted.duplicate} if counted else {"in_progress": True}
        )
    _count_fallbacks(fallbacks, config.environment, now)
    return result
