"""The minimal alert: what goes out when the full alert could not be built (pure).

Reading the event and building the alert are meant never to raise, but a failure alert must not
depend on that: if they do, the error handler still publishes this one, HIGH on the critical
route, with what can be known without them: the execution the event names, the error that
stopped the builder, and the clipped raw event. Every part is bounded before it is used.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from handlers import log_context
from handlers.alerting import bounds, chat, identity, message
from handlers.alerting.alert import (
    NOT_GIVEN,
    RUNBOOK_LINK,
    Alert,
    AlertConfig,
    config_links,
    headline,
    sns_envelope,
)
from handlers.alerting.guidance import GUIDANCE
from handlers.alerting.inputs import Source
from handlers.contract import ERROR_SEVERITY, SEVERITY_ROUTE, ErrorType

ERROR_TYPE: Final = ErrorType.UNKNOWN
SEVERITY: Final = ERROR_SEVERITY[ERROR_TYPE]
SUMMARY: Final = "pipeline failure; the full alert could not be built"
BUILD_ERROR_MAX_BYTES: Final = 1_024


def _identity(clipped: Any) -> identity.FailureIdentity:
    """Keyed by the payload, not the execution: a redriven execution whose alert fails to build
    again must alert again, and a retried delivery of the same payload must not."""
    return identity.FailureIdentity(
        identity.Scope.PAYLOAD, identity.payload_digest(clipped), ERROR_TYPE
    )


def _build_error(error: BaseException) -> str:
    try:
        said = str(error)
    except Exception:  # an exception that cannot even say what it is
        said = "(no message)"
    return bounds.text(f"{type(error).__name__}: {said}", BUILD_ERROR_MAX_BYTES)


def minimal(event: Any, config: AlertConfig, now: datetime, error: BaseException) -> Alert:
    """The alert for `event` when building the full one raised `error`."""
    clipped = bounds.clip(event)
    failure_identity = _identity(clipped)
    title = headline(SEVERITY, config.environment, ERROR_TYPE)
    subject = message.sanitise_subject(f"{title}: {SUMMARY}")
    cause = f"The alert builder failed ({_build_error(error)}); the raw event follows."
    found_links = config_links(ERROR_TYPE, config, config.region)
    advice = GUIDANCE[ERROR_TYPE]
    occurred_at = now.isoformat()
    execution = log_context.execution_id(clipped)
    facts = [
        ("Environment", config.environment),
        ("Execution", execution or NOT_GIVEN),
        ("Received", occurred_at),
    ]
    body = message.render_body(
        headline=title,
        facts=facts,
        root_cause=cause,
        actions=advice.actions,
        investigation=advice.investigation,
        links=list(found_links.items()),
        raw_detail=message.raw_detail(clipped),
    )
    notification = chat.notification(
        title=title,
        description=chat.markdown_description(cause, facts, found_links),
        next_steps=[*advice.actions, f"Runbook: {found_links[RUNBOOK_LINK]}"],
        keywords=[SEVERITY.value, ERROR_TYPE.value, config.environment],
        thread_id=str(failure_identity),
        summary=subject,
        event_type=ERROR_TYPE.value,
        related_resources=[],
        additional_context={"severity": SEVERITY.value, "environment": config.environment},
    )
    sns_message, body = sns_envelope(subject, SEVERITY, ERROR_TYPE, body, notification)
    return Alert(
        error_type=ERROR_TYPE,
        severity=SEVERITY,
        route=SEVERITY_ROUTE[SEVERITY],
        environment=config.environment,
        subject=subject,
        message=body,
        root_cause=cause,
        recommended_actions=advice.actions,
        investigation_guide=advice.investigation,
        links=found_links,
        source=Source.UNREADABLE.value,
        occurred_at=occurred_at,
        identity=failure_identity,
        chat=notification,
        sns_message=sns_message,
        execution_arn=execution,
        minimal=True,
    )
