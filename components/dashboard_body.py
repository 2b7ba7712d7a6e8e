"""How to show the pipeline, as data: dashboard segments by concern -> the dashboard body.

Each segment holds the widgets of one concern: failures, data quality, absence, cost and the
monitoring's self-health. Widgets take their metrics from the metric factory
(`metrics.PipelineMetrics`) and their threshold lines from the alarm specs that watch them, so a
line sits where its alarm fires. `widget_specs()` is what a local preview renderer reuses (each
spec keeps its metric list); `dashboard_body()` lays the segments out as CloudWatch dashboard JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from handlers import contract
from handlers.contract import HandlerKey, Metric

from . import arns
from .alarm_model import AlarmSpec
from .alarm_specs import AlarmKey, alarm_specs
from .metrics import FIVE_MINUTES, MetricSpec, PipelineMetrics
from .settings import Settings

GRID_WIDTH: Final = 24  # CloudWatch dashboards are 24 units wide
WIDGET_WIDTH: Final = 12
WIDGET_HEIGHT: Final = 6
HEADER_HEIGHT: Final = 1
ERROR_LOG_LIMIT: Final = 50


@dataclass(frozen=True)
class Annotation:
    label: str
    value: float


@dataclass(frozen=True)
class WidgetSpec:
    title: str
    metrics: tuple[MetricSpec, ...] = ()
    annotations: tuple[Annotation, ...] = ()
    query: str | None = None
    y_range: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if len({metric.period_seconds for metric in self.metrics}) > 1:
            raise ValueError(f"{self.title}: the metrics of one widget share one period")

    @property
    def kind(self) -> Literal["metric", "log"]:
        return "log" if self.query is not None else "metric"

    @property
    def period_seconds(self) -> int:
        return self.metrics[0].period_seconds if self.metrics else FIVE_MINUTES


Alarms = Mapping[str, AlarmSpec]  # by AlarmKey


@dataclass(frozen=True)
class Segment:
    """A titled group of widgets about one concern, starting on its own row."""

    title: str
    widgets: tuple[WidgetSpec, ...]


def alarm_threshold(alarms: Alarms, key: AlarmKey, label: str) -> tuple[Annotation, ...]:
    """The alarm's static threshold as a line; none when this stack does not create the alarm."""
    spec = alarms.get(key)
    if spec is None:
        return ()
    if not isinstance(spec.threshold, int | float):
        raise ValueError(f"{key}: only a static threshold can be drawn as a line")
    return (Annotation(label, spec.threshold),)


def alarm_metrics(alarms: Alarms, key: AlarmKey) -> tuple[MetricSpec, ...]:
    """Every metric the alarm watches, so the widget shows exactly what pages."""
    return alarms[key].metrics


def error_log_groups(settings: Settings) -> tuple[str, ...]:
    """The pipeline's and the handlers' log groups, searched by the recent-errors widget."""
    return (
        contract.state_machine_log_group(settings.environment),
        settings.glue_log_group,
        *(arns.lambda_log_group(settings, handler) for handler in HandlerKey),
    )


def recent_errors_query(log_groups: tuple[str, ...]) -> str:
    sources = " | ".join(f"SOURCE '{group}'" for group in log_groups)
    return (
        f"{sources} | fields @timestamp, @log, @message"
        " | filter @message like /(?i)(error|exception|failed|timed_out)/"
        f" | sort @timestamp desc | limit {ERROR_LOG_LIMIT}"
    )


def dashboard_segments(settings: Settings) -> list[Segment]:
    metrics = PipelineMetrics(settings)
    alarms = {spec.key: spec for spec in alarm_specs(settings)}
    every = (failures, data_quality, absence, cost, self_health)
    return [segment(settings, metrics, alarms) for segment in every]


def failures(settings: Settings, metrics: PipelineMetrics, alarms: Alarms) -> Segment:
    return Segment(
        "Failures: runs that fail or overrun",
        (
            WidgetSpec("Pipeline executions: failed", (metrics.executions_failed(),)),
            WidgetSpec(
                "Glue tasks: completed vs failed",
                (metrics.glue_tasks("Completed"), metrics.glue_tasks("Failed")),
            ),
            WidgetSpec(
                "Execution duration, maximum (ms)",
                (metrics.execution_time("Maximum"),),
                annotations=alarm_threshold(
                    alarms, AlarmKey.STEP_FUNCTIONS_DURATION, "Timeout threshold"
                ),
            ),
            WidgetSpec(
                "Recent pipeline errors", query=recent_errors_query(error_log_groups(settings))
            ),
        ),
    )


def data_quality(settings: Settings, metrics: PipelineMetrics, alarms: Alarms) -> Segment:
    scores = WidgetSpec(
        "Data quality and SCD integrity (%)",
        (metrics.data_quality_score(), metrics.scd_integrity_score()),
        annotations=(
            *alarm_threshold(alarms, AlarmKey.DATA_QUALITY, "Data quality threshold"),
            *alarm_threshold(alarms, AlarmKey.SCD_INTEGRITY, "SCD integrity threshold"),
        ),
        y_range=(0, 100),
    )
    volume = WidgetSpec(
        "Circuit breaker: extract volume change against the previous extract (%)",
        (metrics.extract_volume_change(),),
        annotations=alarm_threshold(alarms, AlarmKey.EXTRACT_VOLUME_DROP, "Largest allowed drop"),
    )
    deletions = WidgetSpec(
        "Circuit breaker: current users the extract leaves out (%)",
        (metrics.predicted_deletion_share(),),
        annotations=alarm_threshold(alarms, AlarmKey.MASS_DELETION, "Largest allowed share"),
    )
    return Segment("Data quality: what a run delivered", (scores, volume, deletions))


