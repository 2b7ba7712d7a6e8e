"""What the error handler returns for a delivered alert, and what its de-duplication record keeps:
a receipt for the alert, never the alert itself (pure).

Step Functions stores the handler's result in the execution's state (`NotifyFailure`'s
`ResultPath`), which holds at most 256 KB together with everything else in the state, and a
DynamoDB item holds at most 400 KB. The alert is already delivered and its full detail logged,
so the receipt keeps what identifies it and what a reader of the execution history needs. Each
value is bounded in its JSON form, so a receipt (with the handler's few flags added) stays under
RESULT_MAX_BYTES whatever the input was.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from handlers.alerting.alert import Alert
from handlers.alerting.bounds import json_text

# The handler's whole result: a sixteenth of the state Step Functions allows.
RESULT_MAX_BYTES: Final = 16_384
IDENTITY_MAX_JSON_BYTES: Final = 4_096
ROOT_CAUSE_MAX_JSON_BYTES: Final = 2_048
MAX_PROBLEMS: Final = 5
PROBLEM_MAX_JSON_BYTES: Final = 512
FIELD_MAX_JSON_BYTES: Final = 512  # any other text field of a record read back


def of(alert: Alert, topic_arn: str, message_id: str) -> dict[str, Any]:
    """The topic ARN and message id come from configuration and SNS, bounded there."""
    return {
        "identity": json_text(str(alert.identity), IDENTITY_MAX_JSON_BYTES),
        "error_type": alert.error_type.value,
        "severity": alert.severity.value,
        "route": alert.route.value,
        "environment": alert.environment,
        "source": alert.source,
        "subject": alert.subject,
        "root_cause": json_text(alert.root_cause.partition("\n")[0], ROOT_CAUSE_MAX_JSON_BYTES),
        "occurred_at": alert.occurred_at,
        "problems": [
            json_text(problem, PROBLEM_MAX_JSON_BYTES) for problem in alert.problems[:MAX_PROBLEMS]
        ],
        "minimal": alert.minimal,
        "topic_arn": topic_arn,
        "message_id": message_id,
    }


RECEIPT_FIELDS: Final = (
    "identity", "error_type", "severity", "route", "environment", "source", "subject",
    "root_cause", "occurred_at", "problems", "minimal", "topic_arn", "message_id",
    "metrics_published",
)  # fmt: skip


def recorded(record: Any) -> dict[str, Any]:
    """A duplicate's stored result, as a receipt: only a receipt's fields, each bounded.

    A record written by an earlier version of the handler holds the whole alert (up to
    DynamoDB's 400 KB), too big for the result a duplicate returns into the execution's state.
    """
    if not isinstance(record, Mapping):
        return {}
    return {key: _bounded(key, record[key]) for key in RECEIPT_FIELDS if key in record}


def _bounded(key: str, value: Any) -> Any:
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, list):
        return [json_text(str(item), PROBLEM_MAX_JSON_BYTES) for item in value[:MAX_PROBLEMS]]
    limit = {"identity": IDENTITY_MAX_JSON_BYTES, "root_cause": ROOT_CAUSE_MAX_JSON_BYTES}
    return json_text(str(value), limit.get(key, FIELD_MAX_JSON_BYTES))
