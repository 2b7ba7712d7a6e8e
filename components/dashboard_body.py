"""How to show the pipeline, as data: settings + contract -> WidgetSpecs -> dashboard body.

`widget_specs()` is what a local preview renderer reuses (each spec keeps its metric list);
`dashboard_body()` serialises them into the CloudWatch dashboard JSON structure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from handlers import contract
from handlers.contract import HandlerKey, Metric, MetricDef

from . import arns
from .alarm_specs import (
    GLUE_NAMESPACE,
    LAMBDA_NAMESPACE,
    STATES_NAMESPACE,
    glue_job_dimensions,
    state_machine_dimensions,
)
from .settings import Settings

GRID_WIDTH: Final = 24  # CloudWatch dashboards are 24 units wide
WIDGET_WIDTH: Final = 12
WIDGET_HEIGHT: Final = 6
ERROR_LOG_LIMIT: Final = 50


@dataclass(frozen=True)
class MetricRef:
    namespace: str
    metric_name: str
    dimensions: Mapping[str, str]
    stat: str
    label: str

    def to_json(self) -> list[Any]:
        flat: list[Any] = [self.namespace, self.metric_name]
        for name, value in self.dimensions.items():
            flat.extend([name, value])
        flat.append({"stat": self.stat, "label": self.label})
        return flat


@dataclass(frozen=True)
class Annotation:
    label: str
    value: float


@dataclass(frozen=True)
class WidgetSpec:
    title: str
    metrics: tuple[MetricRef, ...] = ()
    annotations: tuple[Annotation, ...] = ()
    query: str | None = None
    period_seconds: int = 300
    y_range: tuple[float, float] | None = None

    @property
    def kind(self) -> Literal["metric", "log"]:
        return "log" if self.query is not None else "metric"


def _custom(settings: Settings, metric: MetricDef, stat: str, label: str) -> MetricRef:
    return MetricRef(
        contract.NAMESPACE, metric.name, metric.dimensions(settings.environment), stat, label
    )


def _states(settings: Settings, metric_name: str, stat: str, label: str) -> MetricRef:
    return MetricRef(STATES_NAMESPACE, metric_name, state_machine_dimensions(settings), stat, label)


def _glue(settings: Settings, metric_name: str, label: str) -> MetricRef:
    return MetricRef(GLUE_NAMESPACE, metric_name, glue_job_dimensions(settings), "Sum", label)


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


def widget_specs(settings: Settings) -> list[WidgetSpec]:
    return [
        WidgetSpec(
            "Pipeline executions",
            (
                _states(settings, "ExecutionsSucceeded", "Sum", "Succeeded"),
                _states(settings, "ExecutionsFailed", "Sum", "Failed"),
                _states(settings, "ExecutionsStarted", "Sum", "Started"),
            ),
        ),
        WidgetSpec(
            "Average execution duration (ms)",
            (_states(settings, "ExecutionTime", "Average", "Average duration"),),
            annotations=(Annotation("Timeout threshold", settings.pipeline_timeout_ms),),
        ),
        WidgetSpec(
            "Glue tasks: completed vs failed",
            (
                _glue(settings, "glue.driver.aggregate.numCompletedTasks", "Completed tasks"),
                _glue(settings, "glue.driver.aggregate.numFailedTasks", "Failed tasks"),
            ),
        ),
        WidgetSpec(
            "Records processed / created / updated / deleted",
            (
                _custom(settings, Metric.RECORDS_PROCESSED, "Sum", "Processed"),
                _custom(settings, Metric.RECORDS_CREATED, "Sum", "Created"),
                _custom(settings, Metric.RECORDS_UPDATED, "Sum", "Updated"),
                _custom(settings, Metric.RECORDS_DELETED, "Sum", "Deleted"),
            ),
        ),
        WidgetSpec(
            "Data quality and SCD integrity (%)",
            (
                _custom(settings, Metric.DATA_QUALITY_SCORE, "Minimum", "Data quality"),
                _custom(settings, Metric.SCD_INTEGRITY_SCORE, "Minimum", "SCD integrity"),
            ),
            annotations=(
                Annotation("Data quality threshold", settings.data_quality_threshold),
                Annotation("SCD integrity threshold", settings.scd_integrity_threshold),
            ),
            y_range=(0, 100),
        ),
        WidgetSpec("Recent pipeline errors", query=recent_errors_query(error_log_groups(settings))),
        *monitoring_health_widgets(settings),
    ]


def _lambda(settings: Settings, handler: HandlerKey, metric_name: str, stat: str) -> MetricRef:
    function = contract.function_name(settings.environment, handler)
    return MetricRef(LAMBDA_NAMESPACE, metric_name, {"FunctionName": function}, stat, handler.value)


def monitoring_health_widgets(settings: Settings) -> list[WidgetSpec]:
    """The monitoring's own health: canary heartbeat, handler errors and durations, query cost."""
    return [
        WidgetSpec(
            "Monitoring: canary heartbeat",
            (_custom(settings, Metric.MONITORING_HEARTBEAT, "Sum", "Heartbeats"),),
            annotations=(Annotation("Expected per interval", 1),),
            period_seconds=settings.canary_interval_seconds,
        ),
        WidgetSpec(
            "Monitoring: handler errors",
            tuple(_lambda(settings, handler, "Errors", "Sum") for handler in HandlerKey),
        ),
        WidgetSpec(
            "Monitoring: handler duration, maximum (ms)",
            tuple(_lambda(settings, handler, "Duration", "Maximum") for handler in HandlerKey),
        ),
        WidgetSpec(
            "Athena bytes scanned per validation",
            (
                _custom(settings, Metric.ATHENA_BYTES_SCANNED, "Average", "Average"),
                _custom(settings, Metric.ATHENA_BYTES_SCANNED, "Maximum", "Maximum"),
            ),
        ),
    ]


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
                "metrics": [metric.to_json() for metric in spec.metrics],
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


def dashboard_body(settings: Settings) -> dict[str, Any]:
    per_row = GRID_WIDTH // WIDGET_WIDTH
    widgets = [
        widget_json(
            spec,
            settings.region,
            x=(index % per_row) * WIDGET_WIDTH,
            y=(index // per_row) * WIDGET_HEIGHT,
        )
        for index, spec in enumerate(widget_specs(settings))
    ]
    return {"widgets": widgets}
