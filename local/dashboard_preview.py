"""A PNG preview of the pipeline dashboard over the replayed fortnight, drawn from the SAME widget
specs PipelineDashboard deploys (`components.dashboard_body.widget_specs`), with the alarm
timeline under it.

Each metric widget plots its metrics (their statistic and label, at the widget's period) from the
emulator's datapoints; metrics AWS publishes itself are simulated locally, and their legend says
so. Horizontal annotations are the alarms' threshold lines, and where a band alarm watches a
metric the widget shows, its band is drawn too (a local approximation, `band_approximation`).
Weekends are shaded and the planted incidents marked. The Logs Insights widget is shown as the
alerts the runs sent. Under the panels, one strip per alarm: when it was in ALARM, OK or without
enough data, evaluated from the alarm specs (`alarm_timeline`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Final

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display needed

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from components import arns
from components.alarm_model import AlarmSpec
from components.alarm_set import alarm_set
from components.anomaly_band import AnomalyBand
from components.dashboard_body import GRID_WIDTH, WIDGET_WIDTH, WidgetSpec, widget_specs
from components.metrics import MetricSpec
from components.settings import Settings
from local.alarm_evaluation import AlarmState
from local.alarm_timeline import AlarmBoard
from local.band_approximation import MIN_TRAINING_POINTS
from local.emulator import Alert
from local.history import HISTORY_DAYS, History
from local.metric_store import MetricStore, period_values, stream_key
from local.report import root_cause
from local.salesforce_users import SATURDAY
from local.simulated_metrics import is_simulated
from local.walkthrough import RunRecord

FILE_NAME: Final = "dashboard-preview.png"
PANEL_INCHES: Final = (7.0, 3.0)
TIMELINE_ROW_INCHES: Final = 0.28
DPI: Final = 90
TEXT_COLUMNS: Final = 92
ALERTS_FONT_SIZE: Final = 6.5  # the history's alerts and today's three runs fit the panel
MAX_CAUSE_LINES: Final = 1  # the summary, which names the failed checks: three runs fit
STATE_COLOURS: Final = {
    AlarmState.ALARM: "crimson",
    AlarmState.OK: "#cfe8cf",
    AlarmState.INSUFFICIENT_DATA: "#e4e4e4",
}
# An alarm of a few minutes is a sliver on a fortnight; it is drawn at least this share wide.
MIN_ALARM_SHARE: Final = 0.004
WEEKEND_COLOUR: Final = "#f2f2f2"
ANNOTATION_HEADROOM: Final = 1.12
MAX_LEGEND_ROWS: Final = 3
RIGHT_MARGIN: Final = timedelta(hours=8)  # room right of today's runs
INCIDENT_COLOUR: Final = "orange"

Run = tuple[str, RunRecord, Sequence[Alert]]


def _x(moment: datetime) -> float:
    """Matplotlib's date number of `moment`: what a time axis plots."""
    return float(mdates.date2num(moment))  # type: ignore[no-untyped-call]


def _weekends(axes: Axes, start: datetime, end: datetime) -> None:
    day = datetime.combine(start.date(), time(), UTC)
    while day < end:
        if day.weekday() >= SATURDAY:
            axes.axvspan(_x(day), _x(day + timedelta(days=1)), color=WEEKEND_COLOUR, zorder=0)
        day += timedelta(days=1)


def _incidents(axes: Axes, fortnight: History, label: bool) -> None:
    """A line at each planted incident's run (and at today's runs), named on the strip."""
    schedule = fortnight.schedule
    marks = [
        (schedule.run_at(day.days_ago), str(day.incident)) for day in fortnight.days if day.incident
    ]
    marks.append((schedule.run_at(0), "today's runs"))
    for moment, name in marks:
        axes.axvline(_x(moment), color=INCIDENT_COLOUR, linewidth=0.8, linestyle=":", zorder=1)
        if label:
            axes.annotate(
                name, (_x(moment), 1.01), xycoords=("data", "axes fraction"),
                fontsize=8, color="darkorange", ha="center", va="bottom",
            )  # fmt: skip


def _time_axis(axes: Axes, start: datetime, end: datetime) -> None:
    axes.set_xlim(_x(start), _x(end + RIGHT_MARGIN))
    axes.xaxis.set_major_locator(mdates.DayLocator(tz=UTC))  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%a\n%d", tz=UTC))  # type: ignore[no-untyped-call]
    axes.tick_params(labelsize=7)


