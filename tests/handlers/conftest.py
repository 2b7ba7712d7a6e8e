"""Handler test fixtures: a Lambda context and cleared per-container settings caches."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from handlers import error_handler, metrics_publisher


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
