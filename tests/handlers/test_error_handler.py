import re

import pytest
from botocore.stub import Stubber

from handlers import aws_clients, error_handler
from handlers.contract import ALERT_DELIVERY_ERROR, NAMESPACE, EnvVar, Metric
from handlers.settings import ConfigurationError
from tests.handlers import events
from tests.handlers.logs import invoke_logged


def _error_metrics() -> list[dict[str, str]]:
    listed = aws_clients.client("cloudwatch").list_metrics(
        Namespace=NAMESPACE, MetricName=Metric.PIPELINE_ERRORS.name
    )["Metrics"]
    return sorted(
        ({d["Name"]: d["Value"] for d in metric["Dimensions"]} for metric in listed), key=len
    )


def test_glue_failure_alerts_the_critical_topic_once(topics, lambda_context):
    result = error_handler.handler(events.glue_catch(), lambda_context)

    (envelope,) = topics.received("critical")
    assert topics.received("warning") == []
    assert envelope["Subject"] == result["subject"]
    assert envelope["Subject"].startswith("[HIGH] sf-user-pipeline-dev glue_job_failure: Glue job")
    assert events.GLUE_ERROR_MESSAGE in envelope["Message"]
    assert "RECOMMENDED ACTIONS" in envelope["Message"]
    assert "https://runbooks.example.com/sf-user/error-glue-job-failure.md" in envelope["Message"]
    assert envelope["MessageAttributes"] == {
        "severity": {"Type": "String", "Value": "HIGH"},
        "error_type": {"Type": "String", "Value": "glue_job_failure"},
    }
    assert result["message_id"] == envelope["MessageId"]
    assert result["topic_arn"] == topics.arn["critical"]
    assert result["metrics_published"] is True


def test_error_metrics_carry_every_contract_dimension_set(topics, lambda_context):
    error_handler.handler(events.dbt_test_catch(), lambda_context)
    assert _error_metrics() == [
        {"Environment": "dev"},
        {"Environment": "dev", "ErrorType": "dbt_test_failure", "Severity": "MEDIUM"},
    ]
    assert len(_error_metrics()) == len(Metric.PIPELINE_ERRORS.dimension_sets)


@pytest.mark.parametrize(
    ("event", "route", "severity"),
    [
        (events.dbt_test_catch(), "warning", "MEDIUM"),
        (events.dbt_run_catch(), "critical", "HIGH"),
        (events.validation_catch("scd_integrity", score=90.0, failed=1), "critical", "HIGH"),
        (events.execution_status_change("ABORTED"), "warning", "LOW"),
        (events.glue_job_state_change("TIMEOUT", "Job run timed out"), "critical", "HIGH"),
    ],
)
def test_severity_routes_to_the_contract_topic(topics, lambda_context, event, route, severity):
    error_handler.handler(event, lambda_context)
    other = "warning" if route == "critical" else "critical"
    (envelope,) = topics.received(route)
    assert topics.received(other) == []
    assert envelope["MessageAttributes"]["severity"]["Value"] == severity


@pytest.mark.parametrize("garbage", [None, "boom", 7, [1, 2], {"execution": {"Id": 5}}])
def test_garbage_still_alerts_as_unknown(topics, lambda_context, garbage):
    result = error_handler.handler(garbage, lambda_context)
    (envelope,) = topics.received("critical")
    assert envelope["MessageAttributes"]["error_type"]["Value"] == "unknown"
    assert result["error_type"] == "unknown"
    assert "RAW DETAIL" in envelope["Message"]


@pytest.mark.parametrize(
    "event", [{}, {"foo": 1}, events.eventbridge("aws.s3", "Object Created", {"key": "k"})]
)
def test_a_payload_of_no_known_shape_alerts_and_says_it_could_not_be_read(
    topics, lambda_context, event
):
    result = error_handler.handler(event, lambda_context)
    (envelope,) = topics.received("critical")
    assert re.search(r"Reported by +: unreadable", envelope["Message"])
    assert "The payload could not be fully read" in envelope["Message"]
    assert "no error_type, error or execution" in envelope["Message"]
    assert result["source"] == "unreadable" and result["problems"]


def test_huge_cause_is_truncated_but_delivered(topics, lambda_context):
    cause = events.lambda_error_cause("DbtCommandFailed", "dbt run: " + "x" * 400_000)
    result = error_handler.handler(events.catch_payload("DbtCommandFailed", cause), lambda_context)
    (envelope,) = topics.received("critical")
    assert len(envelope["Message"].encode()) < 256 * 1024
    assert "truncated" in envelope["Message"]
    assert result["error_type"] == "dbt_run_failure"


def test_a_failed_publish_raises_the_declared_error_so_the_caller_retries(topics, lambda_context):
    sns = aws_clients.client("sns")
    with Stubber(sns) as stub:
        stub.add_client_error("publish", "InternalError", "SNS is down", 500)
        with pytest.raises(error_handler.AlertDeliveryError, match="SNS is down") as raised:
            error_handler.handler(events.glue_catch(), lambda_context)
    assert isinstance(raised.value.__cause__, sns.exceptions.ClientError)
    assert type(raised.value).__name__ == ALERT_DELIVERY_ERROR  # what the ASL retries
    assert _error_metrics() == []  # no alert, no metric


def test_metrics_failure_after_delivery_is_logged_not_raised(topics, lambda_context):
    cloudwatch = aws_clients.client("cloudwatch")
    with Stubber(cloudwatch) as stub:
        stub.add_client_error("put_metric_data", "Throttling", "Rate exceeded", 400)
        result, logs = invoke_logged(error_handler, events.glue_catch(), lambda_context)
    assert result["metrics_published"] is False
    assert len(topics.received("critical")) == 1
    assert any(line["level"] == "ERROR" and "metrics" in line["message"] for line in logs)


def test_missing_topic_configuration_is_a_hard_error(topics, monkeypatch, lambda_context):
    monkeypatch.delenv(EnvVar.WARNING_TOPIC_ARN)
    with pytest.raises(ConfigurationError, match=EnvVar.WARNING_TOPIC_ARN.value):
        error_handler.handler(events.glue_catch(), lambda_context)


def test_logs_hold_the_full_event_under_the_execution_correlation_id(topics, lambda_context):
    event = events.execution_status_change("FAILED", "States.TaskFailed", "c" * 50_000)
    result, logs = invoke_logged(error_handler, event, lambda_context)
    assert result["error_type"] == "unknown"
    assert {line["correlation_id"] for line in logs} == {events.EXECUTION_ARN}
    assert any(line.get("raw_event") == event for line in logs)