def _legend_label(metric: MetricSpec) -> str:
    simulated = ", simulated" if is_simulated(metric.namespace, metric.metric_name) else ""
    return f"{metric.label} ({metric.statistic}{simulated})"


def _band_alarms(specs: Sequence[AlarmSpec], metric: MetricSpec) -> list[AlarmSpec]:
    """The band alarms watching `metric` (whatever statistic or period they take of it)."""
    key = stream_key(metric)
    return [
        spec
        for spec in specs
        if isinstance(spec.threshold, AnomalyBand)
        and isinstance(spec.watches, MetricSpec)
        and stream_key(spec.watches) == key
    ]


def _band(axes: Axes, spec: AlarmSpec, store: MetricStore, board: AlarmBoard) -> None:
    assert isinstance(spec.watches, MetricSpec)
    period = timedelta(seconds=spec.period_seconds)
    points = [
        (end - period, learned)
        for end, _ in period_values(store.stream(spec.watches), spec.watches.statistic, period)
        if (learned := board.band(spec, end)) is not None
    ]
    if not points:
        return
    assert isinstance(spec.threshold, AnomalyBand)
    axes.fill_between(
        [_x(moment) for moment, _ in points],
        [band[0] for _, band in points],
        [band[1] for _, band in points],
        color="tab:blue",
        alpha=0.15,
        label=(
            f"{spec.key} band (local approximation:\nmean \u00b1 {spec.threshold.width:g}\u03c3"
            f" of earlier runs, from run {MIN_TRAINING_POINTS + 1})"
        ),
    )


def _metric_panel(
    axes: Axes,
    spec: WidgetSpec,
    store: MetricStore,
    board: AlarmBoard,
    alarms: Sequence[AlarmSpec],
) -> None:
    period = timedelta(seconds=spec.period_seconds)
    for metric in spec.metrics:
        for alarm in _band_alarms(alarms, metric):
            _band(axes, alarm, store, board)
        series = period_values(store.stream(metric), metric.statistic, period)
        # Points, not lines: a stream holds a run's values and the canary's (or two stages')
        # a few periods apart, which lines would zigzag between.
        axes.plot(
            [_x(end - period) for end, _ in series],
            [value for _, value in series],
            marker="o",
            markersize=3.5,
            linestyle="none",
            label=_legend_label(metric),
        )
    highest = max((annotation.value for annotation in spec.annotations), default=0.0)
    for annotation in spec.annotations:
        axes.axhline(annotation.value, color="crimson", linestyle="--", linewidth=1)
        axes.annotate(
            f"{annotation.label} {annotation.value:g}",
            (0.99, annotation.value),
            xycoords=("axes fraction", "data"),
            color="crimson",
            fontsize=7,
            ha="right",
            va="bottom" if annotation.value == highest else "top",  # close lines: split labels
        )
    axes.set_ylim(*y_limits(spec, *axes.get_ylim()))
    entries = len(axes.get_legend_handles_labels()[1])
    axes.legend(
        fontsize=6.5, loc="best", framealpha=0.7, ncol=2 if entries > MAX_LEGEND_ROWS else 1
    )
    axes.grid(alpha=0.3)


def y_limits(spec: WidgetSpec, low: float, high: float) -> tuple[float, float]:
    """The panel's y-axis from the data's (`low`, `high`): the spec's range, else from zero
    (counts, durations, bytes) or below it (a change that dropped), with room for the threshold
    labels either side."""
    if spec.y_range is not None:
        return spec.y_range[0] - 2, spec.y_range[1] + 5
    values = [annotation.value for annotation in spec.annotations]
    lowest, highest = min(values, default=0.0), max(values, default=0.0)
    return (
        min(0.0, low, lowest * ANNOTATION_HEADROOM),
        max(high, highest * ANNOTATION_HEADROOM),
    )


def _alert_line(alert: Alert) -> str:
    severity = alert.attributes.get("severity", "?")
    return f"[{severity}] {alert.attributes.get('error_type', '?')} -> {alert.route} topic"


