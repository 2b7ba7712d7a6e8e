"""The correlation id the publisher and the validator log: the execution ARN a Step Functions
task passes (`execution.Id`), bounded. Powertools' `correlation_id_path` would put whatever the
event holds there on every log line, a 200 KB id included (CloudWatch Logs takes at most 256 KB
per event)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers.alerting import bounds


def execution_id(event: Any) -> str | None:
    execution = event.get("execution") if isinstance(event, Mapping) else None
    value = execution.get("Id") if isinstance(execution, Mapping) else None
    return bounds.text(value) if isinstance(value, str) else None
