"""Injecting throttling, 5xx and rejected-item answers into botocore, before the request leaves
the client.

A `before-send` handler that returns an `AWSResponse` replaces the HTTP exchange, so botocore's
own retry logic (standard mode: exponential backoff with jitter, retry quota) sees exactly what
it would see from AWS. botocore still runs every other `before-send` handler, moto's included, so
an emulator applies the request that the client sees fail (as after a lost response). `reject`
answers at `before-call` instead: the request is never sent, as when the service refuses it.
Error bodies follow the protocol the client speaks (`resolved_protocol`:
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
ITEM_TOO_LARGE = "item-too-large"  # DynamoDB's answer to an item over 400 KB


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


# (kind, protocol) -> (HTTP status, error code); protocol None: every other protocol.
ERRORS: dict[tuple[str, str | None], tuple[int, str]] = {
    (THROTTLE, "query"): (400, "Throttling"),
    (THROTTLE, "rest-xml"): (503, "SlowDown"),
    (THROTTLE, None): (400, "ThrottlingException"),
    (SERVER_ERROR, None): (500, "InternalFailure"),
    (ITEM_TOO_LARGE, None): (400, "ValidationException"),
}
MESSAGES = {ITEM_TOO_LARGE: "Item size has exceeded the maximum allowed size"}


def response(protocol: str, kind: str) -> AWSResponse:
    """The error a service speaking `protocol` returns when throttling, failing or rejecting."""
    status, code = ERRORS.get((kind, protocol)) or ERRORS[(kind, None)]
    message = MESSAGES.get(kind, "injected")
    headers: dict[str, str] = {"x-amzn-requestid": "fault"}
    if protocol == "query":
        error = f"<Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
        body = f"<ErrorResponse><Error>{error}</Error></ErrorResponse>".encode()
    elif protocol == "rest-xml":
        body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
    else:  # json
        headers["content-type"] = "application/x-amz-json-1.1"
        body = json.dumps({"__type": code, "message": message}).encode()
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


def reject(service: str, operation: str, decide: Callable[[int], str | None]) -> Injector:
    """Answer `operation` calls of the handlers' cached client with the error `decide(attempt)`
    names (None lets the call through), before the request is sent: no retries, and no emulator
    sees a refused request."""
    client = aws_clients.client(service)
    model = client.meta.service_model
    injector = Injector(model.resolved_protocol, decide)

    def refuse(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        injector.attempts += 1
        kind = decide(injector.attempts)
        if kind is None:
            injector.delivered.append(injector.attempts)
            return None
        injector.injected += 1
        status, code = ERRORS[(kind, None)]
        error = {"Code": code, "Message": MESSAGES.get(kind, "injected")}
        return response(injector.protocol, kind), {
            "Error": error,
            "ResponseMetadata": {"HTTPStatusCode": status},
        }

    client.meta.events.register(f"before-call.{model.service_id.hyphenize()}.{operation}", refuse)
    return injector
