"""Shared fixtures: a frozen clock, fake AWS credentials and a clean boto3 client cache for
every test."""

import functools
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.sns.models import Subscription

from handlers import aws_clients, clock
from tests.frozen_time import FROZEN_NOW


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[clock.FrozenClock]:
    """Every test runs at FROZEN_NOW; a test that needs time to pass moves this clock."""
    with clock.frozen(FROZEN_NOW) as frozen:
        yield frozen


@pytest.fixture(autouse=True)
def _isolated_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # Clients are rebuilt per test (endpoint and env are read then); the Session is kept, since
    # re-parsing service models per test would dominate the suite's time.
    aws_clients.forget_clients()
    yield
    aws_clients.forget_clients()


@functools.cache
def _sns_signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session", autouse=True)
def _one_sns_signing_key() -> Iterator[None]:
    """moto signs each SNS subscription's deliveries with a key it generates per subscription
    (2048-bit RSA, ~65 ms of CPU each, dozens per run); one key per run signs just as well."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Subscription, "private_key", lambda _self: _sns_signing_key())
        yield
