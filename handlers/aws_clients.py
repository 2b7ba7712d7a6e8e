"""boto3 clients configured the same way in Lambda, in tests and against a local emulator.

Clients use botocore's `standard` retry mode (exponential backoff with jitter, throttling and
5xx retried). boto3 itself honours `AWS_ENDPOINT_URL` (and per-service `AWS_ENDPOINT_URL_<SVC>`),
so pointing the handlers at moto or LocalStack needs no code path of its own.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config

MAX_ATTEMPTS = 5

RETRY_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
    connect_timeout=5,
    read_timeout=30,
)


@functools.cache
def client(service: str) -> Any:
    """A cached client for `service`; call `client.cache_clear()` after changing the environment."""
    return boto3.session.Session().client(service, config=RETRY_CONFIG)
