"""Failure identities: every report of one failure shares one; different failures do not."""

from datetime import timedelta

import pytest

from handlers.alerting import identity
from handlers.alerting.alert import AlertConfig, build
from handlers.alerting.inputs import normalise
from handlers.contract import DEFAULT_THRESHOLDS
from tests.frozen_time import FROZEN_NOW
from tests.handlers import events

CONFIG = AlertConfig(environment="dev", region="us-east-1", thresholds=DEFAULT_THRESHOLDS)
NOW = FROZEN_NOW + timedelta(hours=1)


def _identity(event) -> str:
    return str(build(normalise(event), CONFIG, NOW).identity)


@pytest.mark.parametrize(
    ("error_type", "catch"),
    [
        ("glue_job_failure", events.glue_catch()),
        ("dbt_run_failure", events.dbt_run_catch()),
        ("dbt_test_failure", events.dbt_test_catch()),
        ("data_quality_failure", events.validation_catch("ingestion", score=80, failed=1)),
        ("validation_failure", events.catch_payload("Lambda.Unknown", "validator timed out")),
        ("unknown", events.catch_payload("States.Runtime", "boom")),
    ],
)
def test_catch_and_execution_event_share_the_identity(error_type, catch):
    catch = {**catch, "error_type": error_type}
    event = events.execution_status_change("FAILED", error_type, catch["error"]["Cause"])
    assert _identity(catch) == _identity(event)
    assert _identity(catch).endswith(f"#{error_type}")


def test_the_glue_event_shares_the_glue_failures_identity():
    glue_event = events.glue_job_state_change("FAILED", events.GLUE_ERROR_MESSAGE)
    assert _identity(glue_event) == _identity(events.glue_catch())
    assert _identity(glue_event) == f"glue_job_run:{events.GLUE_RUN_ID}#glue_job_failure"


def test_error_type_and_redrive_tell_failures_apart():
    catch = events.catch_payload("States.Runtime", "boom")
    assert _identity({**catch, "error_type": "dbt_run_failure"}) != _identity(
        {**catch, "error_type": "dbt_test_failure"}
    )
    redriven = {**catch, "execution": {**events.EXECUTION, "RedriveCount": 2}}
    assert _identity(redriven) != _identity(catch)
    assert "#redrive-2#" in _identity(redriven)


def test_unreadable_payloads_are_keyed_by_content():
    assert _identity("boom") == _identity("boom")
    assert _identity("boom") != _identity("bang")
    assert _identity("boom").startswith("payload:")


@pytest.mark.parametrize(
    ("event", "is_run"),
    [
        (events.glue_catch(), True),
        (events.execution_status_change("FAILED"), True),
        (events.execution_status_change("TIMED_OUT"), True),
        (events.execution_status_change("ABORTED"), True),
        (events.execution_status_change("SUCCEEDED"), False),
        (events.glue_job_state_change("FAILED", "x"), False),
        ({"execution": {"Id": 5}}, False),
    ],
)
def test_failed_run_is_a_terminal_pipeline_failure(event, is_run):
    assert (identity.failed_run(normalise(event)) is not None) is is_run
