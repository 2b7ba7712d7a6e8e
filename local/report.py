"""The demo's report, as plain text lines (pure: everything shown is passed in)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from handlers.contract import NAMESPACE
from local.alarm_evaluation import AlarmState
from local.alarm_timeline import AlarmBoard, AlarmVerdict
from local.emulator import Alert
from local.history import WHAT_HAPPENED, History, Schedule
from local.readback import Reading
from local.simulated_metrics import is_simulated
from local.walkthrough import TASKS_AFTER_GLUE, RunRecord

WIDTH: Final = 78
VALIDATION_STAGES: Final = {"ValidateIngestion": "ingestion", "ValidateScd": "SCD integrity"}
ROOT_CAUSE_HEADING: Final = "ROOT CAUSE"
NEXT_HEADING: Final = "RECOMMENDED ACTIONS"
MAX_ROOT_CAUSE_LINES: Final = 4
DAY_FORMAT: Final = "%a %d %b %H:%M"


def heading(text: str, underline: str = "-") -> list[str]:
    return ["", text, underline * min(len(text), WIDTH)]


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return "-" if value is None else str(value)


def stages_line(run: RunRecord) -> str:
    parts = [f"{stage.state} {'FAILED' if stage.failed else 'ok'}" for stage in run.stages]
    return "Stages: " + " -> ".join(parts)


def never_ran(run: RunRecord) -> str:
    """The stages after the Glue job that the run never reached, e.g. `RunDbt, TestDbt`."""
    reached = {stage.state for stage in run.stages}
    return ", ".join(task for task in TASKS_AFTER_GLUE if task not in reached) or "nothing"


def _verdict(check: Mapping[str, Any]) -> str:
    return "SKIP" if check.get("skipped") else "PASS" if check["passed"] else "FAIL"


def checks_table(output: Mapping[str, Any]) -> list[str]:
    """One line per check: verdict, name, observed vs threshold, and the validator's message."""
    if "checks" not in output:  # the validator itself failed: show its error
        return [f"  ERROR  {output.get('errorType', '?')}: {output.get('errorMessage', output)}"]
    rows = [
        (
            _verdict(check),
            check["name"],
            _shown(check.get("observed")),
            _shown(check.get("threshold")),
            check.get("message", ""),
        )
        for check in output["checks"]
    ]
    name_width = max(len(row[1]) for row in rows)
    observed_width = max(len("observed"), *(len(row[2]) for row in rows))
    limit_width = max(len("limit"), *(len(row[3]) for row in rows))
    header = f"  {'':4}  {'check':{name_width}}  {'observed':>{observed_width}}"
    lines = [f"{header}  {'limit':>{limit_width}}  detail"]
    lines += [
        f"  {verdict:4}  {name:{name_width}}  {observed:>{observed_width}}"
        f"  {limit:>{limit_width}}  {message}"
        for verdict, name, observed, limit, message in rows
    ]
    return lines


def validation_section(run: RunRecord) -> list[str]:
    lines: list[str] = []
    for state, label in VALIDATION_STAGES.items():
        output = run.output_of(state)
        if output is None:
            continue
        lines += ["", f"Checks of the {label} validation ({state}):", *checks_table(output)]
        records = output.get("records")
        if records:
            lines.append(
                "  Records of the latest load: "
                + ", ".join(f"{name} {count}" for name, count in records.items())
            )
    return lines


def metrics_section(readings: Sequence[Reading]) -> list[str]:
    lines = ["", "Metrics read back from the emulator's CloudWatch (namespace SfUserPipeline):"]
    if not readings:
        return [*lines, "  (none)"]
    name_width = max(len(reading.metric_name) for reading in readings)
    dims_width = max(len(reading.dimensions_text) for reading in readings)
    lines += [
        f"  {r.metric_name:{name_width}}  {r.dimensions_text:{dims_width}}  {r.stat} {r.value:g}"
        + (" (simulated)" if is_simulated(NAMESPACE, r.metric_name) else "")
        for r in readings
    ]
    return lines


def root_cause(alert: Alert) -> list[str]:
    """The ROOT CAUSE section of an alert's email body."""
    body = alert.message if isinstance(alert.message, str) else str(alert.message)
    if ROOT_CAUSE_HEADING not in body:
        return []
    section = body.split(ROOT_CAUSE_HEADING, 1)[1].split(NEXT_HEADING, 1)[0]
    lines = [line.strip() for line in section.strip().splitlines() if line.strip()]
    if len(lines) > MAX_ROOT_CAUSE_LINES:
        lines = [*lines[:MAX_ROOT_CAUSE_LINES], f"... ({len(lines) - MAX_ROOT_CAUSE_LINES} more)"]
    return lines


