"""Invoke a Python handler the way the Lambda runtime would, without a container.

The handler gets a JSON-decoded event and a context object; its return value must be JSON
serialisable. An exception becomes Lambda's error payload (`errorMessage`, `errorType`,
`stackTrace`) with the `Unhandled` function error, which Step Functions turns into
`Error=<errorType>`, `Cause=<payload>`, exactly as it does for a real function.
"""

from __future__ import annotations

import importlib
import json
import os
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

Handler = Callable[[Any, Any], Any]

DEFAULT_TIMEOUT_MS = 60_000


@dataclass(frozen=True)
class LocalLambdaContext:
    """The attributes of the Lambda context object that Powertools and handlers read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return DEFAULT_TIMEOUT_MS


@dataclass(frozen=True)
class LocalFunction:
    """A Lambda function played by a Python callable, with the environment it would have."""

    handler: Handler
    environment: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Invocation:
    payload: bytes
    function_error: str | None


def resolve_handler(target: Handler | str) -> Handler:
    """A callable, or a dotted path like `handlers.error_handler.handler`, as a callable."""
    if not isinstance(target, str):
        return target
    module_name, _, attribute = target.rpartition(".")
    if not module_name:
        raise ValueError(f"handler path {target!r} must look like 'package.module.function'")
    handler = getattr(importlib.import_module(module_name), attribute, None)
    if not callable(handler):
        raise ValueError(f"handler path {target!r} does not name a callable")
    resolved: Handler = handler
    return resolved


def _error_payload(error: BaseException, request_id: str) -> bytes:
    return json.dumps(
        {
            "errorMessage": str(error),
            "errorType": type(error).__name__,
            "requestId": request_id,
            "stackTrace": traceback.format_tb(error.__traceback__),
        }
    ).encode()


def invoke(
    function: LocalFunction, body: bytes | str | None, context: LocalLambdaContext
) -> Invocation:
    """Run `function` on a raw request body; never raises for a handler failure."""
    event = json.loads(body) if body else {}
    try:
        # The function's environment replaces `os.environ` (what the handlers read) without
        # setenv: invocations run on moto's threads, and changing the C environment there races
        # any thread's getenv (tzset, libfaketime) into a crash.
        with mock.patch.object(os, "environ", {**os.environ, **function.environment}):
            result = function.handler(event, context)
        return Invocation(json.dumps(result).encode(), None)
    except Exception as error:  # every handler failure is reported, as Lambda does
        return Invocation(_error_payload(error, context.aws_request_id), "Unhandled")
