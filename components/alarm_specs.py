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

from . import arns
from .anomaly_band import AnomalyBand, BandComparison
from .settings import Settings

MAX_DESCRIPTION_CHARS: Final = 1024  # PutMetricAlarm / PutCompositeAlarm AlarmDescription limit
FIVE_MINUTES: Final = 300
ONE_HOUR: Final = 3_600
ONE_DAY: Final = 86_400
SEVEN_DAYS: Final = 7 * ONE_DAY

STATES_NAMESPACE: Final = "AWS/States"
GLUE_NAMESPACE: Final = "Glue"
LAMBDA_NAMESPACE: Final = "AWS/Lambda"
SQS_NAMESPACE: Final = "AWS/SQS"


class Comparison(StrEnum):
    GREATER_OR_EQUAL = "GreaterThanOrEqualToThreshold"
    GREATER = "GreaterThanThreshold"
    LESS = "LessThanThreshold"


class MissingData(StrEnum):
    NOT_BREACHING = "notBreaching"
    BREACHING = "breaching"
    IGNORE = "ignore"
    MISSING = "missing"


@dataclass(frozen=True)
class AlarmSpec:
    key: AlarmKey
    name: str
    summary: str
    namespace: str
    metric_name: str
    statistic: str
    dimensions: Mapping[str, str]
    period_seconds: int
    threshold: float | AnomalyBand  # a static value, or the metric's anomaly-detection band
    comparison: Comparison | BandComparison
    treat_missing_data: MissingData
    missing_data_reason: str
    route: AlertRoute
    runbook_url: str
    evaluation_periods: int = 1
    datapoints_to_alarm: int = 1

    def __post_init__(self) -> None:
        if isinstance(self.threshold, AnomalyBand) != isinstance(self.comparison, BandComparison):
            raise ValueError(f"{self.name}: a band threshold needs a band comparison and only it")
        if not 1 <= self.datapoints_to_alarm <= self.evaluation_periods:
            raise ValueError(f"{self.name}: datapoints to alarm must be 1..evaluation periods")
        limit = max_evaluation_range(self.period_seconds)
        if self.period_seconds * self.evaluation_periods > limit:
            raise ValueError(
                f"{self.name}: period x evaluation periods exceeds CloudWatch's {limit} s"
            )

    @property
    def description(self) -> str:
        return _description(self.summary, self.missing_data_reason, self.runbook_url)


def max_evaluation_range(period_seconds: int) -> int:
    """PutMetricAlarm's cap on Period x EvaluationPeriods: 1 day under one-hour periods, else 7."""
    return ONE_DAY if period_seconds < ONE_HOUR else SEVEN_DAYS


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


def alarm_specs(settings: Settings) -> list[AlarmSpec]:
    """Every metric alarm that pages, in AlarmKey order (the seed's eight, then the rest)."""
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
        *beyond_seed_specs(settings),
    ]


def beyond_seed_specs(settings: Settings) -> list[AlarmSpec]:
    """What does not happen, anomaly bands, freshness and undelivered failures (issue 5)."""
    thresholds = settings.thresholds
    band = AnomalyBand(settings.anomaly_band_width)
    hours = thresholds.missed_run_hours
    dead_letters = arns.alert_dead_letter_queue_name(settings)
    return [
        # A 26-hour window as 26 one-hour periods that must ALL breach (26 of 26): one success
        # in the window keeps it OK. Missing hours are breaching, so a pipeline that stops
        # running alarms. One-hour periods may span up to 7 days (PutMetricAlarm limit); a
        # single 26-hour period would rely on periods beyond a day, which we avoid.
        _spec(
            settings,
            AlarmKey.MISSED_RUN,
            summary=f"No run of {settings.state_machine_name} succeeded in the last {hours} hours.",
            namespace=STATES_NAMESPACE,
            metric_name="ExecutionsSucceeded",
            dimensions=state_machine_dimensions(settings),
            statistic="Sum",
            period_seconds=ONE_HOUR,
            evaluation_periods=hours,
            datapoints_to_alarm=hours,
            threshold=1,
            comparison=Comparison.LESS,
            treat_missing_data=MissingData.BREACHING,
            missing_data_reason=(
                "an hour without a succeeded execution is breaching; the alarm fires when "
                f"every one of the last {hours} hours is."
            ),
        ),
        _spec(
            settings,
            AlarmKey.RECORD_VOLUME_BAND,
            summary=(
                f"A run extracted an unusual number of Salesforce users: outside the anomaly "
                f"band ({band.width:g} standard deviations) learned from past runs "
                f"({settings.environment})."
            ),
            **_custom(settings, Metric.RECORDS_PROCESSED),
            **_per_run_band(band, "Sum", BandComparison.OUTSIDE),
        ),
        _spec(
            settings,
            AlarmKey.DURATION_BAND,
            summary=(
                f"A run of {settings.state_machine_name} took longer than the anomaly band "
                f"({band.width:g} standard deviations) learned from past runs."
            ),
            namespace=STATES_NAMESPACE,
            metric_name="ExecutionTime",
            dimensions=state_machine_dimensions(settings),
            **_per_run_band(band, "Maximum", BandComparison.ABOVE),
        ),
        _spec(
            settings,
            AlarmKey.DATA_FRESHNESS,
            summary=(
                f"The latest Salesforce extract was older than {thresholds.freshness_hours:g} "
                "hours when validated."
            ),
            **_custom(settings, Metric.DATA_FRESHNESS_HOURS),
            statistic="Maximum",
            period_seconds=FIVE_MINUTES,
            threshold=thresholds.freshness_hours,
            comparison=Comparison.GREATER,
            treat_missing_data=MissingData.IGNORE,
            missing_data_reason=(
                "published once per validation; keep the last state until the next run "
                "(MissedRun covers runs that never come)."
            ),
        ),
        _spec(
            settings,
            AlarmKey.ALERT_DEAD_LETTERS,
            summary=(
                f"Pipeline failure events reached the dead-letter queue {dead_letters}: "
                "the error handler did not process them, so no alert was sent for them."
            ),
            namespace=SQS_NAMESPACE,
            metric_name="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": dead_letters},
            statistic="Maximum",
            period_seconds=FIVE_MINUTES,
            threshold=0,
            comparison=Comparison.GREATER,
            treat_missing_data=MissingData.NOT_BREACHING,
            missing_data_reason=(
                "SQS stops reporting for a queue idle for six hours; a queue holding messages "
                "is active and reports."
            ),
        ),
    ]


def _per_run_band(
    band: AnomalyBand, statistic: str, comparison: BandComparison
) -> dict[str, object]:
    """Band alarm on a once-per-run value: one-hour periods hold one run of a daily pipeline."""
    return {
        "statistic": statistic,
        "period_seconds": ONE_HOUR,
        "threshold": band,
        "comparison": comparison,
        "treat_missing_data": MissingData.NOT_BREACHING,
        "missing_data_reason": "emitted once per run; hours without a run are not anomalies.",
    }


def composite_spec(settings: Settings, children: list[AlarmSpec]) -> CompositeAlarmSpec:
    key = AlarmKey.PIPELINE_HEALTH
    return CompositeAlarmSpec(
        key=key,
        name=contract.alarm_name(settings.environment, key),
        summary=f"The {settings.prefix} pipeline is unhealthy: at least one of its alarms fired.",
        children=tuple(spec.name for spec in children),
        route=ALARM_ROUTE[key],
        runbook_url=runbook_url(settings, key),
    )
