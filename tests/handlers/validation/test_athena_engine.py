"""The Athena engine against moto (queued results) and botocore's Stubber (pages, failures)."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import islice
from zoneinfo import ZoneInfo

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws

from handlers import aws_clients
from handlers.contract import EnvVar
from handlers.validation.engines import create_engine
from handlers.validation.engines.athena import AthenaEngine, Backoff, convert
from handlers.validation.errors import QueryEngineError
from tests.handlers.validation.validator_env import validator_settings

from .conftest import athena_row as _row
from .conftest import queue_athena_result

COLUMNS = [("users", "bigint"), ("latest", "timestamp"), ("note", "varchar")]


def _column_info():
    return [{"Name": name, "Label": name, "Type": kind} for name, kind in COLUMNS]


HEADER = _row(*(name for name, _ in COLUMNS))


@mock_aws
def test_moto_round_trip_sends_workgroup_database_and_output_location():
    aws_clients.client("athena").create_work_group(Name="sf-user-monitoring")
    settings = validator_settings(
        {
            EnvVar.ATHENA_WORKGROUP: "sf-user-monitoring",
            EnvVar.ATHENA_DATABASE: "salesforce_curated",
            EnvVar.S3_RESULTS_BUCKET: "results-bucket",
        },
    )
    engine = create_engine(settings)
    assert isinstance(engine, AthenaEngine)
    queue_athena_result(COLUMNS, [("6", "2026-11-26 01:00:00.000", None)])

    result = engine.run("scd_integrity", "SELECT 1")

    assert result.rows == [{"users": 6, "latest": datetime(2026, 11, 26, 1), "note": None}]
    assert result.stats.bytes_scanned == 0 and result.stats.engine == "athena"
    execution = aws_clients.client("athena").get_query_execution(
        QueryExecutionId=result.stats.query_id
    )
    execution = execution["QueryExecution"]
    assert execution["WorkGroup"] == "sf-user-monitoring"
    assert execution["QueryExecutionContext"] == {"Database": "salesforce_curated"}
    assert execution["ResultConfiguration"]["OutputLocation"].startswith(
        "s3://results-bucket/validator/"
    )


@mock_aws
@pytest.mark.parametrize("prefix", ["monitoring/athena", "/monitoring/athena/"])
def test_the_results_prefix_reaches_the_output_location(prefix):
    aws_clients.client("athena").create_work_group(Name="wg")
    environ = {EnvVar.S3_RESULTS_BUCKET: "results-bucket", EnvVar.ATHENA_RESULTS_PREFIX: prefix}
    settings = validator_settings({EnvVar.ATHENA_WORKGROUP: "wg", **environ})
    queue_athena_result(COLUMNS, [("6", None, None)])
    query_id = create_engine(settings).run("ingestion", "SELECT 1").stats.query_id
    execution = aws_clients.client("athena").get_query_execution(QueryExecutionId=query_id)
    location = execution["QueryExecution"]["ResultConfiguration"]["OutputLocation"]
    assert location.startswith("s3://results-bucket/monitoring/athena/")


@dataclass
class SleptDeadline:
    """`seconds` away, less what the engine has slept (the sleeps are recorded, not waited) and
    `call_seconds` per call a later query still makes."""

    seconds: float
    call_seconds: float = 0.0
    slept: list[float] = field(default_factory=list)

    def seconds_left(self, calls_after: int = 0) -> float:
        return self.seconds - sum(self.slept) - calls_after * self.call_seconds


def _stubbed_engine(deadline_seconds: float = 3_600, call_seconds: float = 0.0, **kwargs):
    client = boto3.client("athena", region_name="us-east-1")
    stubber = Stubber(client)
    deadline = SleptDeadline(deadline_seconds, call_seconds)
    engine = AthenaEngine(
        client, workgroup="primary", sleep=deadline.slept.append, deadline=deadline, **kwargs
    )
    return engine, stubber, deadline.slept


def _execution(state, reason=None, scanned=0, millis=0):
    status = {"State": state}
    if reason:
        status["StateChangeReason"] = reason
    return {
        "QueryExecution": {
            "QueryExecutionId": "q-1",
            "Status": status,
            "Statistics": {"DataScannedInBytes": scanned, "EngineExecutionTimeInMillis": millis},
        }
    }


def _page(rows, token=None, with_header=False):
    page = {
        "ResultSet": {
            "Rows": ([HEADER] if with_header else []) + rows,
            "ResultSetMetadata": {"ColumnInfo": _column_info()},
        }
    }
    if token:
        page["NextToken"] = token
    return page


def test_polls_with_capped_backoff_pages_results_and_reports_statistics():
    engine, stubber, slept = _stubbed_engine(backoff=Backoff(initial=1, cap=2))
    stubber.add_response(
        "start_query_execution",
        {"QueryExecutionId": "q-1"},
        {"QueryString": "SELECT 1", "WorkGroup": "primary"},
    )
    for state in ("QUEUED", "RUNNING", "RUNNING", "RUNNING"):
        stubber.add_response("get_query_execution", _execution(state), {"QueryExecutionId": "q-1"})
    stubber.add_response(
        "get_query_execution",
        _execution("SUCCEEDED", scanned=123_456, millis=789),
        {"QueryExecutionId": "q-1"},
    )
    stubber.add_response(
        "get_query_results",
        _page([_row("1", None, "a")], token="t2", with_header=True),
        {"QueryExecutionId": "q-1"},
    )
    stubber.add_response(
        "get_query_results",
        _page([_row("2", None, "b")]),
        {"QueryExecutionId": "q-1", "NextToken": "t2"},
    )
    with stubber:
        result = engine.run("ingestion", "SELECT 1")
    stubber.assert_no_pending_responses()
    assert slept == [1, 2, 2, 2]
    assert [row["users"] for row in result.rows] == [1, 2]  # header skipped on page 1 only
    assert (result.stats.bytes_scanned, result.stats.engine_ms) == (123_456, 789)
    assert result.stats.query_id == "q-1"


@pytest.mark.parametrize("state", ["FAILED", "CANCELLED"])
def test_failed_or_cancelled_query_raises_with_state_and_reason(state):
    engine, stubber, _ = _stubbed_engine()
    stubber.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
    stubber.add_response(
        "get_query_execution",
        _execution(state, reason="TABLE_NOT_FOUND: Table salesforce_raw.sf_user does not exist"),
    )
    with stubber, pytest.raises(QueryEngineError) as raised:
        engine.run("ingestion", "SELECT 1")
    assert state in str(raised.value)
    assert "TABLE_NOT_FOUND" in str(raised.value)
    assert "ingestion" in str(raised.value)


def test_query_still_running_at_the_deadline_is_stopped_and_raises():
    """2.5 s to the deadline: two 1 s waits fit, a third would end past it, so the query is
    stopped after the third poll instead."""
    engine, stubber, slept = _stubbed_engine(2.5, backoff=Backoff(initial=1, cap=1))
    stubber.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
    for _ in range(3):
        stubber.add_response("get_query_execution", _execution("RUNNING"))
    stubber.add_response("stop_query_execution", {}, {"QueryExecutionId": "q-1"})
    with stubber, pytest.raises(QueryEngineError, match=r"q-1.*still RUNNING"):
        engine.run("scd_integrity", "SELECT 1")
    stubber.assert_no_pending_responses()
    assert slept == [1, 1]


def test_a_query_another_follows_leaves_that_ones_calls_their_time():
    """5.5 s to the deadline, 1 s per call: the later query's three calls take 3 s of it, so
    this one waits as if 2.5 s were left (two 1 s waits), then stops."""
    engine, stubber, slept = _stubbed_engine(5.5, call_seconds=1, backoff=Backoff(1, 1))
    stubber.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
    for _ in range(3):
        stubber.add_response("get_query_execution", _execution("RUNNING"))
    stubber.add_response("stop_query_execution", {}, {"QueryExecutionId": "q-1"})
    with stubber, pytest.raises(QueryEngineError, match=r"q-1.*still RUNNING"):
        engine.run("ingestion_columns", "SELECT 1", queries_after=1)
    stubber.assert_no_pending_responses()
    assert slept == [1, 1]


def test_a_deadline_already_passed_stops_the_query_after_one_poll():
    engine, stubber, slept = _stubbed_engine(-1)
    stubber.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
    stubber.add_response("get_query_execution", _execution("QUEUED"))
    stubber.add_response("stop_query_execution", {}, {"QueryExecutionId": "q-1"})
    with stubber, pytest.raises(QueryEngineError, match="still QUEUED"):
        engine.run("ingestion", "SELECT 1")
    stubber.assert_no_pending_responses()
    assert slept == []


def _fails_at(operation: str, stubber: Stubber) -> None:
    """Queue answers up to `operation`, which botocore then fails as AWS would."""
    calls = ["start_query_execution", "get_query_execution", "get_query_results"]
    answers = {
        "start_query_execution": {"QueryExecutionId": "q-1"},
        "get_query_execution": _execution("SUCCEEDED"),
    }
    for call in calls[: calls.index(operation)]:
        stubber.add_response(call, answers[call])
    stubber.add_client_error(operation, "ThrottlingException", "Rate exceeded", 400)


@pytest.mark.parametrize(
    ("operation", "named"),
    [
        ("start_query_execution", "StartQueryExecution"),
        ("get_query_execution", "GetQueryExecution"),
        ("get_query_results", "GetQueryResults"),
    ],
)
def test_a_failed_athena_call_raises_the_declared_error_naming_the_call(operation, named):
    engine, stubber, _ = _stubbed_engine()
    _fails_at(operation, stubber)
    with stubber, pytest.raises(QueryEngineError) as raised:
        engine.run("ingestion", "SELECT 1")
    assert f"Athena {named} for query ingestion failed" in str(raised.value)
    assert isinstance(raised.value.__cause__, ClientError)
    assert "ThrottlingException" in str(raised.value)


def test_a_failed_stop_at_the_deadline_keeps_the_deadline_error_and_is_logged(caplog):
    engine, stubber, _ = _stubbed_engine(-1)
    stubber.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
    stubber.add_response("get_query_execution", _execution("RUNNING"))
    stubber.add_client_error("stop_query_execution", "InternalServerException", "down", 500)
    with stubber, pytest.raises(QueryEngineError, match="still RUNNING") as raised:
        engine.run("ingestion", "SELECT 1")
    stubber.assert_no_pending_responses()
    assert "stopping it failed" in str(raised.value)
    (record,) = [r for r in caplog.records if "StopQueryExecution failed" in r.getMessage()]
    assert record.exc_info and isinstance(record.exc_info[1], ClientError)


def test_backoff_delays_double_up_to_the_cap():
    assert list(islice(Backoff(initial=0.25, cap=1).delays(), 5)) == [0.25, 0.5, 1, 1, 1]


@pytest.mark.parametrize(
    ("value", "athena_type", "expected"),
    [
        ("42", "bigint", 42),
        ("1.5", "double", 1.5),
        ("12.30", "decimal(10,2)", Decimal("12.30")),
        ("true", "boolean", True),
        ("2026-11-26", "date", date(2026, 11, 26)),
        ("2026-11-26 01:00:00.123456", "timestamp(6)", datetime(2026, 11, 26, 1, 0, 0, 123456)),
        (
            "2026-11-26 01:00:00.000 UTC",
            "timestamp with time zone",
            datetime(2026, 11, 26, 1, tzinfo=UTC),
        ),
        (
            "2026-11-26 02:00:00.000 Europe/Paris",
            "timestamp(3) with time zone",
            datetime(2026, 11, 26, 2, tzinfo=ZoneInfo("Europe/Paris")),
        ),
        (
            "2026-11-26 02:00:00.000 +01:00",
            "timestamp with time zone",
            datetime(2026, 11, 26, 1, tzinfo=UTC),
        ),
        ("u1", "varchar", "u1"),
        (None, "bigint", None),
    ],
)
def test_cells_convert_by_column_type(value, athena_type, expected):
    assert convert(value, athena_type) == expected
