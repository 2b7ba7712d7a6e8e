"""The error handler never goes silent, against moto: a failing de-duplication store, a failing
alert builder, and inputs of any size."""

import json

import pytest

from handlers import error_handler
from handlers.alerting import receipt
from tests.handlers import events
from tests.handlers.dedupe_table import records

HUGE_ID = events.EXECUTION_ARN + "x" * 150_000  # 150 KB
CJK_CAUSE = events.lambda_error_cause("DbtCommandFailed", "dbt run 失敗 " + "数据" * 20_000)


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
    ],
    ids=["150 KB execution.Id", "300 KB Error name", "5000-deep Cause", "execution event"],
)
def test_hostile_input_alerts_once_and_returns_a_result_a_state_can_hold(
    topics, lambda_context, event
):
    result = error_handler.handler(event, lambda_context)
    assert len(topics.received("critical") + topics.received("warning")) == 1
    assert len(json.dumps(result).encode()) <= receipt.RESULT_MAX_BYTES
    assert result["minimal"] is False
