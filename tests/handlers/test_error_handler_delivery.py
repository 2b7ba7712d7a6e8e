"""The error handler's delivery guarantees, against moto: de-duplication on DynamoDB, the chat-ready
SNS message, JobSuccess = 0 for failed runs, and the canary's self-test alert."""

import json
from datetime import datetime, timedelta

import pytest
from aws_lambda_powertools.shared import user_agent
from aws_lambda_powertools.utilities.idempotency.persistence import base, datarecord, dynamodb
from botocore.stub import Stubber
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from handlers import aws_clients, clock, error_handler, metrics_publisher
from handlers.contract import NAMESPACE, EnvVar, Metric
from handlers.settings import ConfigurationError
from local.clock_alignment import follow_clock
from tests.handlers import events
from tests.handlers.dedupe_table import records as _records
from tests.handlers.logs import invoke_logged
from tests.handlers.readback import datapoints
from tests.unit.chatbot_schema import ChatbotNotification


def _all_metrics() -> set[str]:
    listed = aws_clients.client("cloudwatch").list_metrics(Namespace=NAMESPACE)["Metrics"]
    return {metric["MetricName"] for metric in listed}


def _job_success_samples() -> list[dict]:
    return datapoints(Metric.JOB_SUCCESS, "SampleCount", "Maximum")


def _pipeline_failure(error_type: str, catch: dict) -> tuple[dict, dict]:
    """The Catch payload NotifyFailure sends and the FAILED event the Fail state then causes."""
    catch = {**catch, "error_type": error_type}
    event = events.execution_status_change("FAILED", error_type, catch["error"]["Cause"])
    return catch, event


def _sent(route: str) -> list[tuple]:
    """What moto's SNS received for a topic: (message id, Message, Subject, ...) per publish."""
    backend = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    topic = next(t for arn, t in backend.topics.items() if arn.endswith(f"-{route}"))
    return topic.sent_notifications


def test_a_retried_delivery_alerts_once_and_returns_the_first_result(table, topics, lambda_context):
    first = error_handler.handler(events.dbt_test_catch(), lambda_context)
    again = error_handler.handler(events.dbt_test_catch(), lambda_context)
    assert len(topics.received("warning")) == 1
    assert (first["duplicate"], again["duplicate"]) == (False, True)
    assert again["message_id"] == first["message_id"]


@pytest.mark.parametrize(
    ("error_type", "catch", "route"),
    [
        ("dbt_run_failure", events.dbt_run_catch(), "critical"),
        ("dbt_test_failure", events.dbt_test_catch(), "warning"),
        ("unknown", events.catch_payload("States.Runtime", "metrics task crashed"), "critical"),
    ],
)
def test_catch_and_the_execution_event_for_one_failure_give_one_alert(
    table, topics, lambda_context, error_type, catch, route
):
    catch, event = _pipeline_failure(error_type, catch)
    first = error_handler.handler(catch, lambda_context)
    second = error_handler.handler(event, lambda_context)
    assert len(topics.received(route)) == 1
    assert second["duplicate"] is True
    assert (
        second["identity"]
        == first["identity"]
        == f"execution:{events.EXECUTION_ARN}#redrive-0#{error_type}"
    )


def test_a_glue_failure_alerts_once_whichever_of_three_reports_comes_first(
    table, topics, lambda_context
):
    catch, event = _pipeline_failure("glue_job_failure", events.glue_catch())
    glue_event = events.glue_job_state_change("FAILED", events.GLUE_ERROR_MESSAGE)
    results = [error_handler.handler(e, lambda_context) for e in (glue_event, catch, event)]
    assert len(topics.received("critical")) == 1
    assert [r["duplicate"] for r in results] == [False, True, True]
    assert {r["identity"] for r in results} == {
        f"glue_job_run:{events.GLUE_RUN_ID}#glue_job_failure"
    }


def test_a_redriven_execution_that_fails_again_alerts_again(table, topics, lambda_context):
    catch = {**events.dbt_run_catch(), "error_type": "dbt_run_failure"}
    redriven = {**catch, "execution": {**events.EXECUTION, "RedriveCount": 1}}
    error_handler.handler(catch, lambda_context)
    error_handler.handler(redriven, lambda_context)
    assert len(topics.received("critical")) == 2


