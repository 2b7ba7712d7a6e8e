"""The metrics publisher's settings: the environment variables it reads (`contract.EnvVar`).

A module of its own, without the handler's Powertools set-up, so the stack can build the
function's environment from this model (components/function_environment.py).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from handlers.contract import Environment, EnvVar
from handlers.settings import HandlerSettings


class PublisherSettings(HandlerSettings):
    # Both dbt run_results.json from S3, then the run's metrics in one PutMetricData batch.
    AWS_CALLS: ClassVar[int] = 3

    environment: Environment = Field(alias=EnvVar.ENVIRONMENT)