def alerts_section(alerts: Sequence[Alert]) -> list[str]:
    lines = ["", "Alerts received in the SQS inbox (subscribed to both alert topics):"]
    if not alerts:
        return [*lines, "  none"]
    for number, alert in enumerate(alerts, start=1):
        severity = alert.attributes.get("severity", "?")
        error_type = alert.attributes.get("error_type", "?")
        cause = root_cause(alert) or ["(no root cause section)"]
        if len(cause) > 1:  # the first line is the summary the subject already carries
            cause = cause[1:]
        lines += [
            f"  {number}. {error_type}: severity {severity}, delivered via the {alert.route} topic",
            f"     Subject    : {alert.subject}",
            f"     Root cause : {cause[0]}",
            *(f"                  {line}" for line in cause[1:]),
        ]
    return lines


def alarms_section(verdicts: Sequence[AlarmVerdict]) -> list[str]:
    lines = [
        "",
        "Alarm states when the run ended, each evaluated from its spec over the metrics so far",
        "(locally: the emulator evaluates no alarms; bands are a local approximation):",
    ]
    name_width = max(len(v.name) for v in verdicts)
    state_width = max(len(state) for state in AlarmState)
    lines += [f"  {v.state:{state_width}}  {v.name:{name_width}}  {v.detail}" for v in verdicts]
    return lines


def history_section(fortnight: History) -> list[str]:
    lines = [
        *heading(f"A fortnight of daily runs before today's ({len(fortnight.days)} days)", "="),
        "Each through the real handlers on a replayed clock, after the canary's self-tests;",
        "what AWS publishes itself and Athena's bytes scanned are simulated.",
    ]
    for day in fortnight.days:
        when = fortnight.schedule.run_at(day.days_ago)
        note = f"  <- {day.incident}: {WHAT_HAPPENED[day.incident]}" if day.incident else ""
        if day.run is None:
            lines.append(f"  {when:{DAY_FORMAT}}  {'no run':<41}{note}")
            continue
        record = day.run.record
        assert record.finished_at is not None
        minutes = (record.finished_at - record.started_at).total_seconds() / 60
        lines.append(
            f"  {when:{DAY_FORMAT}}  {'FAILED' if record.failed else 'SUCCEEDED':9}"
            f"  {minutes:4.1f} min  {day.run.rows:4} users  {len(day.alerts)} alerts{note}"
        )
    return lines


def timeline_section(board: AlarmBoard, schedule: Schedule) -> list[str]:
    lines = [
        *heading("Alarm timeline over the fortnight", "="),
        "When each alarm would have been in ALARM, evaluated from its spec (period, statistic,",
        "evaluation periods, datapoints to alarm, missing data) as CloudWatch does:",
    ]
    fired = [timeline for timeline in board.timelines if timeline.alarms]
    if not fired:
        return [*lines, "  none"]
    width = max(len(timeline.name) for timeline in fired)
    for timeline in fired:
        for interval in timeline.alarms:
            until = "now" if interval.end >= board.end else f"{interval.end:{DAY_FORMAT}}"
            days_ago = schedule.days_ago(interval.start)
            lines.append(
                f"  {timeline.name:{width}}  {interval.start:{DAY_FORMAT}} to {until}"
                f"  ({f'{days_ago} days ago' if days_ago else 'today'})"
            )
    lines.append("Every other alarm stayed OK (or had insufficient data at first).")
    return lines


def run_section(
    title: str,
    description: Sequence[str],
    run: RunRecord,
    *,
    readings: Sequence[Reading],
    alerts: Sequence[Alert],
    verdicts: Sequence[AlarmVerdict],
    outcome: Sequence[str] = (),
) -> list[str]:
    return [
        *heading(title, "="),
        *description,
        stages_line(run),
        *outcome,
        *validation_section(run),
        *metrics_section(readings),
        *alerts_section(alerts),
        *alarms_section(verdicts),
    ]


def summary_line(label: str, run: RunRecord, alerts: int, verdicts: Sequence[AlarmVerdict]) -> str:
    failed_checks = sum(
        _verdict(check) == "FAIL"
        for state in VALIDATION_STAGES
        for check in (run.output_of(state) or {}).get("checks", [])
    )
    in_alarm = sum(verdict.state is AlarmState.ALARM for verdict in verdicts)
    return (
        f"  {label:8} {'FAILED' if run.failed else 'SUCCEEDED':9}  failed checks: {failed_checks}"
        f"  alerts: {alerts}  alarms in ALARM: {in_alarm}"
    )
