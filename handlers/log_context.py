"""The execution a payload names, and the correlation id every handler logs: that execution's
ARN, bounded. Powertools' `correlation_id_path` would put whatever the event holds there on every
log line, a 200 KB id included (CloudWatch Logs takes at most 256 KB per event)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers.alerting import bounds

# A Step Functions task's `$$.Execution` (`execution.Id`), or an EventBridge execution event.
EXECUTION_ARN_PATHS = (("execution", "Id"), ("detail", "executionArn"))


def first_execution_arn(event: Mapping[str, Any]) -> str | None:
    """The execution a payload names, however malformed the rest of it is."""
    for outer, inner in EXECUTION_ARN_PATHS:
        container = event.get(outer)
        value = container.get(inner) if isinstance(container, Mapping) else None
        if isinstance(value, str) and value:
            return value
    return None


def execution_id(event: Any) -> str | None:
    """The correlation id: the execution's ARN, bounded; None when the event names none."""
    arn = first_execution_arn(event) if isinstance(event, Mapping) else None
    return bounds.text(arn) if arn else None
