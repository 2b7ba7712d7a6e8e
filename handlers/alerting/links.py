"""AWS console and runbook links for an alert (pure)."""

from __future__ import annotations

from urllib.parse import quote

from handlers.contract import ErrorType, runbook_slug

RUNBOOK_DIRECTORY = "docs/runbooks"
GLUE_ERROR_LOG_SUFFIX = "/error"
GLUE_DEFAULT_LOG_GROUP = "/aws-glue/jobs"


def _console(region: str, service_path: str) -> str:
    return f"https://{region}.console.aws.amazon.com/{service_path}?region={region}"


def execution(region: str, execution_arn: str) -> str:
    return f"{_console(region, 'states/home')}#/v2/executions/details/{execution_arn}"


def glue_job_run(region: str, job_name: str, run_id: str) -> str:
    return f"{_console(region, 'gluestudio/home')}#/job/{quote(job_name, safe='')}/run/{run_id}"


def _log_console_escape(value: str) -> str:
    # The CloudWatch Logs console expects names URL-encoded twice with '%' written as '$'.
    return quote(quote(value, safe=""), safe="").replace("%", "$")


def log_group(region: str, name: str, stream: str | None = None) -> str:
    url = f"{_console(region, 'cloudwatch/home')}#logsV2:log-groups/log-group/"
    url += _log_console_escape(name)
    return url + (f"/log-events/{_log_console_escape(stream)}" if stream else "")


def dashboard(region: str, name: str) -> str:
    return f"{_console(region, 'cloudwatch/home')}#dashboards/dashboard/{quote(name, safe='')}"


def runbook(error_type: ErrorType, base_url: str | None) -> str:
    """`<base_url>/<slug>.md`, or the runbook's path in the repository when no base is set."""
    base = (base_url or RUNBOOK_DIRECTORY).rstrip("/")
    return f"{base}/{runbook_slug(error_type)}.md"


def glue_error_log_group(job_log_group: str | None) -> str:
    return (job_log_group or GLUE_DEFAULT_LOG_GROUP).rstrip("/") + GLUE_ERROR_LOG_SUFFIX
