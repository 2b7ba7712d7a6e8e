"""From a `Failure` to the alert the error handler publishes (pure).

One alert, two renderings in one SNS message (`chat`): plain text for email and the AWS Chatbot
custom notification for chat channels. Every alert links the execution, the Glue job run when
known, a Logs Insights query for the execution over the pipeline's and the handlers' log groups,
the dashboard and the runbook.

`build` runs in steps: `assess` (what failed, how severe, why, which failure it is), `alert_links`,
`alert_facts`, the two renderings (`email_text`, `chat_notification`) and `sns_envelope` (the
SNS size budget). `handlers.alerting.fallback` builds the minimal alert that goes out when any
step fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from handlers.alerting import chat, guidance, identity, links, message, root_cause
from handlers.alerting.classify import infer_error_type, severity_for
from handlers.alerting.evidence import FailureEvidence
from handlers.alerting.inputs import Failure, Source
from handlers.contract import (
    SEVERITY_ROUTE,
    AlertRoute,
    ErrorType,
    HandlerKey,
    Severity,
    Thresholds,
    dashboard_url,
    function_log_group,
    resource_prefix,
    state_machine_log_group,
)

STRING = "String"
SELF_TEST_PREFIX = "[SELF-TEST] "
LOGS_INSIGHTS_LINK = "Logs Insights (pipeline and handler logs)"
RUNBOOK_LINK = "Runbook"
CHAT_FACTS = frozenset({"Environment", "Execution", "Status", "Error", "Occurred"})
NOT_GIVEN = "(not given)"


def message_attributes(severity: Severity, error_type: ErrorType) -> dict[str, dict[str, str]]:
    """SNS MessageAttributes, for subscription filter policies."""
    return {
        "severity": {"DataType": STRING, "StringValue": severity.value},
        "error_type": {"DataType": STRING, "StringValue": error_type.value},
    }


@dataclass(frozen=True)
class AlertConfig:
    environment: str
    region: str
    thresholds: Thresholds
    dashboard_name: str | None = None
    runbook_base_url: str | None = None
    handler_log_group: str | None = None


@dataclass(frozen=True)
class Alert:
    error_type: ErrorType
    severity: Severity
    route: AlertRoute
    environment: str
    subject: str
    message: str
    root_cause: str
    recommended_actions: tuple[str, ...]
    investigation_guide: tuple[str, ...]
    links: dict[str, str]
    source: str
    occurred_at: str
    identity: identity.FailureIdentity
    chat: dict[str, Any]
    # The SNS Message (MessageStructure="json"): `message` for email, `chat` for HTTPS.
    sns_message: str = field(repr=False)
    execution_arn: str | None = None
    status: str | None = None
    self_test: bool = False
    problems: tuple[str, ...] = field(default=())
    # True for the fallback's minimal alert: the full one could not be built.
    minimal: bool = False

    def message_attributes(self) -> dict[str, dict[str, str]]:
        return message_attributes(self.severity, self.error_type)


@dataclass(frozen=True)
class Assessment:
    """What failed, how severe it is, why, and which failure it is."""

    error_type: ErrorType
    severity: Severity
    evidence: FailureEvidence
    advice: guidance.Guidance
    explained: root_cause.RootCause
    identity: identity.FailureIdentity
    occurred_at: str
    headline: str
    subject: str

    @property
    def route(self) -> AlertRoute:
        return SEVERITY_ROUTE[self.severity]

    @property
    def cause(self) -> str:
        """The root cause as the alert shows it (the full one is in the handler's log)."""
        return message.truncate_utf8(self.explained.text, message.ROOT_CAUSE_MAX_BYTES)


def headline(severity: Severity, environment: str, error_type: ErrorType, marker: str = "") -> str:
    return f"{marker}[{severity.value}] {resource_prefix(environment)} {error_type.value}"


def assess(failure: Failure, config: AlertConfig, now: datetime) -> Assessment:
    evidence = FailureEvidence.of(failure)
    error_type = infer_error_type(failure, evidence, config.thresholds.data_quality_percent)
    severity = severity_for(error_type, failure, evidence)
    explained = root_cause.describe(error_type, failure, evidence, config.thresholds)
    run = evidence.failed_glue_job_run
    marker = SELF_TEST_PREFIX if failure.source is Source.SELF_TEST else ""
    title = headline(severity, config.environment, error_type, marker)
    return Assessment(
        error_type=error_type,
        severity=severity,
        evidence=evidence,
        advice=guidance.GUIDANCE[error_type],
        explained=explained,
        identity=identity.of_failure(
            failure, error_type, run.id if run else failure.glue_job_run_id
        ),
        occurred_at=(failure.occurred_at or now).isoformat(),
        headline=title,
        subject=message.sanitise_subject(f"{title}: {explained.summary}"),
    )


def handler_log_groups(environment: str) -> list[str]:
    """The monitoring Lambdas' log groups (the Lambda default `/aws/lambda/<function>`)."""
    return [function_log_group(environment, key) for key in HandlerKey]


def alert_links(
    assessed: Assessment, failure: Failure, config: AlertConfig, now: datetime
) -> dict[str, str]:
    region = failure.region or config.region
    found: dict[str, str] = {}
    if failure.execution_arn and failure.execution_arn.startswith("arn:"):
        found["Step Functions execution"] = links.execution(region, failure.execution_arn)
    run = assessed.evidence.failed_glue_job_run
    job_name = run.job_name if run else failure.glue_job_name
    run_id = run.id if run else failure.glue_job_run_id
    if job_name and run_id:
        found["Glue job run"] = links.glue_job_run(region, job_name, run_id)
        error_log = links.glue_error_log_group(run.log_group_name if run else None)
        found["Glue error log"] = links.log_group(region, error_log, run_id)
    pipeline_log_group = state_machine_log_group(config.environment)
    needle = failure.execution_arn or run_id
    if needle:
        found[LOGS_INSIGHTS_LINK] = links.logs_insights(
            region,
            [pipeline_log_group, *handler_log_groups(config.environment)],
            links.matching_query(needle),
            (failure.started_at, failure.occurred_at or now) if failure.started_at else None,
        )
    found["Pipeline log group"] = links.log_group(region, pipeline_log_group)
    found.update(config_links(assessed.error_type, config, region))
    return found


def config_links(error_type: ErrorType, config: AlertConfig, region: str) -> dict[str, str]:
    """The links that need nothing from the failure: handler log, dashboard, runbook."""
    found: dict[str, str] = {}
    if config.handler_log_group:
        found["Full alert detail (error handler log)"] = links.log_group(
            region, config.handler_log_group
        )
    if config.dashboard_name:
        found["Dashboard"] = dashboard_url(region, config.dashboard_name)
    found[RUNBOOK_LINK] = links.runbook(error_type, config.runbook_base_url)
    return found


def alert_facts(
    assessed: Assessment, failure: Failure, config: AlertConfig
) -> list[tuple[str, str]]:
    severity = assessed.severity
    return [
        ("Summary", assessed.advice.summary),
        ("Error type", assessed.error_type.value),
        ("Severity", f"{severity.value} (route: {SEVERITY_ROUTE[severity].value})"),
        ("Environment", config.environment),
        ("Execution", failure.execution_name or failure.execution_arn or NOT_GIVEN),
        ("Status", failure.status or NOT_GIVEN),
        ("Error", failure.error or NOT_GIVEN),
        ("Started", failure.started_at.isoformat() if failure.started_at else NOT_GIVEN),
        ("Occurred", assessed.occurred_at),
        ("Reported by", failure.source.value),
    ]


def email_text(
    assessed: Assessment,
    failure: Failure,
    facts: list[tuple[str, str]],
    found_links: dict[str, str],
) -> str:
    return message.render_body(
        headline=assessed.headline,
        facts=facts,
        root_cause=assessed.cause,
        actions=assessed.advice.actions,
        investigation=assessed.advice.investigation,
        links=list(found_links.items()),
        raw_detail=message.raw_detail(failure.raw),
    )


def chat_notification(
    assessed: Assessment,
    failure: Failure,
    facts: list[tuple[str, str]],
    found_links: dict[str, str],
    config: AlertConfig,
) -> dict[str, Any]:
    return chat.notification(
        title=assessed.headline,
        description=chat.markdown_description(
            f"{assessed.advice.summary}\n*Root cause*: {assessed.explained.summary}",
            [fact for fact in facts if fact[0] in CHAT_FACTS],
            found_links,
        ),
        next_steps=[*assessed.advice.actions, f"Runbook: {found_links[RUNBOOK_LINK]}"],
        keywords=[assessed.severity.value, assessed.error_type.value, config.environment],
        thread_id=str(assessed.identity),
        summary=assessed.subject,
        event_type=assessed.error_type.value,
        related_resources=[
            arn for arn in (failure.execution_arn, failure.state_machine_arn) if arn
        ],
        additional_context={
            "severity": assessed.severity.value,
            "route": assessed.route.value,
            "environment": config.environment,
            "source": failure.source.value,
            "self_test": str(failure.source is Source.SELF_TEST).lower(),
        },
    )


def sns_envelope(
    subject: str, severity: Severity, error_type: ErrorType, body: str, notification: dict[str, Any]
) -> tuple[str, str]:
    """(the SNS JSON message, the email text it carries): the whole message plus its subject and
    attributes within SNS's 256 KB, whatever the content."""
    budget = (
        message.SNS_MAX_MESSAGE_BYTES
        - message.attributes_bytes(message_attributes(severity, error_type))
        - len(subject)
    )
    return chat.structured_message(body, notification, budget)


def build(failure: Failure, config: AlertConfig, now: datetime) -> Alert:
    assessed = assess(failure, config, now)
    found_links = alert_links(assessed, failure, config, now)
    facts = alert_facts(assessed, failure, config)
    notification = chat_notification(assessed, failure, facts, found_links, config)
    sns_message, body = sns_envelope(
        assessed.subject,
        assessed.severity,
        assessed.error_type,
        email_text(assessed, failure, facts, found_links),
        notification,
    )
    return Alert(
        error_type=assessed.error_type,
        severity=assessed.severity,
        route=assessed.route,
        environment=config.environment,
        subject=assessed.subject,
        message=body,
        root_cause=assessed.cause,
        recommended_actions=assessed.advice.actions,
        investigation_guide=assessed.advice.investigation,
        links=found_links,
        source=failure.source.value,
        occurred_at=assessed.occurred_at,
        identity=assessed.identity,
        chat=notification,
        sns_message=sns_message,
        execution_arn=failure.execution_arn,
        status=failure.status,
        self_test=failure.source is Source.SELF_TEST,
        problems=failure.problems,
    )
