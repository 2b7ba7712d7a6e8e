"""Handler test fixtures: a Lambda context and cleared per-container settings caches."""

from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest

from handlers import aws_clients, error_handler, metrics_publisher


@dataclass
class FakeLambdaContext:
    function_name: str = "sf-user-pipeline-dev-handler"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = (
        "arn:aws:lambda:us-east-1:123456789012:function:sf-user-pipeline-dev-handler"
    )
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


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


_SHARED_SESSION: list[boto3.session.Session] = []


@pytest.fixture(autouse=True)
def _one_botocore_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """Share one boto3 Session across tests so service models are parsed once, not per client.

    `aws_clients.client` builds each client from a new Session (as a Lambda container does
    once); re-parsing the models for every test would dominate the suite's run time.
    """
    if not _SHARED_SESSION:
        _SHARED_SESSION.append(boto3.session.Session())
    monkeypatch.setattr(aws_clients.boto3.session, "Session", lambda: _SHARED_SESSION[0])
