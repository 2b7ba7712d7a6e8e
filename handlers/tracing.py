"""X-Ray tracing through Powertools' Tracer, or no tracer at all when tracing is switched off.

Powertools' `Tracer()` imports and configures the X-Ray SDK even when it is disabled, which costs
a cold start a few hundred milliseconds. When `POWERTOOLS_TRACE_DISABLED` is true (the stack sets
it with `tracingEnabled: false`, together with PassThrough tracing on the function), a handler
gets `Untraced`: the two Tracer calls the handlers make, doing nothing, and no SDK import.
Otherwise it is Powertools' Tracer, which patches botocore so each AWS call is a subsegment and
still switches itself off outside Lambda.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice

from handlers.contract import EnvVar


class Untraced:
    """The Tracer calls the handlers make, for a function whose tracing is switched off."""

    def capture_lambda_handler(self, lambda_handler: Callable[..., Any]) -> Callable[..., Any]:
        return lambda_handler

    def put_annotation(self, key: str, value: str | float | bool) -> None:
        """Nothing records annotations when tracing is off."""


def disabled() -> bool:
    """Whether tracing is switched off, read as Powertools reads its own variable."""
    return resolve_truthy_env_var_choice(env=os.getenv(EnvVar.POWERTOOLS_TRACE_DISABLED, "false"))


def tracer() -> Tracer | Untraced:
    """The handler's tracer; build it at import, before any boto3 client is created."""
    return Untraced() if disabled() else Tracer()