def test_a_failed_publish_leaves_no_record_so_the_retry_alerts(table, topics, lambda_context):
    sns = aws_clients.client("sns")
    with Stubber(sns) as stub:
        stub.add_client_error("publish", "InternalError", "SNS is down", 500)
        with pytest.raises(error_handler.AlertDeliveryError):
            error_handler.handler(events.glue_catch(), lambda_context)
    assert _records(table) == []  # Powertools deleted the in-progress record
    retried = error_handler.handler(events.glue_catch(), lambda_context)
    assert retried["duplicate"] is False
    assert len(topics.received("critical")) == 1


def test_warm_invocations_hook_the_cached_client_once(table, topics, lambda_context, monkeypatch):
    # Each persistence layer built registers a hook on the client it is given; the client is
    # cached for the container's life, so one layer per invocation would pile hooks up.
    hooked = []
    register = user_agent.register_feature_to_client
    monkeypatch.setattr(
        user_agent,
        "register_feature_to_client",
        lambda client, feature: (hooked.append(client), register(client, feature)),
    )
    for redrive in range(3):
        catch = events.dbt_test_catch()
        catch["execution"] = {**catch["execution"], "RedriveCount": redrive}
        assert error_handler.handler(catch, lambda_context)["duplicate"] is False
    assert hooked == [table]


def test_records_expire_after_the_configured_window(table, monkeypatch, lambda_context):
    monkeypatch.setenv(EnvVar.IDEMPOTENCY_WINDOW_SECONDS, "600")
    with follow_clock((base, "dt"), (datarecord, "dt"), (dynamodb, "dt")):
        error_handler.handler(events.dbt_test_catch(), lambda_context)
    expirations = {int(item["expiration"]["N"]) for item in _records(table)}
    assert expirations == {int((clock.now() + timedelta(seconds=600)).timestamp())}


def test_without_a_table_dedupe_is_off_and_says_so(topics, lambda_context):
    _, logs = invoke_logged(error_handler, events.dbt_test_catch(), lambda_context)
    error_handler.handler(events.dbt_test_catch(), lambda_context)
    assert len(topics.received("warning")) == 2
    assert any(EnvVar.IDEMPOTENCY_TABLE.value in line["message"] for line in logs)


def test_a_failed_run_counts_once_as_job_success_zero(table, topics, lambda_context):
    catch, event = _pipeline_failure("dbt_run_failure", events.dbt_run_catch())
    first = error_handler.handler(catch, lambda_context)
    error_handler.handler(event, lambda_context)
    error_handler.handler(catch, lambda_context)
    (point,) = _job_success_samples()
    assert (point["SampleCount"], point["Maximum"]) == (1.0, 0.0)
    assert first["run_failure_metric"] == {"published": True, "duplicate": False}


def _job_success_stamps() -> list[datetime]:
    """When each JobSuccess datum is stamped (within the minute that holds it)."""
    points = aws_clients.client("cloudwatch").get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=Metric.JOB_SUCCESS.name,
        Dimensions=[{"Name": "Environment", "Value": "dev"}],
        StartTime=events.START_AT - timedelta(hours=3),
        EndTime=events.START_AT + timedelta(hours=3),
        Period=60,
        Statistics=["Maximum"],
    )["Datapoints"]
    return [point["Timestamp"] for point in points]


@pytest.mark.parametrize(
    "report",
    [events.dbt_run_catch, lambda: events.execution_status_change("FAILED")],
    ids=["catch", "execution_event"],
)
def test_a_failed_run_is_stamped_at_its_start_as_the_publisher_stamps_a_succeeded_one(
    frozen_clock, topics, lambda_context, report
):
    frozen_clock.advance(timedelta(hours=2))  # the report arrives well after the run began
    error_handler.handler(report(), lambda_context)
    (stamped,) = _job_success_stamps()
    assert abs(stamped - events.START_AT) < timedelta(minutes=1)


