"""Handler test fixtures: a Lambda context, cleared per-container settings caches, moto alert
topics with an SQS inbox each, and the error handler's de-duplication table."""

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from moto import mock_aws

from handlers import aws_clients, error_handler, metrics_publisher
from handlers.contract import EnvVar
from tests.handlers import dedupe_table


@dataclass
class FakeLambdaContext:
    function_name: str = "sf-user-pipeline-dev-handler"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = (
        "arn:aws:lambda:us-east-1:123456789012:function:sf-user-pipeline-dev-handler"
    )
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    metrics_publisher.settings.cache_clear()
    error_handler.settings.cache_clear()
    yield
    metrics_publisher.settings.cache_clear()
    error_handler.settings.cache_clear()


class Topics:
    def __init__(self) -> None:
        sns = aws_clients.client("sns")
        self.sqs = sqs = aws_clients.client("sqs")
        self.arn: dict[str, str] = {}
        self.queue: dict[str, str] = {}
        for route in ("critical", "warning", "self-test"):
            topic = sns.create_topic(Name=f"sf-user-pipeline-dev-{route}")["TopicArn"]
            queue_url = sqs.create_queue(QueueName=f"alerts-{route}")["QueueUrl"]
            queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
            # Raw message delivery off: the queue receives SNS's JSON envelope, as email would.
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
            self.arn[route], self.queue[route] = topic, queue_url

    def received(self, route: str) -> list[dict]:
        messages = self.sqs.receive_message(
            QueueUrl=self.queue[route], MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", [])
        return [json.loads(message["Body"]) for message in messages]


@pytest.fixture
def topics(monkeypatch):
    with mock_aws():
        created = Topics()
        monkeypatch.setenv(EnvVar.CRITICAL_TOPIC_ARN, created.arn["critical"])
        monkeypatch.setenv(EnvVar.WARNING_TOPIC_ARN, created.arn["warning"])
        monkeypatch.setenv(EnvVar.ENVIRONMENT, "dev")
        monkeypatch.setenv(EnvVar.DASHBOARD_NAME, "sf-user-pipeline-dev")
        monkeypatch.setenv(EnvVar.RUNBOOK_BASE_URL, "https://runbooks.example.com/sf-user")
        yield created


@pytest.fixture
def table(topics, monkeypatch):
    """The error handler's de-duplication table in moto, as the stack creates it."""
    monkeypatch.setenv(EnvVar.IDEMPOTENCY_TABLE, dedupe_table.TABLE)
    return dedupe_table.create()
