"""The error handler never goes silent, against moto: a failing de-duplication store, a failing
alert builder, and inputs of any size."""

import json

import pytest
from botocore.stub import Stubber

from handlers import aws_clients, error_handler
from handlers.alerting import receipt
from handlers.contract import EnvVar, Metric
from tests.guardrails.faults import ITEM_TOO_LARGE, reject
from tests.handlers import events
from tests.handlers.dedupe_table import records
from tests.handlers.logs import invoke_logged
from tests.handlers.readback import datapoints

HUGE_ID = events.EXECUTION_ARN + "x" * 150_000  # 150 KB
CJK_CAUSE = events.lambda_error_cause("DbtCommandFailed", "dbt run 失敗 " + "数据" * 20_000)


def _fallbacks() -> float:
    return sum(point["Sum"] for point in datapoints(Metric.ALERT_FALLBACKS, "Sum"))


def _warned(logs: list[dict], message: str) -> bool:
    return any(line["level"] == "WARNING" and message in line["message"] for line in logs)


# ---- records and results are receipts, whatever the input -------------------------------------


def test_a_huge_execution_id_and_cjk_cause_keep_the_record_small_and_alert_once(
    table, topics, lambda_context
):
    event = events.with_execution(
        events.catch_payload("DbtCommandFailed", CJK_CAUSE), Id=events.EXECUTION_ARN + "x" * 40_000
    )
    first = error_handler.handler(event, lambda_context)
    again = error_handler.handler(event, lambda_context)
    assert len(topics.received("critical")) == 1
    assert (first["duplicate"], again["duplicate"]) == (False, True)
    flags = {"duplicate", "run_failure_metric"}
    assert {key: value for key, value in again.items() if key not in flags} == {
        key: value for key, value in first.items() if key not in flags
    }  # the duplicate answers with the first receipt
    item_bytes = [len(json.dumps(item)) for item in records(table)]
    assert max(item_bytes) < receipt.RESULT_MAX_BYTES < 400_000


@pytest.mark.parametrize(
    "event",
    [
        events.with_execution(events.dbt_test_catch(), Id=HUGE_ID),
        events.catch_payload("E" * 300_000, "c"),
        events.catch_payload("States.TaskFailed", events.deep_json(5_000)),
        events.execution_status_change("FAILED", "E" * 300_000, events.deep_json(5_000)),
        events.with_execution(events.glue_catch(), Id=events.deep_array(5_000)),
    ],
    ids=[
        "150 KB execution.Id",
        "300 KB Error name",
        "5000-deep Cause",
        "execution event",
        "5000-deep execution.Id",
    ],
)
def test_hostile_input_alerts_once_and_returns_a_result_a_state_can_hold(
    topics, lambda_context, event
):
    result = error_handler.handler(event, lambda_context)
    assert len(topics.received("critical") + topics.received("warning")) == 1
    assert len(json.dumps(result).encode()) <= receipt.RESULT_MAX_BYTES
    assert result["minimal"] is False


# ---- the de-duplication store fails open ------------------------------------------------------


def test_a_missing_dedupe_table_still_alerts_once_and_counts_the_fallback(
    topics, monkeypatch, lambda_context
):
    monkeypatch.setenv(EnvVar.IDEMPOTENCY_TABLE, "sf-user-pipeline-dev-no-such-table")
    result, logs = invoke_logged(error_handler, events.dbt_run_catch(), lambda_context)
    assert not isinstance(result, Exception), result
    (envelope,) = topics.received("critical")
    assert (result["dedupe"], result["duplicate"]) == ("unavailable", False)
    assert result["message_id"] == envelope["MessageId"]
    assert _warned(logs, "de-duplication store unavailable")
    assert _fallbacks() == 2  # the alert's record and the failed run's record


def test_a_denied_dedupe_table_still_alerts(table, topics, lambda_context):
    with Stubber(aws_clients.client("dynamodb")) as stub:
        stub.add_client_error("put_item", "AccessDeniedException", "not authorized", 400)
        result = error_handler.handler(
            events.glue_job_state_change("FAILED", "boom"), lambda_context
        )
    assert len(topics.received("critical")) == 1
    assert result["dedupe"] == "unavailable"


def test_a_receipt_that_cannot_be_saved_after_publishing_is_not_published_again(
    table, topics, lambda_context
):
    """Powertools marks the failure in progress, the alert goes out, then saving the result is
    rejected: the handler returns (no retry, so no second alert), and a report that arrives
    while the mark holds is told to retry later instead of alerting again."""
    reject("dynamodb", "UpdateItem", lambda _: ITEM_TOO_LARGE)
    first = error_handler.handler(events.glue_catch(), lambda_context)
    assert (first["dedupe"], first["duplicate"]) == ("unavailable", False)
    assert len(topics.received("critical")) == 1
    with pytest.raises(error_handler.AlertDeliveryError, match="retry later"):
        error_handler.handler(events.glue_catch(), lambda_context)
    assert topics.received("critical") == []


# ---- a builder failure still alerts, minimally -------------------------------------------------


def test_when_building_the_alert_fails_the_minimal_alert_goes_out(
    topics, monkeypatch, lambda_context
):
    def broken(*_):
        raise RuntimeError("the builder broke")

    monkeypatch.setattr(error_handler.alerts, "build", broken)
    result, logs = invoke_logged(error_handler, events.glue_catch(), lambda_context)
    assert not isinstance(result, Exception), result
    (envelope,) = topics.received("critical")
    assert "RuntimeError: the builder broke" in envelope["Message"]
    assert events.EXECUTION_ARN in envelope["Message"]
    assert envelope["MessageAttributes"]["severity"]["Value"] == "HIGH"
    assert result["minimal"] is True and result["error_type"] == "unknown"
    assert any(line["level"] == "ERROR" and "minimal alert" in line["message"] for line in logs)
    assert _fallbacks() == 1
