"""Every alarm this project creates, by key: its route and its runbook page.

Infrastructure only (the handlers never read them), so they live here and not in the contract.
An alarm's name is `arns.alarm_name(settings, key)`; its runbook is
`docs/runbooks/<runbook_slug(key)>.md`, linked from the alarm's description.
"""

from __future__ import annotations

import re
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from handlers.contract import AlertRoute


class AlarmKey(StrEnum):
    """The name suffix and runbook slug of each alarm derive from its key."""

    STEP_FUNCTIONS_FAILURE = "StepFunctionsFailure"
    STEP_FUNCTIONS_DURATION = "StepFunctionsDuration"
    GLUE_JOB_FAILURE = "GlueJobFailure"
    DATA_QUALITY = "DataQuality"
    SCD_INTEGRITY = "SCDIntegrity"
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


ALARM_ROUTE: Final = MappingProxyType(
    {
        AlarmKey.STEP_FUNCTIONS_FAILURE: AlertRoute.CRITICAL,
        AlarmKey.STEP_FUNCTIONS_DURATION: AlertRoute.WARNING,
        AlarmKey.GLUE_JOB_FAILURE: AlertRoute.CRITICAL,
        AlarmKey.DATA_QUALITY: AlertRoute.WARNING,
        AlarmKey.SCD_INTEGRITY: AlertRoute.CRITICAL,
        AlarmKey.RECORD_VOLUME_ANOMALY: AlertRoute.WARNING,
        AlarmKey.DBT_RUNNER_ERROR: AlertRoute.CRITICAL,
        AlarmKey.VALIDATOR_ERROR: AlertRoute.CRITICAL,
        # A rollup for status pages: each critical child pages on its own, so the rollup
        # must not escalate warning-level children to the critical route.
        AlarmKey.PIPELINE_HEALTH: AlertRoute.WARNING,
        AlarmKey.MISSED_RUN: AlertRoute.CRITICAL,
        AlarmKey.RECORD_VOLUME_BAND: AlertRoute.WARNING,
        AlarmKey.DURATION_BAND: AlertRoute.WARNING,
        AlarmKey.DATA_FRESHNESS: AlertRoute.WARNING,
        AlarmKey.MONITORING_HEARTBEAT: AlertRoute.CRITICAL,
        AlarmKey.MONITORING_HANDLER_ERRORS: AlertRoute.CRITICAL,
        AlarmKey.ALERT_DEAD_LETTERS: AlertRoute.CRITICAL,
        AlarmKey.MAINTENANCE_MODE: AlertRoute.WARNING,
    }
)


def runbook_slug(key: AlarmKey) -> str:
    """File name (without .md) of the alarm's runbook under docs/runbooks/."""
    return "alarm-" + re.sub(r"(?<!^)(?=[A-Z][a-z])", "-", key.value).lower()
