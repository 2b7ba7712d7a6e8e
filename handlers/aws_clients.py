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

MAX_ATTEMPTS = 5  # in total, the first attempt included

RETRY_CONFIG = Config(
    # botocore's `max_attempts` counts retries only; `total_max_attempts` counts every attempt.
    retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
    connect_timeout=5,
    read_timeout=30,
)


@functools.cache
def _session() -> boto3.session.Session:
    # One Session per process: building one parses service models again (~0.25 s per client).
    return boto3.session.Session()


@functools.cache
def client(service: str) -> Any:
    """A cached client for `service`; call `reset()` after changing the environment."""
    return _session().client(service, config=RETRY_CONFIG)


def reset() -> None:
    """Forget cached clients and the session (tests, or a changed endpoint or credentials)."""
    client.cache_clear()
    _session.cache_clear()
