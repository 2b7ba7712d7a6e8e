"""From one pipeline run's outputs to CloudWatch metric data (pure).

Every datum is stamped with the run's start (`execution.StartTime`), so a late or retried
publish lands on the run it describes, not on the publishing minute.

ExecutionDuration is measured from `execution.StartTime` to `published_at`, the moment the
publisher runs. The publisher is the pipeline's last state, so this is the run's wall time up
to that point; the Glue JobRun's `CompletedOn` is not used because it ends before dbt and the
SCD validation, which would under-report the run. The Glue JobRun is validated but no metric
derives from it (AWS/Glue already publishes the job's own metrics).

Parts that are absent are listed in `MetricPlan.skipped`, never replaced by a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from handlers.cloudwatch_metrics import MetricDatum, datum
from handlers.contract import Metric, MetricDef
from handlers.dbt_results import DbtCounts, count
from handlers.publishing.artifacts import ResolvedDbt
from handlers.publishing.event import (
    SUCCEEDED,
    PublisherEvent,
    RecordCounts,
    ValidationOutputs,
)


@dataclass(frozen=True)
class MetricPlan:
    data: list[MetricDatum] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def metric_names(self) -> list[str]:
        return [item["MetricName"] for item in self.data]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def execution_seconds(started: datetime, published_at: datetime) -> float | None:
    """Seconds since the execution started; None (skipped, not guessed) when StartTime lies
    in the future, which only a skewed clock or a hand-made event produces."""
    seconds = (_aware(published_at) - _aware(started)).total_seconds()
    return seconds if seconds >= 0 else None


def dbt_counts(dbt: ResolvedDbt) -> DbtCounts | None:
    artifacts = [results for results in (dbt.run, dbt.test) if results is not None]
    if not artifacts:
        return None
    return sum((count(results) for results in artifacts), DbtCounts())


Observation = tuple[str, MetricDef, float | None]


def _run_observations(event: PublisherEvent, published_at: datetime) -> list[Observation]:
    duration = execution_seconds(event.execution.start_time, published_at)
    success = None if event.status is None else float(event.status == SUCCEEDED)
    return [
        ("execution", Metric.EXECUTION_DURATION, duration),
        ("status", Metric.JOB_SUCCESS, success),
    ]


def _record_observations(event: PublisherEvent) -> list[Observation]:
    records = event.records or RecordCounts()
    return [
        ("records.processed", Metric.RECORDS_PROCESSED, records.processed),
        ("records.created", Metric.RECORDS_CREATED, records.created),
        ("records.updated", Metric.RECORDS_UPDATED, records.updated),
        ("records.deleted", Metric.RECORDS_DELETED, records.deleted),
    ]


def _dbt_observations(dbt: ResolvedDbt) -> list[Observation]:
    # Model metrics come from `dbt.run`, test metrics from `dbt.test`; a `dbt build` artifact
    # in either part supplies both. A part that was not given yields no metric, not a zero.
    counts = dbt_counts(dbt) or DbtCounts()
    has_models = dbt.run is not None or counts.models_seen > 0
    has_tests = dbt.test is not None or counts.tests_seen > 0
    return [
        ("dbt.run", Metric.DBT_MODELS_RUN, counts.models_run if has_models else None),
        ("dbt.run", Metric.DBT_MODELS_FAILED, counts.models_failed if has_models else None),
        ("dbt.test", Metric.DBT_TESTS_PASSED, counts.tests_passed if has_tests else None),
        ("dbt.test", Metric.DBT_TESTS_FAILED, counts.tests_failed if has_tests else None),
    ]


def _validation_observations(event: PublisherEvent) -> list[Observation]:
    validation = event.validation or ValidationOutputs()
    ingestion, scd = validation.ingestion, validation.scd
    return [
        (
            "validation.ingestion.data_quality_score",
            Metric.DATA_QUALITY_SCORE,
            None if ingestion is None else ingestion.data_quality_score,
        ),
        (
            "validation.scd.scd_integrity_score",
            Metric.SCD_INTEGRITY_SCORE,
            None if scd is None else scd.scd_integrity_score,
        ),
    ]


def build(
    event: PublisherEvent, dbt: ResolvedDbt, environment: str, published_at: datetime
) -> MetricPlan:
    """The metric data for one run; see the module docstring for the rules."""
    run_start = _aware(event.execution.start_time)
    plan = MetricPlan()
    observations = (
        _run_observations(event, published_at)
        + _record_observations(event)
        + _dbt_observations(dbt)
        + _validation_observations(event)
    )
    for part, metric, value in observations:
        if value is None:
            if part not in plan.skipped:
                plan.skipped.append(part)
        else:
            plan.data.append(datum(metric, value, environment, run_start))
    return plan
