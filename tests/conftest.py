"""Shared fixtures: fake AWS credentials and a clean boto3 client cache for every test."""

from collections.abc import Iterator

import pytest

from handlers import aws_clients


@pytest.fixture(autouse=True)
def _isolated_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # Clients are rebuilt per test (endpoint and env are read then); the Session is kept, since
    # re-parsing service models per test would dominate the suite's time.
    aws_clients.client.cache_clear()
    yield
    aws_clients.client.cache_clear()
