"""What to alarm on, as data: settings + contract -> AlarmSpec / CompositeAlarmSpec.

PipelineAlarms turns these into resources; tests, docs and the policy pack read the same data.
Custom metrics take name and dimensions from `handlers.contract.Metric`, so an alarm always
watches exactly what the publisher emits. The model (what an alarm watches, its thresholds and
its MetricAlarm inputs) is `alarm_model`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from handlers import contract
from handlers.contract import ALARM_ROUTE, AlarmKey, HandlerKey, Metric, MetricDef

from . import arns
from .alarm_model import (
    ONE_DAY,
    ONE_HOUR,
    AlarmSpec,
    Comparison,
    CompositeAlarmSpec,
    MetricMath,
    MetricStat,
    MissingData,
)
from .anomaly_band import AnomalyBand, BandComparison
from .settings import Settings

FIVE_MINUTES: Final = 300

STATES_NAMESPACE: Final = "AWS/States"
GLUE_NAMESPACE: Final = "Glue"
LAMBDA_NAMESPACE: Final = "AWS/Lambda"
SQS_NAMESPACE: Final = "AWS/SQS"


def runbook_url(settings: Settings, key: AlarmKey) -> str:
    return f"{settings.runbook_base_url}/{contract.runbook_slug(key)}.md"


def keyed_spec(settings: Settings, key: AlarmKey, **fields: object) -> AlarmSpec:
    """An AlarmSpec named, routed and linked to its runbook by the contract."""
    return AlarmSpec(
        key=key,
        name=contract.alarm_name(settings.environment, key),
        route=ALARM_ROUTE[key],
        runbook_url=runbook_url(settings, key),
        **fields,  # type: ignore[arg-type]
    )


def custom_metric(settings: Settings, metric: MetricDef, statistic: str) -> MetricStat:
    """A contract metric with the dimensions the publisher emits it with in this environment."""
    return MetricStat(
        contract.NAMESPACE, metric.name, metric.dimensions(settings.environment), statistic
    )


def state_machine_dimensions(settings: Settings) -> dict[str, str]:
    return {"StateMachineArn": settings.state_machine_arn}


def glue_job_dimensions(settings: Settings) -> dict[str, str]:
    """Glue job metrics aggregated over all runs (JobRunId=ALL), as counts."""
    return {"JobName": settings.glue_job_name, "JobRunId": "ALL", "Type": "count"}


def _state_machine_metric(settings: Settings, metric_name: str, statistic: str) -> MetricStat:
    return MetricStat(STATES_NAMESPACE, metric_name, state_machine_dimensions(settings), statistic)


def _lambda_errors(function_name: str) -> MetricStat:
    return MetricStat(LAMBDA_NAMESPACE, "Errors", {"FunctionName": function_name}, "Sum")


LAMBDA_ERRORS_MISSING = "Lambda reports Errors only for invocations; none means no errors."


def _any_occurrence(missing_data_reason: str) -> dict[str, object]:
    """Alarm on a single event in five minutes; no data means no event."""
    return {
        "period_seconds": FIVE_MINUTES,
        "threshold": 1,
        "comparison": Comparison.GREATER_OR_EQUAL,
        "treat_missing_data": MissingData.NOT_BREACHING,
        "missing_data_reason": missing_data_reason,
    }


def _score_below(settings: Settings, metric: MetricDef, threshold: float) -> dict[str, object]:
    """Alarm when a once-per-run score drops below its threshold; keep state between runs."""
    return {
        "watches": custom_metric(settings, metric, "Minimum"),
        "period_seconds": FIVE_MINUTES,
        "threshold": threshold,
        "comparison": Comparison.LESS,
        "treat_missing_data": MissingData.IGNORE,
        "missing_data_reason": (
            "the score is published once per run; keep the last state until the next run reports."
        ),
    }


def alarm_specs(settings: Settings) -> list[AlarmSpec]:
    """Every metric alarm that pages, in AlarmKey order."""
    order = list(AlarmKey)
    every = (seed_specs, beyond_seed_specs, monitoring_health_specs)
    return sorted(
        (alarm for group in every for alarm in group(settings)),
        key=lambda alarm: order.index(alarm.key),
    )


def seed_specs(settings: Settings) -> list[AlarmSpec]:
    """The seed's eight alarms: failures, slowness, quality scores, volume, Lambda errors."""
    thresholds = settings.thresholds
    env = settings.environment
    return [
        keyed_spec(
            settings,
            AlarmKey.STEP_FUNCTIONS_FAILURE,
            summary=f"A run of {settings.state_machine_name} failed.",
            watches=_state_machine_metric(settings, "ExecutionsFailed", "Sum"),
            **_any_occurrence("emitted only when executions end; none means none failed."),
        ),
        keyed_spec(
            settings,
            AlarmKey.STEP_FUNCTIONS_DURATION,
            summary=(
                f"A run of {settings.state_machine_name} took longer than "
                f"{thresholds.pipeline_timeout_ms} ms."
            ),
            watches=_state_machine_metric(settings, "ExecutionTime", "Maximum"),
            period_seconds=FIVE_MINUTES,
            threshold=thresholds.pipeline_timeout_ms,
            comparison=Comparison.GREATER,
            treat_missing_data=MissingData.NOT_BREACHING,
            missing_data_reason="emitted only when an execution finishes; none means no slow run.",
        ),
        keyed_spec(
            settings,
            AlarmKey.GLUE_JOB_FAILURE,
            summary=f"Glue job {settings.glue_job_name} had failed tasks.",
            watches=MetricStat(
                GLUE_NAMESPACE,
                "glue.driver.aggregate.numFailedTasks",
                glue_job_dimensions(settings),
                "Sum",
            ),
            **_any_occurrence("Glue reports job metrics only while a run is active."),
        ),
        keyed_spec(
            settings,
            AlarmKey.DATA_QUALITY,
            summary=f"Data quality score of the latest extract fell below "
            f"{thresholds.data_quality_percent}%.",
            **_score_below(settings, Metric.DATA_QUALITY_SCORE, thresholds.data_quality_percent),
        ),
        keyed_spec(
            settings,
            AlarmKey.SCD_INTEGRITY,
            summary=f"SCD Type 2 integrity score fell below {thresholds.scd_integrity_percent}%.",
            **_score_below(settings, Metric.SCD_INTEGRITY_SCORE, thresholds.scd_integrity_percent),
        ),
        keyed_spec(
            settings,
            AlarmKey.RECORD_VOLUME_ANOMALY,
            summary=(
                f"Fewer than {thresholds.min_record_count} Salesforce users extracted in the "
                f"last 24 hours ({env})."
            ),
            watches=custom_metric(settings, Metric.RECORDS_PROCESSED, "Sum"),
            period_seconds=ONE_DAY,
            threshold=thresholds.min_record_count,
            comparison=Comparison.LESS,
            treat_missing_data=MissingData.BREACHING,
            missing_data_reason="no extract reported for a whole day means a missed run: alarm.",
        ),
        keyed_spec(
            settings,
            AlarmKey.DBT_RUNNER_ERROR,
            summary=f"The dbt runner Lambda {settings.dbt_runner_function_name} raised errors.",
            watches=_lambda_errors(settings.dbt_runner_function_name),
            **_any_occurrence(LAMBDA_ERRORS_MISSING),
        ),
        keyed_spec(
            settings,
            AlarmKey.VALIDATOR_ERROR,
            summary="The pipeline validator Lambda raised errors.",
            watches=_lambda_errors(contract.function_name(env, HandlerKey.PIPELINE_VALIDATOR)),
            **_any_occurrence(LAMBDA_ERRORS_MISSING),
        ),
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
        keyed_spec(
            settings,
            AlarmKey.MISSED_RUN,
            summary=f"No run of {settings.state_machine_name} succeeded in the last {hours} hours.",
            watches=_state_machine_metric(settings, "ExecutionsSucceeded", "Sum"),
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
        keyed_spec(
            settings,
            AlarmKey.RECORD_VOLUME_BAND,
            summary=(
                f"A run extracted an unusual number of Salesforce users: outside the anomaly "
                f"band ({band.width:g} standard deviations) learned from past runs "
                f"({settings.environment})."
            ),
            watches=custom_metric(settings, Metric.RECORDS_PROCESSED, "Sum"),
            **_per_run_band(band, BandComparison.OUTSIDE),
        ),
        keyed_spec(
            settings,
            AlarmKey.DURATION_BAND,
            summary=(
                f"A run of {settings.state_machine_name} took longer than the anomaly band "
                f"({band.width:g} standard deviations) learned from past runs."
            ),
            watches=_state_machine_metric(settings, "ExecutionTime", "Maximum"),
            **_per_run_band(band, BandComparison.ABOVE),
        ),
        keyed_spec(
            settings,
            AlarmKey.DATA_FRESHNESS,
            summary=(
                f"The latest Salesforce extract was older than {thresholds.freshness_hours:g} "
                "hours when validated."
            ),
            watches=custom_metric(settings, Metric.DATA_FRESHNESS_HOURS, "Maximum"),
            period_seconds=FIVE_MINUTES,
            threshold=thresholds.freshness_hours,
            comparison=Comparison.GREATER,
            treat_missing_data=MissingData.IGNORE,
            missing_data_reason=(
                "published once per validation; keep the last state until the next run "
                "(MissedRun covers runs that never come)."
            ),
        ),
        keyed_spec(
            settings,
            AlarmKey.ALERT_DEAD_LETTERS,
            summary=(
                f"Pipeline failure events reached the dead-letter queue {dead_letters}: "
                "the error handler did not process them, so no alert was sent for them."
            ),
            watches=MetricStat(
                SQS_NAMESPACE,
                "ApproximateNumberOfMessagesVisible",
                {"QueueName": dead_letters},
                "Maximum",
            ),
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


def _per_run_band(band: AnomalyBand, comparison: BandComparison) -> dict[str, object]:
    """Band alarm on a once-per-run value: one-hour periods hold one run of a daily pipeline."""
    return {
        "period_seconds": ONE_HOUR,
        "threshold": band,
        "comparison": comparison,
        "treat_missing_data": MissingData.NOT_BREACHING,
        "missing_data_reason": "emitted once per run; hours without a run are not anomalies.",
    }


def monitoring_health_specs(settings: Settings) -> list[AlarmSpec]:
    """The monitoring's own health (issue 7); the heartbeat only exists while the canary runs."""
    heartbeat = [heartbeat_spec(settings)] if settings.canary_enabled else []
    return [*heartbeat, handler_errors_spec(settings)]


def heartbeat_spec(settings: Settings) -> AlarmSpec:
    """The canary's heartbeat is missing for two schedule intervals (one late run is fine)."""
    window = 2 * settings.canary_interval_seconds
    return keyed_spec(
        settings,
        AlarmKey.MONITORING_HEARTBEAT,
        summary=(
            f"No heartbeat from the {settings.prefix} canary ({settings.canary_schedule}) for"
            f" {window // 60} minutes: the monitoring itself may be broken."
        ),
        watches=custom_metric(settings, Metric.MONITORING_HEARTBEAT, "Sum"),
        period_seconds=window,
        threshold=1,
        comparison=Comparison.LESS,
        treat_missing_data=MissingData.BREACHING,
        missing_data_reason="no heartbeat at all means the canary or the publisher is down: alarm.",
    )


def handler_errors_spec(settings: Settings) -> AlarmSpec:
    """Errors of the three monitoring functions (pipeline runs and self-tests alike) and the
    error handler's AlertFallbacks (it alerted without its de-duplication store, or sent the
    minimal alert), summed."""
    metrics = {
        handler.value.replace("-", "_"): _lambda_errors(
            contract.function_name(settings.environment, handler)
        )
        for handler in HandlerKey
    }
    metrics["alert_fallbacks"] = custom_metric(settings, Metric.ALERT_FALLBACKS, "Sum")
    return keyed_spec(
        settings,
        AlarmKey.MONITORING_HANDLER_ERRORS,
        summary=(
            f"A {settings.prefix} monitoring handler raised errors (its self-test or a run), or "
            "the error handler alerted through a fallback."
        ),
        watches=MetricMath(
            expression=f"SUM([{', '.join(metrics)}])",
            label="Monitoring handler errors",
            metrics=metrics,
        ),
        **_any_occurrence(LAMBDA_ERRORS_MISSING),
    )


def composite_spec(settings: Settings, children: Sequence[AlarmSpec]) -> CompositeAlarmSpec:
    key = AlarmKey.PIPELINE_HEALTH
    return CompositeAlarmSpec(
        key=key,
        name=contract.alarm_name(settings.environment, key),
        summary=f"The {settings.prefix} pipeline is unhealthy: at least one of its alarms fired.",
        children=tuple(child.name for child in children),
        route=ALARM_ROUTE[key],
        runbook_url=runbook_url(settings, key),
    )
