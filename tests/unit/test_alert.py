import json
from datetime import timedelta

import pytest

from handlers.alerting import alert, bounds, receipt
from handlers.alerting.inputs import normalise
from handlers.alerting.message import (
    MAX_SUBJECT_CHARS,
    SNS_MAX_MESSAGE_BYTES,
    attributes_bytes,
)
from handlers.contract import DEFAULT_THRESHOLDS, AlertRoute, ErrorType, Severity, runbook_slug
from tests.frozen_time import FROZEN_NOW
from tests.guardrails import fuzz
from tests.handlers import events

NOW = FROZEN_NOW + timedelta(minutes=8)
CONFIG = alert.AlertConfig(
    environment="dev",
    region="eu-west-1",
    thresholds=DEFAULT_THRESHOLDS,
    dashboard_name="sf-user-pipeline-dev",
    runbook_base_url="https://wiki.example.com/runbooks/",
    handler_log_group="/aws/lambda/sf-user-pipeline-dev-error-handler",
)


def _alert(event) -> alert.Alert:
    return alert.build(normalise(event), CONFIG, NOW)


def test_glue_alert_root_cause_links_and_route():
    built = _alert(events.glue_catch())
    assert built.error_type is ErrorType.GLUE_JOB_FAILURE
    assert (built.severity, built.route) == (Severity.HIGH, AlertRoute.CRITICAL)
    assert events.GLUE_ERROR_MESSAGE in built.root_cause
    assert events.GLUE_RUN_ID in built.root_cause
    region = events.REGION  # the execution's region wins over the configured one
    assert built.links["Step Functions execution"] == (
        f"https://{region}.console.aws.amazon.com/states/home?region={region}"
        f"#/v2/executions/details/{events.EXECUTION_ARN}"
    )
    assert built.links["Glue job run"].endswith(
        f"#/job/{events.GLUE_JOB_NAME}/run/{events.GLUE_RUN_ID}"
    )
    assert "$252Faws-glue$252Fjobs$252Ferror" in built.links["Glue error log"]
    assert (
        "$252Faws$252Fstepfunctions$252Fsf-user-pipeline-dev" in built.links["Pipeline log group"]
    )
    assert built.links["Dashboard"].endswith("#dashboards/dashboard/sf-user-pipeline-dev")
    assert built.links["Runbook"] == "https://wiki.example.com/runbooks/error-glue-job-failure.md"
    for url in built.links.values():
        assert url in built.message


def test_dbt_alert_lists_failing_nodes_with_messages():
    built = _alert(events.dbt_test_catch())
    for unique_id in events.FAILING_TESTS:
        assert unique_id in built.root_cause
    assert "Got 3 results, configured to fail if != 0" in built.root_cause
    assert "Glue job run" not in built.links


def test_validation_alert_shows_observed_vs_threshold():
    built = _alert(events.validation_catch("ingestion", score=91.5, failed=1))
    assert built.error_type is ErrorType.DATA_QUALITY_FAILURE
    threshold = DEFAULT_THRESHOLDS.data_quality_percent
    assert f"data_quality_score 91.5 is below the threshold {threshold:g}" in built.root_cause
    assert "record_count: observed 17 vs threshold 100" in built.root_cause


def test_a_tripped_breaker_pages_naming_each_breaker_against_its_limit():
    output = events.tripped_breakers_output()
    built = _alert(
        events.catch_payload(
            "ExtractBreakerTripped", json.dumps(output), error_type="extract_breaker_tripped"
        )
    )
    assert (built.error_type, built.severity, built.route) == (
        ErrorType.EXTRACT_BREAKER_TRIPPED, Severity.HIGH, AlertRoute.CRITICAL,
    )  # fmt: skip
    summary, *details = built.root_cause.splitlines()
    assert summary == (
        "stopped before dbt: extract_volume_drop 29.63 (limit 20), mass_deletion 29.63 (limit 5)"
    )
    text = "\n".join(details)
    assert "\n- extract_volume_drop: observed 29.63 vs threshold 20.0 (latest extract" in text
    assert "\n- mass_deletion: observed 29.63 vs threshold 5.0 (48 of 162" in text
    # The check that is no breaker comes after them.
    assert details[-2:] == [
        "Other failed checks:",
        "- record_count: observed 17 vs threshold 100 (rows in the latest extract)",
    ]
    assert "Do not redrive" in built.recommended_actions[0]


def test_every_error_type_has_actions_a_guide_and_its_runbook():
    for error_type in ErrorType:
        built = _alert(events.catch_payload("E", "c", error_type=error_type.value))
        assert built.recommended_actions and len(built.investigation_guide) >= 3
        assert built.links["Runbook"].endswith(f"/{runbook_slug(error_type)}.md")