def _alerts_panel(axes: Axes, fortnight: History, today: Sequence[Run]) -> None:
    earlier = [(day, alert) for day in fortnight.days for alert in day.alerts]
    runs = sum(day.run is not None for day in fortnight.days)
    lines = [f"Earlier {len(fortnight.days)} days: {runs} runs, {len(earlier)} alert(s)"]
    for day, alert in earlier:
        when = fortnight.schedule.run_at(day.days_ago)
        lines.append(f"  {when:%a %d %b}: {_alert_line(alert)}")
    for label, _, alerts in today:
        lines.append(f"today's {label} run: {len(alerts)} alert(s)")
        for alert in alerts:
            lines.append(f"  {_alert_line(alert)}")
            causes = [line for line in root_cause(alert) if not line.endswith(":")]
            for cause in causes[:MAX_CAUSE_LINES]:
                lines += textwrap.wrap(
                    cause, TEXT_COLUMNS, initial_indent="    ", subsequent_indent="      "
                )
    axes.text(
        0.01, 0.97, "\n".join(lines), transform=axes.transAxes, ha="left", va="top",
        family="monospace", fontsize=ALERTS_FONT_SIZE,
    )  # fmt: skip
    axes.set_xticks([])
    axes.set_yticks([])


def _timeline_strip(axes: Axes, board: AlarmBoard, settings: Settings) -> None:
    span = board.end - board.start
    rows = list(reversed(board.timelines))  # the first alarm on top
    for row, timeline in enumerate(rows):
        for interval in timeline.intervals:
            width = interval.end - interval.start
            if interval.state is AlarmState.ALARM:
                width = max(width, span * MIN_ALARM_SHARE)
            axes.broken_barh(
                [(_x(interval.start), width / timedelta(days=1))],
                (row - 0.4, 0.8),
                color=STATE_COLOURS[interval.state],
            )
    axes.set_yticks(range(len(rows)))
    axes.set_yticklabels(
        [timeline.name.removeprefix(f"{settings.prefix}-") for timeline in rows], fontsize=8
    )
    axes.set_ylim(-0.6, len(rows) - 0.4)
    axes.legend(
        handles=[
            Patch(color=STATE_COLOURS[AlarmState.ALARM], label="ALARM"),
            Patch(color=STATE_COLOURS[AlarmState.OK], label="OK"),
            Patch(color=STATE_COLOURS[AlarmState.INSUFFICIENT_DATA], label="insufficient data"),
        ],
        fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
    )
    axes.set_title(
        "Alarm timeline: every alarm evaluated from its spec (period, statistic, evaluation"
        " periods, datapoints to alarm, missing data) over the metrics above, as CloudWatch"
        " would; bands are a local approximation",
        fontsize=9,
        pad=16,
    )


def write(
    board: AlarmBoard,
    store: MetricStore,
    *,
    settings: Settings,
    fortnight: History,
    today: Sequence[Run],
    path: Path,
) -> Path:
    """Draw the dashboard over the fortnight into `path` (PNG); returns the path."""
    specs = widget_specs(settings)
    alarms = alarm_set(settings).metric_alarms
    columns = GRID_WIDTH // WIDGET_WIDTH
    rows = -(-len(specs) // columns)
    strip_inches = TIMELINE_ROW_INCHES * len(board.timelines) + 1.2
    height = PANEL_INCHES[1] * rows + strip_inches
    figure = plt.figure(figsize=(PANEL_INCHES[0] * columns, height))
    grid = figure.add_gridspec(
        rows + 1, columns, height_ratios=[PANEL_INCHES[1]] * rows + [strip_inches]
    )
    for index, spec in enumerate(specs):
        axes = figure.add_subplot(grid[index // columns, index % columns])
        if spec.kind == "log":
            axes.set_title(f"{spec.title} (locally: the alerts the runs sent)", fontsize=10)
            _alerts_panel(axes, fortnight, today)
            continue
        simulated = all(is_simulated(m.namespace, m.metric_name) for m in spec.metrics)
        axes.set_title(spec.title + (" (simulated locally)" if simulated else ""), fontsize=10)
        _weekends(axes, board.start, board.end)
        _incidents(axes, fortnight, label=False)
        _metric_panel(axes, spec, store, board, alarms)
        _time_axis(axes, board.start, board.end)
    strip = figure.add_subplot(grid[rows, :])
    _timeline_strip(strip, board, settings)
    _incidents(strip, fortnight, label=True)
    _time_axis(strip, board.start, board.end)
    figure.suptitle(
        f"{arns.dashboard_name(settings)} - local preview of {HISTORY_DAYS} replayed days and"
        f" today's {len(today)} runs (grey: weekends; dotted: planted incidents and today's runs)",
        fontsize=11,
    )
    # Fixed margins: tight_layout would draw the whole figure once more to measure it.
    figure.subplots_adjust(
        left=0.11, right=0.9, top=1 - 0.9 / height, bottom=0.5 / height, hspace=0.5, wspace=0.12
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI)
    plt.close(figure)
    return path
