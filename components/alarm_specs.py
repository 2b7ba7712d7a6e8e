"""What to alarm on, as data: settings + contract -> AlarmSpec / CompositeAlarmSpec.

PipelineAlarms turns these into resources; tests, docs and the policy pack read the same data.
Custom metrics take name and dimensions from `handlers.contract.Metric`, so an alarm always
watches exactly what the publisher emits. No alarm sets a unit: CloudWatch then matches the
metric whatever unit it was published with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from handlers import contract
from handlers.contract import ALARM_ROUTE, AlarmKey, AlertRoute, HandlerKey, Metric, MetricDef

from .settings import Settings

MAX_DESCRIPTION_CHARS: Final = 1024  # PutMetricAlarm / PutCompositeAlarm AlarmDescription limit
FIVE_MINUTES: Final = 300
ONE_DAY: Final = 86_400

STATES_NAMESPACE: Final = "AWS/States"
GLUE_NAMESPACE: Final = "Glue"
LAMBDA_NAMESPACE: Final = "AWS/Lambda"


class Comparison(StrEnum):
    GREATER_OR_EQUAL = "GreaterThanOrEqualToThreshold"
    GREATER = "GreaterThanThreshold"
    LESS = "LessThanThreshold"


class MissingData(StrEnum):
    NOT_BREACHING = "notBreaching"
    BREACHING = "breaching"
    IGNORE = "ignore"
    MISSING = "missing"


@dataclass(frozen=True, kw_only=True)
class MetricAlarmBase:
    """What every metric alarm states besides what it watches: when it fires and where to."""

    key: AlarmKey
    name: str
    summary: str
    period_seconds: int
    threshold: float
    comparison: Comparison
    treat_missing_data: MissingData
    missing_data_reason: str
    route: AlertRoute
    runbook_url: str
    evaluation_periods: int = 1
    datapoints_to_alarm: int = 1

    @property
    def description(self) -> str:
        return _description(self.summary, self.missing_data_reason, self.runbook_url)


@dataclass(frozen=True, kw_only=True)
class AlarmSpec(MetricAlarmBase):
    """An alarm on one metric."""

    namespace: str
    metric_name: str
    statistic: str
    dimensions: Mapping[str, str]


@dataclass(frozen=True)
class CompositeAlarmSpec:
    key: AlarmKey
    name: str
    summary: str
    children: tuple[str, ...]
    route: AlertRoute
    runbook_url: str
    rule: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rule", any_in_alarm(self.children))

    @property
    def description(self) -> str:
        return _description(self.summary, "", self.runbook_url)


@dataclass(frozen=True)
class MetricQuery:
    """One metric of a metric-math alarm (`id` starts with a lowercase letter)."""

    id: str
    namespace: str
    metric_name: str
    dimensions: Mapping[str, str]
    statistic: str


@dataclass(frozen=True, kw_only=True)
class MathAlarmSpec(MetricAlarmBase):
    """An alarm on a metric-math expression over `queries` (each at `period_seconds`)."""

    expression: str
    label: str
    queries: tuple[MetricQuery, ...]


AnyAlarmSpec = AlarmSpec | MathAlarmSpec


def any_in_alarm(alarm_names: tuple[str, ...]) -> str:
    """Composite alarm rule that is ALARM when any of the named alarms is."""
    if not alarm_names:
        raise ValueError("a composite alarm needs at least one child alarm")
    return " OR ".join(f'ALARM("{name}")' for name in alarm_names)


def runbook_url(settings: Settings, key: AlarmKey) -> str:
    return f"{settings.runbook_base_url}/{contract.runbook_slug(key)}.md"


def _description(summary: str, missing_data_reason: str, runbook: str) -> str:
    parts = [summary]
    if missing_data_reason:
        parts.append(f"Missing data: {missing_data_reason}")
    parts.append(f"Runbook: {runbook}")
    text = " ".join(parts)
    if len(text) >= MAX_DESCRIPTION_CHARS:
        raise ValueError(f"alarm description is {len(text)} chars, the limit is 1024: {text!r}")
    return text


def _spec(settings: Settings, key: AlarmKey, **fields: object) -> AlarmSpec:
    return AlarmSpec(
        key=key,
        name=contract.alarm_name(settings.environment, key),
        route=ALARM_ROUTE[key],
        runbook_url=runbook_url(settings, key),
        **fields,  # type: ignore[arg-type]
    )


def _custom(settings: Settings, metric: MetricDef) -> dict[str, object]:
    return {
        "namespace": contract.NAMESPACE,
        "metric_name": metric.name,
        "dimensions": metric.dimensions(settings.environment),
    }


def state_machine_dimensions(settings: Settings) -> dict[str, str]:
    return {"StateMachineArn": settings.state_machine_arn}


def glue_job_dimensions(settings: Settings) -> dict[str, str]:
    """Glue job metrics aggregated over all runs (JobRunId=ALL), as counts."""
    return {"JobName": settings.glue_job_name, "JobRunId": "ALL", "Type": "count"}


def _any_occurrence(missing_data_reason: str) -> dict[str, object]:
    """Alarm on a single event in five minutes; no data means no event."""
    return {
        "statistic": "Sum",
        "period_seconds": FIVE_MINUTES,
        "threshold": 1,
        "comparison": Comparison.GREATER_OR_EQUAL,
        "treat_missing_data": MissingData.NOT_BREACHING,
        "missing_data_reason": missing_data_reason,
    }


def _score_below(settings: Settings, metric: MetricDef, threshold: float) -> dict[str, object]:
    """Alarm when a once-per-run score drops below its threshold; keep state between runs."""
    return {
        **_custom(settings, metric),
        "statistic": "Minimum",
        "period_seconds": FIVE_MINUTES,
        "threshold": threshold,
        "comparison": Comparison.LESS,
        "treat_missing_data": MissingData.IGNORE,
        "missing_data_reason": (
            "the score is published once per run; keep the last state until the next run reports."
        ),
    }


def _lambda_errors(function_name: str) -> dict[str, object]:
    return {
        "namespace": LAMBDA_NAMESPACE,
        "metric_name": "Errors",
        "dimensions": {"FunctionName": function_name},
        **_any_occurrence("Lambda reports Errors only for invocations; none means no errors."),
    }


def alarm_specs(settings: Settings) -> list[AnyAlarmSpec]:
    """The metric alarms, in AlarmKey order."""
    return [*_seed_specs(settings), *monitoring_health_specs(settings)]


def _seed_specs(settings: Settings) -> list[AnyAlarmSpec]:
    thresholds = settings.thresholds
    env = settings.environment
    return [
        _spec(
            settings,
            AlarmKey.STEP_FUNCTIONS_FAILURE,
            summary=f"A run of {settings.state_machine_name} failed.",
            namespace=STATES_NAMESPACE,
            metric_name="ExecutionsFailed",
            dimensions=state_machine_dimensions(settings),
            **_any_occurrence("emitted only when executions end; none means none failed."),
        ),
        _spec(
            settings,
            AlarmKey.STEP_FUNCTIONS_DURATION,
            summary=(
                f"A run of {settings.state_machine_name} took longer than "
                f"{thresholds.pipeline_timeout_ms} ms."
            ),
            namespace=STATES_NAMESPACE,
            metric_name="ExecutionTime",
            dimensions=state_machine_dimensions(settings),
            statistic="Maximum",
            period_seconds=FIVE_MINUTES,
            threshold=thresholds.pipeline_timeout_ms,
            comparison=Comparison.GREATER,
            treat_missing_data=MissingData.NOT_BREACHING,
            missing_data_reason="emitted only when an execution finishes; none means no slow run.",
        ),
        _spec(
            settings,
            AlarmKey.GLUE_JOB_FAILURE,
            summary=f"Glue job {settings.glue_job_name} had failed tasks.",
            namespace=GLUE_NAMESPACE,
            metric_name="glue.driver.aggregate.numFailedTasks",
            dimensions=glue_job_dimensions(settings),
            **_any_occurrence("Glue reports job metrics only while a run is active."),
        ),
        _spec(
            settings,
            AlarmKey.DATA_QUALITY,
            summary=f"Data quality score of the latest extract fell below "
            f"{thresholds.data_quality_percent}%.",
            **_score_below(settings, Metric.DATA_QUALITY_SCORE, thresholds.data_quality_percent),
        ),
        _spec(
            settings,
            AlarmKey.SCD_INTEGRITY,
            summary=f"SCD Type 2 integrity score fell below {thresholds.scd_integrity_percent}%.",
            **_score_below(settings, Metric.SCD_INTEGRITY_SCORE, thresholds.scd_integrity_percent),
        ),
        _spec(
            settings,
            AlarmKey.RECORD_VOLUME_ANOMALY,
            summary=(
                f"Fewer than {thresholds.min_record_count} Salesforce users extracted in the "
                f"last 24 hours ({env})."
            ),
            **_custom(settings, Metric.RECORDS_PROCESSED),
            statistic="Sum",
            period_seconds=ONE_DAY,
            threshold=thresholds.min_record_count,
            comparison=Comparison.LESS,
            treat_missing_data=MissingData.BREACHING,
            missing_data_reason="no extract reported for a whole day means a missed run: alarm.",
        ),
        _spec(
            settings,
            AlarmKey.DBT_RUNNER_ERROR,
            summary=f"The dbt runner Lambda {settings.dbt_runner_function_name} raised errors.",
            **_lambda_errors(settings.dbt_runner_function_name),
        ),
        _spec(
            settings,
            AlarmKey.VALIDATOR_ERROR,
            summary="The pipeline validator Lambda raised errors.",
            **_lambda_errors(contract.function_name(env, HandlerKey.PIPELINE_VALIDATOR)),
        ),
    ]


def heartbeat_spec(settings: Settings) -> AlarmSpec:
    """The canary's heartbeat is missing for two schedule intervals (one late run is fine)."""
    window = 2 * settings.canary_interval_seconds
    return _spec(
        settings,
        AlarmKey.MONITORING_HEARTBEAT,
        summary=(
            f"No heartbeat from the {settings.prefix} canary ({settings.canary_schedule}) for"
            f" {window // 60} minutes: the monitoring itself may be broken."
        ),
        **_custom(settings, Metric.MONITORING_HEARTBEAT),
        statistic="Sum",
        period_seconds=window,
        threshold=1,
        comparison=Comparison.LESS,
        treat_missing_data=MissingData.BREACHING,
        missing_data_reason="no heartbeat at all means the canary or the publisher is down: alarm.",
    )