def test_runbook_defaults_to_the_repository_path():
    config = alert.AlertConfig("dev", "us-east-1", DEFAULT_THRESHOLDS)
    built = alert.build(normalise(events.glue_catch()), config, NOW)
    assert built.links["Runbook"] == "docs/runbooks/error-glue-job-failure.md"
    assert "Dashboard" not in built.links


def test_subject_obeys_the_sns_rules_for_hostile_causes():
    built = _alert(events.catch_payload("Bad\nError™", "line one\nline two ✓ " + "x" * 500))
    assert len(built.subject) <= MAX_SUBJECT_CHARS
    assert all(0x20 <= ord(char) <= 0x7E for char in built.subject)
    assert built.subject.startswith("[HIGH] sf-user-pipeline-dev unknown: Bad Error")


@pytest.mark.parametrize("size", [300_000, 2_000_000])
def test_huge_causes_are_truncated_under_the_sns_limit(size):
    cause = json.dumps({"errorMessage": "é" * size, "errorType": "DbtCommandFailed"})
    built = _alert(events.catch_payload("DbtCommandFailed", cause))
    total = len(built.message.encode()) + attributes_bytes(built.message_attributes())
    assert total + len(built.subject) <= SNS_MAX_MESSAGE_BYTES
    assert "truncated" in built.message
    assert "RECOMMENDED ACTIONS" in built.message  # the useful parts survive the cut


def test_garbage_still_yields_an_unknown_alert_with_the_raw_payload():
    built = _alert(["not", "an", "event"])
    assert built.error_type is ErrorType.UNKNOWN
    assert built.severity is Severity.HIGH
    assert '"an"' in built.message
    assert "expected a JSON object" in built.root_cause


def test_the_receipt_is_json_and_names_the_alert():
    built = _alert(events.dbt_run_catch())
    data = json.loads(json.dumps(receipt.of(built, "arn:aws:sns:eu-west-1:1:t", "m-1")))
    assert data["error_type"] == "dbt_run_failure"
    assert data["identity"] == str(built.identity)
    assert (data["route"], data["message_id"]) == ("critical", "m-1")


def test_a_duplicate_returns_its_record_as_a_bounded_receipt():
    built = _alert(events.dbt_run_catch())
    current = {**receipt.of(built, "arn:aws:sns:eu-west-1:1:t", "m-1"), "metrics_published": True}
    assert receipt.recorded(current) == current
    # A record an earlier version wrote: the whole alert, near DynamoDB's 400 KB item limit.
    earlier = {**current, "message": "x" * 250_000, "root_cause": "y" * 100_000, "links": {}}
    earlier["problems"] = ["z" * 10_000] * 50
    read_back = receipt.recorded(earlier)
    assert set(read_back) == set(current)
    assert len(json.dumps(read_back)) <= receipt.RESULT_MAX_BYTES
    assert receipt.recorded("not a record") == {}


# ---- an alert builder that cannot raise -------------------------------------------------------

HUGE_ID = events.EXECUTION_ARN + "x" * 150_000  # 150 KB
HOSTILE = {
    "5000-deep JSON array Cause": events.catch_payload(
        "States.TaskFailed", events.deep_json(5_000)
    ),
    "5000-deep context": events.catch_payload("E", "c", context={"d": events.deep_array(5_000)}),
    "150 KB execution.Id": events.with_execution(events.dbt_test_catch(), Id=HUGE_ID),
    "300 KB Error name": events.catch_payload("E" * 300_000, "c"),
    "300 KB Error name, no execution": {"error": {"Error": "E" * 300_000}},
    "lone surrogate in the Cause": events.catch_payload("States.TaskFailed", "bad \ud800 cause"),
    "StartTime at the start of the calendar": events.with_execution(
        events.glue_catch(), StartTime="0001-01-01T00:00:00Z"
    ),
    "stopDate beyond the calendar": events.execution_status_change("FAILED")
    | {"detail": {**events.execution_status_change("FAILED")["detail"], "stopDate": 2**62}},
}


@pytest.mark.parametrize("event", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_still_builds_one_alert_within_sns_limits(event):
    built = _alert(event)
    publish = {
        "Subject": built.subject,
        "Message": built.sns_message,
        "MessageAttributes": built.message_attributes(),
    }
    assert fuzz.sns_limit_problems(publish) == []
    metadata = built.chat["metadata"]
    assert len(metadata["threadId"].encode()) <= 2 * bounds.IDENTIFIER_MAX_BYTES
    assert all(len(r.encode()) <= bounds.IDENTIFIER_MAX_BYTES for r in metadata["relatedResources"])
    assert not built.minimal  # the full alert, not the fallback


def test_a_huge_execution_id_is_cut_but_keeps_the_identity_distinct():
    other = HUGE_ID[:-1] + "y"
    first = _alert(HOSTILE["150 KB execution.Id"])
    second = _alert(events.with_execution(events.dbt_test_catch(), Id=other))
    assert first.identity != second.identity
    assert first.execution_arn and first.execution_arn.startswith(events.EXECUTION_ARN)
