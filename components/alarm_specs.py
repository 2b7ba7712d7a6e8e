"""When to alarm, as data: settings + the metric factory -> AlarmSpec / CompositeAlarmSpec.

Each alarm is defined here once: its key (name suffix and runbook page), what it watches, when it
fires and which route it pages. Adding an alarm is a key, a spec and a runbook page (whose
parameters `make docs` generates). PipelineAlarms turns these into resources; the dashboard takes
its threshold lines from them, and tests, docs and the policy pack read the same data. What each
alarm watches comes from `metrics.PipelineMetrics`; the model (thresholds, MetricAlarm inputs) is
`alarm_model`. The alarms are grouped by concern: runs that fail or overrun, data quality, the
circuit breakers that stopped an extract before dbt, what does not happen, and the monitoring's
own health.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum
from typing import Final

from handlers.contract import AlertRoute, HandlerKey, Metric

from . import arns
from .alarm_model import (
    AlarmSpec,
    Comparison,
    CompositeAlarmSpec,
    MetricMath,
    MissingData,
    describe,
)
from .anomaly_band import AnomalyBand, BandComparison
from .cloudwatch_limits import ONE_DAY, ONE_HOUR
from .config_values import HEARTBEAT_INTERVALS
from .metrics import PipelineMetrics
from .settings import Settings

LAMBDA_ERRORS_MISSING: Final = "Lambda reports Errors only for invocations; none means no errors."


class AlarmKey(StrEnum):
    """Every alarm this project creates; its name suffix and runbook page derive from its key.
    The order is the order of the alarms (and of PipelineHealth's children)."""

    STEP_FUNCTIONS_FAILURE = "StepFunctionsFailure"
    STEP_FUNCTIONS_DURATION = "StepFunctionsDuration"
    GLUE_JOB_FAILURE = "GlueJobFailure"
    DATA_QUALITY = "DataQuality"
    SCD_INTEGRITY = "SCDIntegrity"
    EXTRACT_VOLUME_DROP = "ExtractVolumeDrop"
    MASS_DELETION = "MassDeletion"
    SCHEMA_DRIFT = "SchemaDrift"
    RECORD_VOLUME_ANOMALY = "RecordVolumeAnomaly"
    DBT_RUNNER_ERROR = "DbtRunnerError"
    VALIDATOR_ERROR = "ValidatorError"
    PIPELINE_HEALTH = "PipelineHealth"
    MISSED_RUN = "MissedRun"
    RECORD_VOLUME_BAND = "RecordVolumeBand"
    DURATION_BAND = "DurationBand"
    DATA_FRESHNESS = "DataFreshness"
    MONITORING_HEARTBEAT = "MonitoringHeartbeat"
    MONITORING_HANDLER_ERRORS = "MonitoringHandlerErrors"
    # Failure events that neither EventBridge nor Lambda could get through the error handler.
    ALERT_DEAD_LETTERS = "AlertDeadLetters"
    # Suppresses paging while operators hold MaintenanceMode at 1 (only when configured so).
    MAINTENANCE_MODE = "MaintenanceMode"


def runbook_slug(key: str) -> str:
    """File name (without .md) of the alarm's runbook under docs/runbooks/."""
    return "alarm-" + re.sub(r"(?<!^)(?=[A-Z][a-z])", "-", key).lower()


def runbook_url(settings: Settings, key: AlarmKey) -> str:
    return f"{settings.runbook_base_url}/{runbook_slug(key)}.md"


def keyed_spec(settings: Settings, key: AlarmKey, route: AlertRoute, **fields: object) -> AlarmSpec:
    """An AlarmSpec that pages `route`, named and linked to its runbook by its key."""
    return AlarmSpec(
        key=key,
        name=arns.alarm_name(settings, key),
        route=route,
        runbook_url=runbook_url(settings, key),
        **fields,  # type: ignore[arg-type]
    )


def _any_occurrence(missing_data_reason: str) -> dict[str, object]:
    """Alarm on a single event in the metric's (five-minute) period; no data means no event."""
    return {
        "threshold": 1,
        "comparison": Comparison.GREATER_OR_EQUAL,
        "treat_missing_data": MissingData.NOT_BREACHING,
        "missing_data_reason": missing_data_reason,
    }


def _score_below(threshold: float) -> dict[str, object]:
    """Alarm when a once-per-run score drops below its threshold; keep state between runs."""
    return {
        "threshold": threshold,
        "comparison": Comparison.LESS,
        "treat_missing_data": MissingData.IGNORE,
        "missing_data_reason": (
            "the score is published once per run; keep the last state until the next run reports."
        ),
    }


def _per_run_band(band: AnomalyBand, comparison: BandComparison) -> dict[str, object]:
    """Band alarm on a once-per-run value: one-hour periods hold one run of a daily pipeline."""
    return {
        "threshold": band,
        "comparison": comparison,
        "treat_missing_data": MissingData.NOT_BREACHING,
        "missing_data_reason": "emitted once per run; hours without a run are not anomalies.",
    }


def alarm_specs(settings: Settings) -> list[AlarmSpec]:
    """Every metric alarm the pipeline's health rolls up, in AlarmKey order."""
    order = [str(key) for key in AlarmKey]
    every = (
        failure_specs,
        data_quality_specs,
        circuit_breaker_specs,
        absence_specs,
        self_health_specs,
    )
    return sorted(
        (alarm for concern in every for alarm in concern(settings)),
        key=lambda alarm: order.index(alarm.key),
    )


def failure_specs(settings: Settings) -> list[AlarmSpec]:
    """Runs that fail (the state machine, the Glue job, the dbt runner, the validator) or
    overrun (the static timeout and the learned duration band)."""
    metrics = PipelineMetrics(settings)
    machine = settings.state_machine_name
    band = AnomalyBand(settings.anomaly_band_width)
    return [
        keyed_spec(
            settings,
            AlarmKey.STEP_FUNCTIONS_FAILURE,
            AlertRoute.CRITICAL,
            summary=f"A run of {machine} failed.",
            watches=metrics.executions_failed(),
            **_any_occurrence("emitted only when executions end; none means none failed."),
        ),
        keyed_spec(
            settings,
            AlarmKey.GLUE_JOB_FAILURE,
            AlertRoute.CRITICAL,
            summary=f"Glue job {settings.glue_job_name} had failed tasks.",
            watches=metrics.glue_tasks("Failed"),
            **_any_occurrence("Glue reports job metrics only while a run is active."),
        ),
        keyed_spec(
            settings,
            AlarmKey.DBT_RUNNER_ERROR,
            AlertRoute.CRITICAL,
            summary=f"The dbt runner Lambda {settings.dbt_runner_function_name} raised errors.",
            watches=metrics.dbt_runner_errors(),
            **_any_occurrence(LAMBDA_ERRORS_MISSING),
        ),
        keyed_spec(
            settings,
            AlarmKey.VALIDATOR_ERROR,
            AlertRoute.CRITICAL,
            summary="The pipeline validator Lambda raised errors.",
            watches=metrics.handler_errors(HandlerKey.PIPELINE_VALIDATOR),
            **_any_occurrence(LAMBDA_ERRORS_MISSING),
        ),
        keyed_spec(
            settings,
            AlarmKey.STEP_FUNCTIONS_DURATION,
            AlertRoute.WARNING,
            summary=f"A run of {machine} took longer than {settings.pipeline_timeout_ms} ms.",
            watches=metrics.execution_time("Maximum"),
            threshold=settings.pipeline_timeout_ms,
            comparison=Comparison.GREATER,
            treat_missing_data=MissingData.NOT_BREACHING,
            missing_data_reason="emitted only when an execution finishes; none means no slow run.",
        ),
        keyed_spec(
            settings,
            AlarmKey.DURATION_BAND,
            AlertRoute.WARNING,
            summary=(
                f"A run of {machine} took longer than the anomaly band "
                f"({band.width:g} standard deviations) learned from past runs."
            ),
            watches=metrics.execution_time("Maximum").over(ONE_HOUR),
            **_per_run_band(band, BandComparison.ABOVE),
        ),
    ]


def data_quality_specs(settings: Settings) -> list[AlarmSpec]:
    """The data a run delivered: quality and SCD integrity scores, freshness, unusual volume."""
    metrics = PipelineMetrics(settings)
    band = AnomalyBand(settings.anomaly_band_width)
    return [
        keyed_spec(
            settings,
            AlarmKey.DATA_QUALITY,
            AlertRoute.WARNING,
            summary=f"Data quality score of the latest extract fell below "
            f"{settings.data_quality_threshold}%.",
            watches=metrics.data_quality_score(),
            **_score_below(settings.data_quality_threshold),
        ),
        keyed_spec(
            settings,
            AlarmKey.SCD_INTEGRITY,
            AlertRoute.CRITICAL,
            summary=f"SCD Type 2 integrity score fell below {settings.scd_integrity_threshold}%.",
            watches=metrics.scd_integrity_score(),
            **_score_below(settings.scd_integrity_threshold),
        ),
        keyed_spec(
            settings,
            AlarmKey.DATA_FRESHNESS,
            AlertRoute.WARNING,
            summary=(
                f"The latest Salesforce extract was older than {settings.freshness_hours:g} "
                "hours when validated."
            ),
            watches=metrics.data_freshness_hours(),
            threshold=settings.freshness_hours,
            comparison=Comparison.GREATER,
            treat_missing_data=MissingData.IGNORE,
            missing_data_reason=(
                "published by every ingestion validation, also without an extract in the "
                "lookback (then at least the lookback, which breaches), unless the extraction "
                "time column is gone (SchemaDrift alarms); keep the last state until the next "
                "run (MissedRun and ValidatorError cover runs that never report)."
            ),
        ),
        keyed_spec(
            settings,
            AlarmKey.RECORD_VOLUME_BAND,
            AlertRoute.WARNING,
            summary=(
                f"A run extracted an unusual number of Salesforce users: outside the anomaly "
                f"band ({band.width:g} standard deviations) learned from past runs "
                f"({settings.environment})."
            ),
            watches=metrics.records(Metric.RECORDS_PROCESSED).over(ONE_HOUR),
            **_per_run_band(band, BandComparison.OUTSIDE),
        ),
    ]


def _tripped(threshold: float, comparison: Comparison) -> dict[str, object]:
    """A circuit breaker of the ingestion validation tripped; it stays tripped until the next
    validation reports (the run stopped: the dimension waits for someone to act)."""
    return {
        "threshold": threshold,
        "comparison": comparison,
        "treat_missing_data": MissingData.IGNORE,
        "missing_data_reason": (
            "published once per ingestion validation; keep the last state until the next one "
            "reports."
        ),
    }


def circuit_breaker_specs(settings: Settings) -> list[AlarmSpec]:
    """Extracts the ingestion validation stopped before dbt turned them into history: one that
    shrank, one that leaves out current users of the dimension, one missing a column."""
    metrics = PipelineMetrics(settings)
    limits = settings.pipeline_validator
    stopped = "the run stopped before dbt"
    return [
        keyed_spec(
            settings,
            AlarmKey.EXTRACT_VOLUME_DROP,
            AlertRoute.CRITICAL,
            summary=(
                f"The latest Salesforce extract has over {limits.max_volume_drop_percent:g}% "
                f"fewer rows than the previous one: {stopped}."
            ),
            watches=metrics.extract_volume_change(),
            **_tripped(-limits.max_volume_drop_percent, Comparison.LESS),
        ),
        keyed_spec(
            settings,
            AlarmKey.MASS_DELETION,
            AlertRoute.CRITICAL,
            summary=(
                f"The latest Salesforce extract leaves out over {limits.max_deletion_percent:g}% "
                f"of the dimension's current users, whom dbt would mark deleted: {stopped}."
            ),
            watches=metrics.predicted_deletion_share(),
            **_tripped(limits.max_deletion_percent, Comparison.GREATER),
        ),
        keyed_spec(
            settings,
            AlarmKey.SCHEMA_DRIFT,
            AlertRoute.CRITICAL,
            summary=(
                "The raw table or the dimension lacks a column the ingestion checks need: "
                f"{stopped}."
            ),
            watches=metrics.missing_columns(),
            **_tripped(1, Comparison.GREATER_OR_EQUAL),
        ),
    ]


def absence_specs(settings: Settings) -> list[AlarmSpec]:
    """What does not happen: no successful run, too few records in a day. Missing data is
    breaching, so a pipeline that silently stops running alarms."""
    metrics = PipelineMetrics(settings)
    hours = settings.missed_run_hours
    return [
        # A window of `hours` one-hour periods that must ALL breach: one success in the window
        # keeps it OK. The window may span up to 7 days (PutMetricAlarm's limit on Period x
        # EvaluationPeriods).
        keyed_spec(
            settings,
            AlarmKey.MISSED_RUN,
            AlertRoute.CRITICAL,
            summary=f"No run of {settings.state_machine_name} succeeded in the last {hours} hours.",
            watches=metrics.executions_succeeded().over(ONE_HOUR),
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
            AlarmKey.RECORD_VOLUME_ANOMALY,
            AlertRoute.WARNING,
            summary=(
                f"Fewer than {settings.min_record_count} Salesforce users extracted in the "
                f"last {ONE_DAY // ONE_HOUR} hours ({settings.environment})."
            ),
            watches=metrics.records(Metric.RECORDS_PROCESSED).over(ONE_DAY),
            threshold=settings.min_record_count,
            comparison=Comparison.LESS,
            treat_missing_data=MissingData.BREACHING,
            missing_data_reason=(
                "days with no extract count as breaching only once no reported day is left in "
                "the evaluation range (CloudWatch evaluates the latest existing datapoints); a "
                "single missed run is MissedRun's to catch."
            ),
        ),
    ]


def self_health_specs(settings: Settings) -> list[AlarmSpec]:
    """The monitoring's own health: the canary's heartbeat (only while the canary runs), its
    handlers' errors, and failure events that never became an alert."""
    heartbeat = [heartbeat_spec(settings)] if settings.canary_enabled else []
    return [*heartbeat, handler_errors_spec(settings), dead_letters_spec(settings)]


def heartbeat_spec(settings: Settings) -> AlarmSpec:
    """The canary's heartbeat is missing for two schedule intervals (one late run is fine)."""
    window = HEARTBEAT_INTERVALS * settings.canary_interval_seconds
    return keyed_spec(
        settings,
        AlarmKey.MONITORING_HEARTBEAT,
        AlertRoute.CRITICAL,
        summary=(
            f"No heartbeat from the {settings.prefix} canary ({settings.canary_schedule}) for"
            f" {window // 60} minutes: the monitoring itself may be broken."
        ),
        watches=PipelineMetrics(settings).heartbeats().over(window),
        threshold=1,
        comparison=Comparison.LESS,
        treat_missing_data=MissingData.BREACHING,
        missing_data_reason="no heartbeat at all means the canary or the publisher is down: alarm.",
    )


def handler_errors_spec(settings: Settings) -> AlarmSpec:
    """Errors of the three monitoring functions (pipeline runs and self-tests alike) and the
    error handler's AlertFallbacks (it alerted without its de-duplication store, or sent the
    minimal alert), summed."""
    measure = PipelineMetrics(settings)
    metrics = {
        handler.value.replace("-", "_"): measure.handler_errors(handler) for handler in HandlerKey
    }
    metrics["alert_fallbacks"] = measure.published(Metric.ALERT_FALLBACKS, "Sum", "Alert fallbacks")
    return keyed_spec(
        settings,
        AlarmKey.MONITORING_HANDLER_ERRORS,
        AlertRoute.CRITICAL,
        summary=(
            f"A {settings.prefix} monitoring handler raised errors (its self-test or a run), or "
            "the error handler alerted through a fallback."
        ),
        watches=MetricMath(
            expression=f"SUM([{', '.join(metrics)}])",
            label="Monitoring handler errors",
            metrics=metrics,
        ),
        **_any_occurrence(
            "Lambda reports Errors only for invocations, and the error handler AlertFallbacks only"
            " when it falls back; none means none."
        ),
    )


def dead_letters_spec(settings: Settings) -> AlarmSpec:
    """Any failure event in the dead-letter queue: a failure nobody was told about."""
    return keyed_spec(
        settings,
        AlarmKey.ALERT_DEAD_LETTERS,
        AlertRoute.CRITICAL,
        summary=(
            "Pipeline failure events reached the dead-letter queue "
            f"{arns.alert_dead_letter_queue_name(settings)}: the error handler did not process "
            "them, so no alert was sent for them."
        ),
        watches=PipelineMetrics(settings).alert_dead_letters(),
        threshold=0,
        comparison=Comparison.GREATER,
        treat_missing_data=MissingData.NOT_BREACHING,
        missing_data_reason=(
            "SQS stops reporting for a queue idle for six hours; a queue holding messages "
            "is active and reports."
        ),
    )


def pipeline_health_spec(settings: Settings, children: Sequence[AlarmSpec]) -> CompositeAlarmSpec:
    """The rollup: one "is the pipeline healthy?" signal over every pipeline alarm."""
    key = AlarmKey.PIPELINE_HEALTH
    summary = f"The {settings.prefix} pipeline is unhealthy: at least one of its alarms fired."
    return CompositeAlarmSpec(
        resource_name=key.value,
        name=arns.alarm_name(settings, key),
        description=describe(summary, runbook_url(settings, key)),
        children=tuple(child.name for child in children),
        # For status pages: each critical child pages on its own, so the rollup must not
        # escalate warning-level children to the critical route.
        route=AlertRoute.WARNING,
        key=key,
    )
