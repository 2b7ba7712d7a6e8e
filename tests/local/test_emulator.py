"""The emulator harness: a real HTTP moto server that handlers reach through AWS_ENDPOINT_URL."""

import json
import os

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

from handlers import aws_clients, clock, cloudwatch_metrics
from handlers.contract import AlertRoute, Dimension, EnvVar, ErrorType, Metric, Severity
from local.emulator import create_alert_inbox, running_emulator
from local.moto_integrations import GlueRunOutcome
from local.stepfunctions_runner import PipelineComponents, local_pipeline


@pytest.fixture(scope="module")
def emulator():
    with running_emulator() as running:
        yield running


@pytest.fixture
def inbox(emulator, request):
    return create_alert_inbox(emulator, environment=request.node.name[-20:].strip("_"))


@pytest.fixture(autouse=True)
def _endpoint(emulator, monkeypatch):
    """Re-apply the emulator's environment that the shared conftest fixture resets per test."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator.endpoint_url)


def test_handler_clients_reach_the_emulator_and_alerts_come_back_by_route(inbox):
    sns = aws_clients.client("sns")
    sns.publish(
        TopicArn=inbox.topic_arns[AlertRoute.CRITICAL],
        Subject="[HIGH] glue_job_failure",
        Message=json.dumps({"error_type": "glue_job_failure"}),
        MessageAttributes={"severity": {"DataType": "String", "StringValue": "HIGH"}},
    )
    sns.publish(TopicArn=inbox.topic_arns[AlertRoute.WARNING], Message="plain text")

    alerts = sorted(inbox.drain(), key=lambda alert: alert.route)

    assert [alert.route for alert in alerts] == [AlertRoute.CRITICAL, AlertRoute.WARNING]
    critical, warning = alerts
    assert critical.subject == "[HIGH] glue_job_failure"
    assert critical.message == {"error_type": "glue_job_failure"}
    assert critical.attributes == {"severity": "HIGH"}
    assert warning.message == "plain text"
    assert inbox.drain() == []


def test_handler_environment_names_both_topics(inbox):
    assert inbox.handler_environment() == {
        EnvVar.CRITICAL_TOPIC_ARN: inbox.topic_arns[AlertRoute.CRITICAL],
        EnvVar.WARNING_TOPIC_ARN: inbox.topic_arns[AlertRoute.WARNING],
    }


def test_metrics_published_by_handlers_are_read_back(emulator):
    now = clock.now()
    cloudwatch_metrics.publish(
        [
            cloudwatch_metrics.datum(Metric.JOB_SUCCESS, 1, "emulated", now),
            *cloudwatch_metrics.data_for_every_dimension_set(
                Metric.PIPELINE_ERRORS, 2, "emulated", now,
                ErrorType=ErrorType.DBT_TEST_FAILURE, Severity=Severity.MEDIUM,
            ),
        ]
    )  # fmt: skip

    assert {Metric.JOB_SUCCESS.name, Metric.PIPELINE_ERRORS.name} <= emulator.metric_names()
    assert emulator.metric_sum(Metric.JOB_SUCCESS, {Dimension.ENVIRONMENT: "emulated"}) == 1
    by_type = Metric.PIPELINE_ERRORS.dimensions(
        "emulated", ErrorType=ErrorType.DBT_TEST_FAILURE, Severity=Severity.MEDIUM
    )
    assert emulator.metric_sum(Metric.PIPELINE_ERRORS, by_type) == 2
    assert emulator.metric_sum(Metric.JOB_SUCCESS, {Dimension.ENVIRONMENT: "elsewhere"}) is None


def test_state_machine_runs_against_the_emulator_and_alerts_reach_the_inbox(inbox):
    def error_handler(event, context):
        topic = os.environ[EnvVar.CRITICAL_TOPIC_ARN]
        aws_clients.client("sns").publish(TopicArn=topic, Message=json.dumps(event["error"]))
        return {"published": True}

    def never_called(event, context):
        raise AssertionError("the run stops at the Glue job")

    components = PipelineComponents(
        dbt_runner=never_called,
        pipeline_validator=never_called,
        metrics_publisher=never_called,
        error_handler=error_handler,
        environment=inbox.handler_environment(),
    )
    glue = GlueRunOutcome("FAILED", "Connection refused: salesforce")
    with local_pipeline(components, lambda name, args: glue, environment="emulated") as pipeline:
        result = pipeline.run("emulated-glue-failure")

    assert result.status == "FAILED"
    (alert,) = inbox.drain()
    assert alert.route == AlertRoute.CRITICAL
    assert json.loads(alert.message["Cause"])["ErrorMessage"] == "Connection refused: salesforce"


def test_environment_is_restored_and_server_stopped_on_exit(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://before.invalid")
    with running_emulator() as running:
        assert os.environ["AWS_ENDPOINT_URL"] == running.endpoint_url
        assert os.environ["MOTO_PORT"] == running.endpoint_url.rsplit(":", 1)[1]
    assert os.environ["AWS_ENDPOINT_URL"] == "http://before.invalid"
    stopped = boto3.client(
        "sqs", region_name="us-east-1", endpoint_url=running.endpoint_url,
        config=Config(retries={"max_attempts": 1}, connect_timeout=1),
    )  # fmt: skip
    with pytest.raises(EndpointConnectionError):
        stopped.list_queues()
