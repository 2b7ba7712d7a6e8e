"""Injecting throttling and 5xx answers into botocore, before the request leaves the client.

A `before-send` handler that returns an `AWSResponse` replaces the HTTP exchange, so botocore's
own retry logic (standard mode: exponential backoff with jitter, retry quota) sees exactly what
it would see from AWS. Error bodies follow the protocol the client speaks (`resolved_protocol`:
CloudWatch's client uses JSON) so botocore parses the error code as it would in production.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse

from handlers import aws_clients

THROTTLE = "throttle"
SERVER_ERROR = "5xx"


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


def response(protocol: str, kind: str) -> AWSResponse:
    """The error a service speaking `protocol` returns when throttling or failing."""
    status = (
        503 if kind == THROTTLE and protocol == "rest-xml" else 400 if kind == THROTTLE else 500
    )
    code = {
        ("query", THROTTLE): "Throttling",
        ("rest-xml", THROTTLE): "SlowDown",
    }.get((protocol, kind), "ThrottlingException" if kind == THROTTLE else "InternalFailure")
    headers: dict[str, str] = {"x-amzn-requestid": "fault"}
    if protocol == "query":
        error = f"<Type>Sender</Type><Code>{code}</Code><Message>injected</Message>"
        body = f"<ErrorResponse><Error>{error}</Error></ErrorResponse>".encode()
    elif protocol == "rest-xml":
        body = f"<Error><Code>{code}</Code><Message>injected</Message></Error>".encode()
    else:  # json
        headers["content-type"] = "application/x-amz-json-1.1"
        body = json.dumps({"__type": code, "message": "injected"}).encode()
    return AWSResponse("https://fault.invalid/", status, headers, _Raw(body))


def success(protocol: str, operation: str) -> AWSResponse:
    """A minimal successful answer (used where no emulator is involved)."""
    if protocol == "query":
        body = (f"<{operation}Response><{operation}Result><MessageId>m</MessageId></{operation}"
                f"Result></{operation}Response>").encode()  # fmt: skip
        return AWSResponse("https://ok.invalid/", 200, {}, _Raw(body))
    headers = {"content-type": "application/x-amz-json-1.1"}
    return AWSResponse("https://ok.invalid/", 200, headers, _Raw(b"{}"))


@dataclass
class Injector:
    """Answers `operation` calls: `decide(attempt)` returns a fault kind, or None to pass."""

    protocol: str
    decide: Callable[[int], str | None]
    answer_success: str | None = None  # operation name: answer successes locally too
    attempts: int = 0
    injected: int = 0
    delivered: list[int] = field(default_factory=list)

    def __call__(self, **_: Any) -> AWSResponse | None:
        self.attempts += 1
        kind = self.decide(self.attempts)
        if kind is not None:
            self.injected += 1
            return response(self.protocol, kind)
        self.delivered.append(self.attempts)
        return success(self.protocol, self.answer_success) if self.answer_success else None


def inject(service: str, operation: str, decide: Callable[[int], str | None],
           answer_success: bool = False) -> Injector:  # fmt: skip
    """Attach an injector to the handlers' cached client for `service` (aws_clients.client)."""
    client = aws_clients.client(service)
    model = client.meta.service_model
    protocol = getattr(model, "resolved_protocol", None) or model.protocol
    injector = Injector(protocol, decide, operation if answer_success else None)
    hyphenized = model.service_id.hyphenize()
    client.meta.events.register(f"before-send.{hyphenized}.{operation}", injector)
    return injector
