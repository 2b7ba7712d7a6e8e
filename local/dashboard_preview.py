"""A PNG preview of the pipeline dashboard, drawn from the SAME widget specs PipelineDashboard
deploys (`components.dashboard_body.widget_specs`) and filled with the metrics the local run
published to the emulator.

Each metric widget plots its metrics (with their statistic and label) at one-second resolution, so
the two local runs, seconds apart, show as separate points; the horizontal annotations are drawn
as threshold lines. Widgets on metrics AWS publishes itself (Step Functions, Glue) have no local
data and say so. The Logs Insights widget is shown as a text panel of the alerts the runs sent.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display needed

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from components import arns
from components.dashboard_body import GRID_WIDTH, WIDGET_WIDTH, WidgetSpec, widget_specs
from components.metrics import GLUE_NAMESPACE, STATES_NAMESPACE
from components.settings import Settings
from handlers.contract import NAMESPACE
from local.emulator import Alert, Emulator
from local.report import root_cause
from local.walkthrough import RunRecord

FILE_NAME: Final = "dashboard-preview.png"
RESOLUTION_SECONDS: Final = 1
PANEL_INCHES: Final = (7.0, 3.4)
DPI: Final = 90
TEXT_COLUMNS: Final = 80
MAX_CAUSE_LINES: Final = 2  # the summary and the first finding
RUN_COLOURS: Final = ("tab:green", "tab:red", "tab:blue", "tab:orange")

Run = tuple[str, RunRecord, Sequence[Alert]]


def _offset(moment: datetime, origin: datetime) -> float:
    return (moment - origin).total_seconds()


def _window(runs: Sequence[Run]) -> tuple[datetime, datetime]:
    starts = [record.started_at for _, record, _ in runs]
    ends = [record.finished_at or record.started_at for _, record, _ in runs]
    return (
        min(starts).replace(microsecond=0) - timedelta(seconds=2),
        max(ends).replace(microsecond=0) + timedelta(seconds=3),
    )


def _seconds(record: RunRecord) -> float:
    finished = record.finished_at or record.started_at
    return (finished - record.started_at).total_seconds()


def _local_facts(namespace: str, runs: Sequence[Run]) -> list[str]:
    """What the local runs tell about a widget whose metrics only AWS publishes."""
    if namespace == STATES_NAMESPACE:
        return [
            f"{label} run: {'FAILED' if record.failed else 'SUCCEEDED'} in {_seconds(record):.1f} s"
            for label, record, _ in runs
        ]
    if namespace == GLUE_NAMESPACE:
        return [
            f"{label} run: Glue job (stand-in) {record.stages[0].output.get('JobRunState')}"
            for label, record, _ in runs
            if record.stages and isinstance(record.stages[0].output, dict)
        ]
    return []


def _text_panel(axes: Axes, lines: Sequence[str], *, x: float, y: float, **style: Any) -> None:
    axes.text(x, y, "\n".join(lines), transform=axes.transAxes, **{"fontsize": 9, **style})
    axes.set_xticks([])
    axes.set_yticks([])


def _no_data(axes: Axes, spec: WidgetSpec, runs: Sequence[Run]) -> None:
    namespaces = sorted({metric.namespace for metric in spec.metrics})
    published_by_aws = [namespace for namespace in namespaces if namespace != NAMESPACE]
    if published_by_aws:
        lines = [f"No local data: AWS publishes {', '.join(published_by_aws)} itself.", ""]
    else:
        lines = [f"No local data: the handlers publish these {NAMESPACE} metrics only in AWS", ""]
    facts = [fact for namespace in namespaces for fact in _local_facts(namespace, runs)]
    if facts:
        lines += ["What the local runs did:", *facts]
    _text_panel(axes, lines, x=0.5, y=0.5, ha="center", va="center", color="dimgrey")


def _run_spans(axes: Axes, runs: Sequence[Run], origin: datetime) -> None:
    """Shade each run from the second it started to the second after it ended."""
    for (label, record, _), colour in zip(runs, RUN_COLOURS, strict=False):
        start = _offset(record.started_at.replace(microsecond=0), origin)
        end = _offset((record.finished_at or record.started_at).replace(microsecond=0), origin)
        axes.axvspan(start, end + 1, color=colour, alpha=0.08)
        axes.annotate(
            f"{label} run", (start, 0.02), xycoords=("data", "axes fraction"), fontsize=7,
            color=colour, va="bottom", ha="left",
        )  # fmt: skip


def _metric_panel(axes: Axes, spec: WidgetSpec, emulator: Emulator, runs: Sequence[Run]) -> None:
    start, end = _window(runs)
    plotted = False
    for metric in spec.metrics:
        series = emulator.metric_series(
            metric.namespace,
            metric.metric_name,
            metric.dimensions,
            stat=metric.statistic,
            start=start,
            end=end,
            period_seconds=RESOLUTION_SECONDS,
        )
        if series:
            # A point per one-second period, mid-period: inside the span of its run.
            times = [_offset(moment, start) + RESOLUTION_SECONDS / 2 for moment, _ in series]
            values = [value for _, value in series]
            axes.plot(times, values, marker="o", label=f"{metric.label} ({metric.statistic})")
            plotted = True
    if not plotted:
        _no_data(axes, spec, runs)
        return
    _run_spans(axes, runs, start)
    highest = max((annotation.value for annotation in spec.annotations), default=0.0)
    for annotation in spec.annotations:
        axes.axhline(annotation.value, color="crimson", linestyle="--", linewidth=1)
        axes.annotate(
            f"{annotation.label} {annotation.value:g}",
            (0.01, annotation.value),  # left of the runs, which start two seconds in
            xycoords=("axes fraction", "data"),
            color="crimson",
            fontsize=7,
            va="bottom" if annotation.value == highest else "top",  # close lines: split labels
        )
    if spec.y_range is not None:
        axes.set_ylim(spec.y_range[0] - 2, spec.y_range[1] + 5)
    axes.set_xlim(0, _offset(end, start))
    axes.set_xlabel(f"seconds after {start:%H:%M:%S} UTC", fontsize=7)
    axes.tick_params(labelsize=7)
    axes.legend(fontsize=7, loc="lower right")
    axes.grid(alpha=0.3)


def _alerts_panel(axes: Axes, runs: Sequence[Run]) -> None:
    lines = []
    for label, _, alerts in runs:
        lines.append(f"{label} run: {len(alerts)} alert(s)")
        for alert in alerts:
            severity = alert.attributes.get("severity", "?")
            error_type = alert.attributes.get("error_type", "?")
            lines.append(f"  [{severity}] {error_type} -> {alert.route} topic")
            causes = [line for line in root_cause(alert) if not line.endswith(":")]
            for cause in causes[:MAX_CAUSE_LINES]:
                lines += textwrap.wrap(
                    cause, TEXT_COLUMNS, initial_indent="      ", subsequent_indent="        "
                )
        lines.append("")
    _text_panel(axes, lines, x=0.01, y=0.97, ha="left", va="top", family="monospace", fontsize=8)


def write(emulator: Emulator, settings: Settings, runs: Sequence[Run], path: Path) -> Path:
    """Draw the dashboard for `runs` into `path` (PNG); returns the path."""
    specs = widget_specs(settings)
    columns = GRID_WIDTH // WIDGET_WIDTH
    rows = -(-len(specs) // columns)
    figure, grid = plt.subplots(
        rows,
        columns,
        figsize=(PANEL_INCHES[0] * columns, PANEL_INCHES[1] * rows),
        squeeze=False,
    )
    for index, spec in enumerate(specs):
        axes = grid[index // columns][index % columns]
        if spec.kind == "log":
            axes.set_title(f"{spec.title} (locally: the alerts sent)", fontsize=10)
            _alerts_panel(axes, runs)
        else:
            axes.set_title(spec.title, fontsize=10)
            _metric_panel(axes, spec, emulator, runs)
    for index in range(len(specs), rows * columns):
        grid[index // columns][index % columns].set_visible(False)
    figure.suptitle(
        f"{arns.dashboard_name(settings)} - local preview ({NAMESPACE} metrics from the emulator,"
        f" {RESOLUTION_SECONDS} s points; the deployed dashboard uses"
        f" {specs[0].period_seconds // 60}-minute periods)",
        fontsize=11,
    )
    figure.tight_layout(rect=(0, 0, 1, 0.98))  # keep the title clear of the first row
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI)
    plt.close(figure)
    return path
