"""boto3 clients configured the same way in Lambda, in tests and against a local emulator.

Clients use botocore's `standard` retry mode (exponential backoff with jitter, throttling and
5xx retried) with the attempts and socket timeouts of the function's call budget
(`handlers/call_budget.py`, read from its environment), so that its AWS calls fit its timeout.
boto3 itself honours `AWS_ENDPOINT_URL` (and per-service `AWS_ENDPOINT_URL_<SVC>`), so pointing
the handlers at moto or LocalStack needs no code path of its own.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3

from handlers.call_budget import CallBudget
from handlers.settings import HandlerSettings, load


@functools.cache
def _session() -> boto3.session.Session:
    # One Session per process: building one parses service models again (~0.25 s per client).
    return boto3.session.Session()


def call_budget() -> CallBudget:
    """The call budget the environment sets (every handler's model carries it)."""
    return load(HandlerSettings).call_budget


def client(service: str) -> Any:
    """A cached client for `service` with the environment's call budget; call
    `forget_clients()` after changing the endpoint, `reset()` after changing credentials."""
    return _client(service, call_budget())


@functools.cache
def _client(service: str, budget: CallBudget) -> Any:
    return _session().client(service, config=budget.config())


def forget_clients() -> None:
    """Build clients anew (endpoint and environment are read then); keep the Session."""
    _client.cache_clear()


def reset() -> None:
    """Forget cached clients and the session (tests, or a changed endpoint or credentials)."""
    forget_clients()
    _session.cache_clear()