@pytest.mark.parametrize("status", ["TIMED_OUT", "ABORTED"])
def test_timed_out_and_aborted_executions_count_as_failed_runs(topics, lambda_context, status):
    error_handler.handler(events.execution_status_change(status), lambda_context)
    (point,) = _job_success_samples()
    assert point["Maximum"] == 0.0


def test_a_glue_event_alone_is_not_a_pipeline_run(topics, lambda_context):
    result = error_handler.handler(
        events.glue_job_state_change("FAILED", events.GLUE_ERROR_MESSAGE), lambda_context
    )
    assert _job_success_samples() == []
    assert "run_failure_metric" not in result


def test_email_gets_text_and_chat_gets_a_valid_chatbot_notification(topics, lambda_context):
    result = error_handler.handler(events.glue_catch(), lambda_context)
    (envelope,) = topics.received("critical")  # SQS: the `default` form
    (sent,) = _sent("critical")
    structured = json.loads(sent[1])
    assert set(structured) == {"default", "https"}
    assert envelope["Message"] == structured["default"]
    assert envelope["MessageId"] == result["message_id"]
    assert "RECOMMENDED ACTIONS" in envelope["Message"]
    notification = ChatbotNotification.model_validate_json(structured["https"])
    assert notification.content.title.startswith("[HIGH] sf-user-pipeline-dev glue_job_failure")
    assert notification.content.next_steps[-1].startswith("Runbook: https://runbooks.example.com")
    assert events.EXECUTION_ARN in notification.metadata.related_resources


def test_every_alert_links_execution_glue_run_logs_insights_dashboard_runbook(
    topics, lambda_context
):
    error_handler.handler(events.glue_catch(), lambda_context)
    (envelope,) = topics.received("critical")
    section = envelope["Message"].split("\nLINKS\n", 1)[1].split("\nRAW DETAIL\n", 1)[0]
    links = dict(line.strip().split(": ", 1) for line in section.strip().splitlines())
    assert {
        "Step Functions execution",
        "Glue job run",
        "Logs Insights (pipeline and handler logs)",
        "Dashboard",
        "Runbook",
    } <= set(links)
    assert (
        "#logsV2:logs-insights$3FqueryDetail$3D"
        in links["Logs Insights (pipeline and handler logs)"]
    )


def test_self_test_alert_goes_to_the_self_test_topic_marked_and_counts_nothing(
    topics, monkeypatch, lambda_context
):
    monkeypatch.setenv(EnvVar.SELF_TEST_ALERTS, "publish")
    monkeypatch.setenv(EnvVar.SELF_TEST_TOPIC_ARN, topics.arn["self-test"])
    result = error_handler.handler({"self_test": True}, lambda_context)
    (envelope,) = topics.received("self-test")
    assert envelope["Subject"].startswith("[SELF-TEST] ")
    assert result["self_test"] is True and result["published"] is True
    assert topics.received("critical") == topics.received("warning") == []
    assert _all_metrics() == set()


def test_self_test_in_log_mode_publishes_nothing(topics, monkeypatch, lambda_context):
    monkeypatch.setenv(EnvVar.SELF_TEST_ALERTS, "log")
    result, logs = invoke_logged(error_handler, {"self_test": True}, lambda_context)
    assert result["published"] is False
    assert topics.received("self-test") == []
    assert _all_metrics() == set()
    assert any("[SELF-TEST]" in str(line.get("subject")) for line in logs)


def test_publishing_self_tests_needs_the_topic(topics, monkeypatch, lambda_context):
    monkeypatch.setenv(EnvVar.SELF_TEST_ALERTS, "publish")
    with pytest.raises(ConfigurationError, match=EnvVar.SELF_TEST_TOPIC_ARN.value):
        error_handler.handler({"self_test": True}, lambda_context)


def test_publisher_self_test_publishes_only_the_heartbeat(topics, lambda_context):
    result = metrics_publisher.handler({"self_test": True}, lambda_context)
    assert result["self_test"] is True
    assert _all_metrics() == {Metric.MONITORING_HEARTBEAT.name}
