"""What to measure: every metric the alarms watch and the dashboard shows, defined once.

`PipelineMetrics(settings)` is the metric factory: each method returns a `MetricSpec` with its
namespace, name, dimensions, statistic, period and label. Alarm specs (`alarm_specs`,
`maintenance`) and dashboard widgets (`dashboard_body`) both take their metrics from it, so an
alarm and the widget that shows it cannot drift apart. Custom metrics take name and dimensions from
`handlers.contract.Metric`, so an alarm always watches exactly what the publisher emits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from handlers import contract
from handlers.contract import HandlerKey, Metric, MetricDef

from . import arns
from .settings import Settings

FIVE_MINUTES: Final = 300

STATES_NAMESPACE: Final = "AWS/States"
GLUE_NAMESPACE: Final = "Glue"
LAMBDA_NAMESPACE: Final = "AWS/Lambda"
SQS_NAMESPACE: Final = "AWS/SQS"


@dataclass(frozen=True)
class MetricSpec:
    """One metric, the statistic taken of it and the period it is taken over."""

    namespace: str
    metric_name: str
    dimensions: Mapping[str, str]
    statistic: str
    period_seconds: int = FIVE_MINUTES
    label: str = ""

    def over(self, period_seconds: int) -> MetricSpec:
        """The same metric and statistic over another period."""
        return dataclasses.replace(self, period_seconds=period_seconds)


class PipelineMetrics:
    """The pipeline's metrics (Step Functions, Glue, the published `SfUserPipeline` ones) and the
    monitoring's own (its Lambdas, the alert dead-letter queue, heartbeat and maintenance)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    # ---- the pipeline's runs (AWS/States, per execution of its state machine) ---------------

    def _states(self, metric_name: str, statistic: str, label: str) -> MetricSpec:
        dimensions = {"StateMachineArn": self._settings.state_machine_arn}
        return MetricSpec(STATES_NAMESPACE, metric_name, dimensions, statistic, label=label)

    def executions_started(self) -> MetricSpec:
        return self._states("ExecutionsStarted", "Sum", "Started")

    def executions_succeeded(self) -> MetricSpec:
        return self._states("ExecutionsSucceeded", "Sum", "Succeeded")

    def executions_failed(self) -> MetricSpec:
        return self._states("ExecutionsFailed", "Sum", "Failed")

    def execution_time(self, statistic: Literal["Average", "Maximum"]) -> MetricSpec:
        """Milliseconds from start to end of an execution."""
        return self._states("ExecutionTime", statistic, f"{statistic} duration")

    # ---- the extract (Glue job metrics over all runs, JobRunId=ALL, as counts) --------------

    def glue_tasks(self, outcome: Literal["Completed", "Failed"]) -> MetricSpec:
        dimensions = {"JobName": self._settings.glue_job_name, "JobRunId": "ALL", "Type": "count"}
        return MetricSpec(
            GLUE_NAMESPACE,
            f"glue.driver.aggregate.num{outcome}Tasks",
            dimensions,
            "Sum",
            label=f"{outcome} tasks",
        )

    # ---- what the handlers publish (SfUserPipeline) ------------------------------------------

    def published(self, metric: MetricDef, statistic: str, label: str) -> MetricSpec:
        """A contract metric with the dimensions the handlers publish it with here."""
        dimensions = metric.dimensions(self._settings.environment)
        return MetricSpec(contract.NAMESPACE, metric.name, dimensions, statistic, label=label)

    def records(self, metric: MetricDef) -> MetricSpec:
        """Rows of one load: RecordsProcessed, RecordsCreated, RecordsUpdated, RecordsDeleted."""
        return self.published(metric, "Sum", metric.name.removeprefix("Records"))

    def data_quality_score(self) -> MetricSpec:
        """Published once per run; its worst value is the one that matters."""
        return self.published(Metric.DATA_QUALITY_SCORE, "Minimum", "Data quality")

    def scd_integrity_score(self) -> MetricSpec:
        return self.published(Metric.SCD_INTEGRITY_SCORE, "Minimum", "SCD integrity")

    def data_freshness_hours(self) -> MetricSpec:
        return self.published(Metric.DATA_FRESHNESS_HOURS, "Maximum", "Extract age (h)")

    def extract_volume_change(self) -> MetricSpec:
        """Percent change of the latest extract's rows; its lowest value is the worst drop."""
        return self.published(Metric.EXTRACT_VOLUME_CHANGE, "Minimum", "Volume change (%)")

    def predicted_deletion_share(self) -> MetricSpec:
        return self.published(Metric.PREDICTED_DELETION_SHARE, "Maximum", "Would delete (%)")

    def missing_columns(self) -> MetricSpec:
        return self.published(Metric.MISSING_COLUMNS, "Maximum", "Missing columns")

    def athena_bytes_scanned(self, statistic: Literal["Average", "Maximum"]) -> MetricSpec:
        return self.published(Metric.ATHENA_BYTES_SCANNED, statistic, statistic)

    def heartbeats(self) -> MetricSpec:
        return self.published(Metric.MONITORING_HEARTBEAT, "Sum", "Heartbeats")

    def maintenance_mode(self) -> MetricSpec:
        return self.published(Metric.MAINTENANCE_MODE, "Maximum", "Maintenance")

    # ---- Lambda functions: the user's dbt runner and the monitoring handlers ----------------

    def function_errors(self, function_name: str, label: str) -> MetricSpec:
        """Invocation errors; Lambda reports them only for invocations."""
        dimensions = {"FunctionName": function_name}
        return MetricSpec(LAMBDA_NAMESPACE, "Errors", dimensions, "Sum", label=label)

    def dbt_runner_errors(self) -> MetricSpec:
        return self.function_errors(self._settings.dbt_runner_function_name, "dbt runner")

    def handler_errors(self, handler: HandlerKey) -> MetricSpec:
        name = contract.function_name(self._settings.environment, handler)
        return self.function_errors(name, handler.value)

    def function_duration(self, function_name: str, label: str) -> MetricSpec:
        """Milliseconds per invocation, the slowest in the period."""
        dimensions = {"FunctionName": function_name}
        return MetricSpec(LAMBDA_NAMESPACE, "Duration", dimensions, "Maximum", label=label)

    def handler_duration(self, handler: HandlerKey) -> MetricSpec:
        name = contract.function_name(self._settings.environment, handler)
        return self.function_duration(name, handler.value)

    # ---- the alert path ----------------------------------------------------------------------

    def alert_dead_letters(self) -> MetricSpec:
        """Failure events waiting in the dead-letter queue: alerts that were never sent."""
        dimensions = {"QueueName": arns.alert_dead_letter_queue_name(self._settings)}
        return MetricSpec(
            SQS_NAMESPACE, "ApproximateNumberOfMessagesVisible", dimensions, "Maximum",
            label="Undelivered failure events",
        )  # fmt: skip
