"""From a `Failure` to the alert the error handler publishes (pure).

One alert, two renderings in one SNS message (`chat`): plain text for email and the AWS Chatbot
custom notification for chat channels. Every alert links the execution, the Glue job run when
known, a Logs Insights query for the execution over the pipeline's and the handlers' log groups,
the dashboard and the runbook.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
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
CHAT_FACTS = frozenset({"Environment", "Execution", "Status", "Error", "Occurred"})


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

    def message_attributes(self) -> dict[str, dict[str, str]]:
        return message_attributes(self.severity, self.error_type)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["sns_message"]  # the same content as `message` and `chat`
        data.update(
            error_type=self.error_type.value,
            severity=self.severity.value,
            route=self.route.value,
            identity=str(self.identity),
        )
        return data


def handler_log_groups(environment: str) -> list[str]:
    """The monitoring Lambdas' log groups (the Lambda default `/aws/lambda/<function>`)."""
    return [function_log_group(environment, key) for key in HandlerKey]


def _links(
    error_type: ErrorType,
    failure: Failure,
    evidence: FailureEvidence,
    config: AlertConfig,
    now: datetime,
) -> dict[str, str]:
    region = failure.region or config.region
    found: dict[str, str] = {}
    if failure.execution_arn and failure.execution_arn.startswith("arn:"):
        found["Step Functions execution"] = links.execution(region, failure.execution_arn)
    run = evidence.failed_glue_job_run
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
    if config.handler_log_group:
        found["Full alert detail (error handler log)"] = links.log_group(
            region, config.handler_log_group
        )
    if config.dashboard_name:
        found["Dashboard"] = dashboard_url(region, config.dashboard_name)
    found["Runbook"] = links.runbook(error_type, config.runbook_base_url)
    return found


def build(failure: Failure, config: AlertConfig, now: datetime) -> Alert:
    evidence = FailureEvidence.of(failure)
    error_type = infer_error_type(failure, evidence, config.thresholds.data_quality_percent)
    severity = severity_for(error_type, failure, evidence)
    advice = guidance.GUIDANCE[error_type]
    explained = root_cause.describe(error_type, failure, evidence, config.thresholds)
    cause = message.truncate_utf8(explained.text, message.ROOT_CAUSE_MAX_BYTES)
    found_links = _links(error_type, failure, evidence, config, now)
    occurred_at = (failure.occurred_at or now).isoformat()
    pipeline = resource_prefix(config.environment)
    is_self_test = failure.source is Source.SELF_TEST
    marker = SELF_TEST_PREFIX if is_self_test else ""
    headline = f"{marker}[{severity.value}] {pipeline} {error_type.value}"
    subject = message.sanitise_subject(f"{headline}: {explained.summary}")
    run = evidence.failed_glue_job_run
    failure_identity = identity.of_failure(
        failure, error_type, run.id if run else failure.glue_job_run_id
    )
    facts = [
        ("Summary", advice.summary),
        ("Error type", error_type.value),
        ("Severity", f"{severity.value} (route: {SEVERITY_ROUTE[severity].value})"),
        ("Environment", config.environment),
        ("Execution", failure.execution_name or failure.execution_arn or "(not given)"),
        ("Status", failure.status or "(not given)"),
        ("Error", failure.error or "(not given)"),
        ("Started", failure.started_at.isoformat() if failure.started_at else "(not given)"),
        ("Occurred", occurred_at),
        ("Reported by", failure.source.value),
    ]
    raw = message.truncate_utf8(message.raw_text(failure.raw), message.RAW_DETAIL_MAX_BYTES)
    body = message.render_body(
        headline=headline,
        facts=facts,
        root_cause=cause,
        actions=advice.actions,
        investigation=advice.investigation,
        links=list(found_links.items()),
        raw_detail=raw,
    )
    notification = chat.notification(
        title=headline,
        description=chat.markdown_description(
            f"{advice.summary}\n*Root cause*: {explained.summary}",
            [fact for fact in facts if fact[0] in CHAT_FACTS],
            found_links,
        ),
        next_steps=[*advice.actions, f"Runbook: {found_links['Runbook']}"],
        keywords=[severity.value, error_type.value, config.environment],
        thread_id=str(failure_identity),
        summary=subject,
        event_type=error_type.value,
        related_resources=[
            arn for arn in (failure.execution_arn, failure.state_machine_arn) if arn
        ],
        additional_context={
            "severity": severity.value,
            "route": SEVERITY_ROUTE[severity].value,
            "environment": config.environment,
            "source": failure.source.value,
            "self_test": str(is_self_test).lower(),
        },
    )
    # Whatever the content, the whole JSON message plus its attributes must fit SNS's 256 KB.
    budget = (
        message.SNS_MAX_MESSAGE_BYTES
        - message.attributes_bytes(message_attributes(severity, error_type))
        - len(subject)
    )
    sns_message, body = chat.structured_message(body, notification, budget)
    return Alert(
        error_type=error_type,
        severity=severity,
        route=SEVERITY_ROUTE[severity],
        environment=config.environment,
        subject=subject,
        message=body,
        root_cause=cause,
        recommended_actions=advice.actions,
        investigation_guide=advice.investigation,
        links=found_links,
        source=failure.source.value,
        occurred_at=occurred_at,
        identity=failure_identity,
        chat=notification,
        sns_message=sns_message,
        execution_arn=failure.execution_arn,
        status=failure.status,
        self_test=is_self_test,
        problems=failure.problems,
    )
