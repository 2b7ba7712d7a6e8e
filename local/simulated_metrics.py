"""What AWS itself would publish for the replayed runs, published into the emulator only.

In AWS, Step Functions publishes each execution to AWS/States (started, then succeeded or failed,
and its ExecutionTime), the Glue job its task counts, Lambda each invocation's Errors and
Duration, and the validator the bytes Athena scanned. Locally none of that happens (DuckDB
reports no bytes scanned), so the demo publishes these from what each replayed run did, under the
names and dimensions the deployed dashboard and alarms read (`PipelineMetrics`; the bytes through
the handlers' own `cloudwatch_metrics.datum`). They are simulated values: `is_simulated` names
their streams, and the report and the preview label them so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any, Final

import duckdb

from components.metrics import (
    GLUE_NAMESPACE,
    LAMBDA_NAMESPACE,
    STATES_NAMESPACE,
    MetricSpec,
    PipelineMetrics,
)
from components.settings import Settings
from handlers import cloudwatch_metrics
from handlers.contract import NAMESPACE, Metric, ValidationType
from local.replay import Invocation, ReplayedRun
from local.warehouse import RAW_TABLE, SCD_TABLE, Column

SIMULATED_NAMESPACES: Final = frozenset({STATES_NAMESPACE, GLUE_NAMESPACE, LAMBDA_NAMESPACE})
SIMULATED_METRICS: Final = frozenset({(NAMESPACE, Metric.ATHENA_BYTES_SCANNED.name)})
MILLISECONDS: Final = "Milliseconds"
COUNT: Final = "Count"
# A Spark task per slice of the extract, plus the job's fixed ones.
GLUE_FIXED_TASKS: Final = 8
GLUE_ROWS_PER_TASK: Final = 25
# What Athena would scan per row it reads: the validation queries read a few columns of
# Parquet (the raw extracts' within a window of days; the whole dimension).
RAW_BYTES_PER_ROW: Final = 120
SCD_BYTES_PER_ROW: Final = 90


def is_simulated(namespace: str, metric_name: str) -> bool:
    return namespace in SIMULATED_NAMESPACES or (namespace, metric_name) in SIMULATED_METRICS


@dataclass(frozen=True)
class Datum:
    namespace: str
    item: dict[str, Any]  # one PutMetricData MetricDatum


def _datum(metric: MetricSpec, value: float, unit: str, timestamp: datetime) -> Datum:
    return Datum(
        metric.namespace,
        {
            "MetricName": metric.metric_name,
            "Dimensions": [{"Name": k, "Value": v} for k, v in metric.dimensions.items()],
            "Timestamp": timestamp,
            "Value": float(value),
            "Unit": unit,
        },
    )


def execution_data(metrics: PipelineMetrics, run: ReplayedRun) -> list[Datum]:
    """AWS/States: the execution started, then succeeded or failed after its ExecutionTime."""
    record = run.record
    assert record.finished_at is not None
    ended = metrics.executions_failed() if record.failed else metrics.executions_succeeded()
    milliseconds = (record.finished_at - record.started_at).total_seconds() * 1000
    return [
        _datum(metrics.executions_started(), 1, COUNT, record.started_at),
        _datum(ended, 1, COUNT, record.finished_at),
        _datum(metrics.execution_time("Maximum"), milliseconds, MILLISECONDS, record.finished_at),
    ]


def glue_data(metrics: PipelineMetrics, run: ReplayedRun) -> list[Datum]:
    """The Glue job's task counts (ALL runs), as of its end."""
    completed = GLUE_FIXED_TASKS + run.rows // GLUE_ROWS_PER_TASK
    return [
        _datum(metrics.glue_tasks("Completed"), completed, COUNT, run.glue_completed_at),
        _datum(metrics.glue_tasks("Failed"), 0, COUNT, run.glue_completed_at),
    ]


def invocation_data(metrics: PipelineMetrics, invocations: Iterable[Invocation]) -> list[Datum]:
    """AWS/Lambda Errors (0 or 1) and Duration of every invocation."""
    data = []
    for call in invocations:
        name = call.function_name
        data += [
            _datum(metrics.function_errors(name, name), int(call.failed), COUNT, call.started_at),
            _datum(
                metrics.function_duration(name, name),
                call.seconds * 1000,
                MILLISECONDS,
                call.started_at,
            ),
        ]
    return data


def scanned_bytes(
    connection: duckdb.DuckDBPyConnection,
    validation: ValidationType,
    at: datetime,
    history_days: int,
) -> int:
    """What Athena would scan for `validation` at `at`: both queries read the dimension; the
    ingestion query the raw rows of the volume history window (the partitions its date filter
    keeps), the SCD query the latest extract."""
    raw_rows = f"SELECT count(*) FROM {RAW_TABLE} WHERE {Column.EXTRACTED_AT}"
    if validation is ValidationType.INGESTION:
        since = (at - timedelta(days=history_days)).replace(tzinfo=None)  # naive UTC, as stored
        (raw,) = connection.execute(f"{raw_rows} >= ?", [since]).fetchall()[0]
    else:
        (raw,) = connection.execute(
            f"{raw_rows} = (SELECT max({Column.EXTRACTED_AT}) FROM {RAW_TABLE})"
        ).fetchall()[0]
    (versions,) = connection.execute(f"SELECT count(*) FROM {SCD_TABLE}").fetchall()[0]
    return int(raw) * RAW_BYTES_PER_ROW + int(versions) * SCD_BYTES_PER_ROW


def athena_data(
    environment: str,
    connection: duckdb.DuckDBPyConnection,
    invocations: Iterable[Invocation],
    history_days: int,
) -> list[Datum]:
    """AthenaBytesScanned of every validation among `invocations`, as the validator publishes
    it (stamped with the validation's time)."""
    data = []
    for call in invocations:
        validation = call.event.get("validation_type")
        if validation is None:
            continue
        scanned = scanned_bytes(
            connection, ValidationType(validation), call.started_at, history_days
        )
        item = cloudwatch_metrics.datum(
            Metric.ATHENA_BYTES_SCANNED, scanned, environment, call.started_at
        )
        data.append(Datum(NAMESPACE, item))
    return data


def publish(data: Sequence[Datum]) -> None:
    """Into the emulator (boto3 points there for the demo), one batch per namespace."""
    by_namespace = sorted(data, key=lambda datum: datum.namespace)
    for namespace, items in groupby(by_namespace, key=lambda datum: datum.namespace):
        cloudwatch_metrics.publish([datum.item for datum in items], namespace=namespace)


def publish_invocations(settings: Settings, invocations: Iterable[Invocation]) -> None:
    """The Lambda metrics of invocations outside a pipeline run (the canary's)."""
    publish(invocation_data(PipelineMetrics(settings), invocations))


def publish_run(settings: Settings, run: ReplayedRun, warehouse: Path) -> None:
    """Everything AWS would publish for `run`, whose validator read `warehouse`."""
    metrics = PipelineMetrics(settings)
    data = execution_data(metrics, run) + glue_data(metrics, run)
    data += invocation_data(metrics, run.invocations)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        data += athena_data(
            settings.environment.value,
            connection,
            run.invocations,
            settings.pipeline_validator.volume_history_days,
        )
    publish(data)