def absence(settings: Settings, metrics: PipelineMetrics, alarms: Alarms) -> Segment:
    records = (
        Metric.RECORDS_PROCESSED, Metric.RECORDS_CREATED, Metric.RECORDS_UPDATED,
        Metric.RECORDS_DELETED,
    )  # fmt: skip
    return Segment(
        "Absence: runs and records that should have come",
        (
            WidgetSpec(
                "Pipeline executions: started and succeeded",
                (metrics.executions_succeeded(), metrics.executions_started()),
            ),
            WidgetSpec(
                "Records processed / created / updated / deleted",
                tuple(metrics.records(metric) for metric in records),
            ),
        ),
    )


def cost(settings: Settings, metrics: PipelineMetrics, alarms: Alarms) -> Segment:
    scanned = WidgetSpec(
        "Athena bytes scanned per validation",
        (metrics.athena_bytes_scanned("Average"), metrics.athena_bytes_scanned("Maximum")),
    )
    return Segment("Cost: what validation queries scan", (scanned,))


def self_health(settings: Settings, metrics: PipelineMetrics, alarms: Alarms) -> Segment:
    return Segment(
        "Self-health: the monitoring itself",
        (
            WidgetSpec(
                "Monitoring: canary heartbeats",
                (
                    alarm_metrics(alarms, AlarmKey.MONITORING_HEARTBEAT)
                    if AlarmKey.MONITORING_HEARTBEAT in alarms
                    else (metrics.heartbeats().over(settings.canary_interval_seconds),)
                ),
                annotations=alarm_threshold(alarms, AlarmKey.MONITORING_HEARTBEAT, "Pages below"),
            ),
            WidgetSpec(
                "Monitoring: handler errors and alert fallbacks",
                alarm_metrics(alarms, AlarmKey.MONITORING_HANDLER_ERRORS),
                annotations=alarm_threshold(
                    alarms, AlarmKey.MONITORING_HANDLER_ERRORS, "Pages at (sum of these)"
                ),
            ),
            WidgetSpec(
                "Monitoring: handler duration, maximum (ms)",
                tuple(metrics.handler_duration(handler) for handler in HandlerKey),
            ),
        ),
    )


def widget_specs(settings: Settings) -> list[WidgetSpec]:
    """Every widget, segment by segment."""
    return [widget for segment in dashboard_segments(settings) for widget in segment.widgets]


def metric_line(metric: MetricSpec) -> list[Any]:
    """One line of a metric widget: namespace, name, dimension pairs, then its options."""
    flat: list[Any] = [metric.namespace, metric.metric_name]
    for name, value in metric.dimensions.items():
        flat.extend([name, value])
    flat.append({"stat": metric.statistic, "label": metric.label})
    return flat


def widget_json(spec: WidgetSpec, region: str, x: int, y: int) -> dict[str, Any]:
    properties: dict[str, Any] = {"title": spec.title, "region": region}
    if spec.kind == "log":
        properties.update({"query": spec.query, "view": "table"})
    else:
        properties.update(
            {
                "view": "timeSeries",
                "stacked": False,
                "period": spec.period_seconds,
                "metrics": [metric_line(metric) for metric in spec.metrics],
            }
        )
        if spec.annotations:
            properties["annotations"] = {
                "horizontal": [{"label": a.label, "value": a.value} for a in spec.annotations]
            }
        if spec.y_range is not None:
            properties["yAxis"] = {"left": {"min": spec.y_range[0], "max": spec.y_range[1]}}
    return {
        "type": spec.kind,
        "x": x,
        "y": y,
        "width": WIDGET_WIDTH,
        "height": WIDGET_HEIGHT,
        "properties": properties,
    }


def header_json(title: str, y: int) -> dict[str, Any]:
    return {
        "type": "text",
        "x": 0,
        "y": y,
        "width": GRID_WIDTH,
        "height": HEADER_HEIGHT,
        "properties": {"markdown": f"### {title}", "background": "transparent"},
    }


def dashboard_body(settings: Settings) -> dict[str, Any]:
    """Each segment: a header row, then its widgets two to a row."""
    per_row = GRID_WIDTH // WIDGET_WIDTH
    widgets: list[dict[str, Any]] = []
    y = 0
    for segment in dashboard_segments(settings):
        widgets.append(header_json(segment.title, y))
        y += HEADER_HEIGHT
        for index, spec in enumerate(segment.widgets):
            x, row = (index % per_row) * WIDGET_WIDTH, index // per_row
            widgets.append(widget_json(spec, settings.region, x=x, y=y + row * WIDGET_HEIGHT))
        y += -(-len(segment.widgets) // per_row) * WIDGET_HEIGHT
    return {"widgets": widgets}
