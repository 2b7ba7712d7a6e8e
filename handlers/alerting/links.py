"""AWS console and runbook links for an alert (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from handlers.alerting.console_fragment import logs_insights_fragment
from handlers.contract import ErrorType, runbook_slug

RUNBOOK_DIRECTORY = "docs/runbooks"
GLUE_ERROR_LOG_SUFFIX = "/error"
GLUE_DEFAULT_LOG_GROUP = "/aws-glue/jobs"
# Logs Insights window around a run: a little before it started, a little after it ended.
QUERY_LEAD = timedelta(minutes=5)
QUERY_TRAIL = timedelta(minutes=15)
QUERY_RELATIVE_SECONDS = 86_400  # when the run's times are unknown: the last day
QUERY_LIMIT = 200


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


def runbook(error_type: ErrorType, base_url: str | None) -> str:
    """`<base_url>/<slug>.md`, or the runbook's path in the repository when no base is set."""
    base = (base_url or RUNBOOK_DIRECTORY).rstrip("/")
    return f"{base}/{runbook_slug(error_type)}.md"


def glue_error_log_group(job_log_group: str | None) -> str:
    return (job_log_group or GLUE_DEFAULT_LOG_GROUP).rstrip("/") + GLUE_ERROR_LOG_SUFFIX


def _console_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def matching_query(needle: str) -> str:
    """Logs Insights query for every log line that mentions `needle`, newest first."""
    quoted = needle.replace("\\", "\\\\").replace('"', '\\"')
    return (
        f'fields @timestamp, @log, @message\n| filter @message like "{quoted}"\n'
        f"| sort @timestamp desc\n| limit {QUERY_LIMIT}"
    )


def _query_window(run_window: tuple[datetime, datetime] | None) -> dict[str, str | int]:
    if run_window is not None:
        try:
            return {
                "end": _console_time(run_window[1] + QUERY_TRAIL),
                "start": _console_time(run_window[0] - QUERY_LEAD),
                "timeType": "ABSOLUTE",
                "tz": "UTC",
            }
        except (OverflowError, ValueError):  # a reported time at the edge of the calendar
            pass
    return {"end": 0, "start": -QUERY_RELATIVE_SECONDS, "timeType": "RELATIVE", "unit": "seconds"}


def logs_insights(
    region: str,
    log_groups: Sequence[str],
    query: str,
    run_window: tuple[datetime, datetime] | None = None,
) -> str:
    """The console's Logs Insights page with `query` over `log_groups`, ready to run.

    With `run_window` (started, ended) the window is the run, from a little before it started to
    a little after it ended; without (or when those times cannot be shifted), the last day.
    """
    detail = {
        **_query_window(run_window),
        "editorString": query,
        "isLiveTail": False,
        "source": list(log_groups),
    }
    return f"{_console(region, 'cloudwatch/home')}#logsV2:{logs_insights_fragment(detail)}"