def handler_errors_spec(settings: Settings) -> MathAlarmSpec:
    """Errors of the three monitoring functions, summed (pipeline runs and self-tests alike)."""
    key = AlarmKey.MONITORING_HANDLER_ERRORS
    queries = tuple(
        MetricQuery(
            id=handler.value.replace("-", "_"),
            namespace=LAMBDA_NAMESPACE,
            metric_name="Errors",
            dimensions={"FunctionName": contract.function_name(settings.environment, handler)},
            statistic="Sum",
        )
        for handler in HandlerKey
    )
    return MathAlarmSpec(
        key=key,
        name=contract.alarm_name(settings.environment, key),
        summary=f"A {settings.prefix} monitoring handler raised errors (its self-test or a run).",
        expression=f"SUM([{', '.join(query.id for query in queries)}])",
        label="Monitoring handler errors",
        queries=queries,
        period_seconds=FIVE_MINUTES,
        threshold=1,
        comparison=Comparison.GREATER_OR_EQUAL,
        treat_missing_data=MissingData.NOT_BREACHING,
        missing_data_reason="Lambda reports Errors only for invocations; none means no errors.",
        route=ALARM_ROUTE[key],
        runbook_url=runbook_url(settings, key),
    )


def monitoring_health_specs(settings: Settings) -> list[AnyAlarmSpec]:
    """The monitoring's own health; the heartbeat only exists while the canary runs."""
    heartbeat: list[AnyAlarmSpec] = [heartbeat_spec(settings)] if settings.canary_enabled else []
    return [*heartbeat, handler_errors_spec(settings)]


def composite_spec(settings: Settings, children: list[AnyAlarmSpec]) -> CompositeAlarmSpec:
    key = AlarmKey.PIPELINE_HEALTH
    return CompositeAlarmSpec(
        key=key,
        name=contract.alarm_name(settings.environment, key),
        summary=f"The {settings.prefix} pipeline is unhealthy: at least one of its alarms fired.",
        children=tuple(spec.name for spec in children),
        route=ALARM_ROUTE[key],
        runbook_url=runbook_url(settings, key),
    )
