"""The validator's cost guards: the ingestion query's extraction window, Athena result reuse,
per-query cost in the output, and the validator's report agreeing with the model its readers
parse."""

from datetime import UTC, datetime, time, timedelta

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber
from botocore.validate import validate_parameters
from moto import mock_aws

from handlers import aws_clients, pipeline_validator
from handlers.contract import DEFAULT_INGESTION_LOOKBACK_DAYS, NAMESPACE, EnvVar, ValidationType
from handlers.settings import ConfigurationError
from handlers.validation import schema, sql
from handlers.validation.engines.athena import AthenaEngine
from handlers.validation.runner import validate
from handlers.validation.settings import ValidatorSettings
from handlers.validator_output import ValidatorOutput
from tests.handlers.validation.validator_env import validator_settings

from .conftest import (
    LATEST_AT,
    NOW,
    complete_schema,
    queue_athena_result,
    queue_columns_result,
)
from .test_pipeline_validator_handler import EXECUTION, JOB_RUN, FakeContext

ATHENA_MODEL = botocore.session.get_session().get_service_model("athena")
EMPTY_PAGE = {"ResultSet": {"Rows": [], "ResultSetMetadata": {"ColumnInfo": []}}}
INGESTION_COLUMNS = [
    ("total_rows", "bigint"),
    ("latest_extracted_at", "timestamp"),
    ("required_fields_present", "bigint"),
    ("unique_user_id", "bigint"),
    ("passing_rows", "bigint"),
    ("previous_rows", "bigint"),
    ("previous_extracted_at", "timestamp"),
    ("current_users", "bigint"),
    ("missing_current_users", "bigint"),
]


def _midnight_days_before(moment: datetime, days: int) -> datetime:
    return datetime.combine(moment.date() - timedelta(days=days), time(), tzinfo=UTC)


def test_window_starts_at_midnight_utc_lookback_days_before_today():
    two_days_back = _midnight_days_before(NOW, 2)
    assert sql.extraction_window_start(NOW, 2) == two_days_back
    later_same_day = NOW.replace(hour=23, minute=59)
    assert sql.extraction_window_start(later_same_day, 2) == two_days_back


def _ingestion_query(settings: ValidatorSettings, now: datetime, tag: str | None = None) -> str:
    complete = complete_schema(settings)
    return sql.ingestion_query(settings, now, complete, read_dimension=True, tag=tag)


@pytest.mark.parametrize(
    ("environ", "lookback", "history"),
    [({}, 2, 7), ({EnvVar.INGESTION_LOOKBACK_DAYS: "5", EnvVar.VOLUME_HISTORY_DAYS: "9"}, 5, 9)],
)
def test_ingestion_query_filters_both_raw_reads_on_the_history_window(environ, lookback, history):
    text = _ingestion_query(validator_settings(environ), NOW)
    history_start = _midnight_days_before(NOW, history)
    window = f"\"_extracted_at\" >= TIMESTAMP '{history_start:%Y-%m-%d} 00:00:00'"
    # The extraction times that find the latest and previous extracts, and the rows read.
    assert text.count(window) == 2
    # Only the newest extraction time in the lookback window is the latest extract.
    latest = f"extracted_at >= TIMESTAMP '{_midnight_days_before(NOW, lookback):%Y-%m-%d} 00:00"
    assert text.count(latest) == 1


def test_the_same_day_and_run_give_the_same_query_text_so_athena_can_reuse_it():
    settings = validator_settings()
    later = NOW.replace(hour=23, minute=59)
    assert _ingestion_query(settings, NOW) == _ingestion_query(settings, later)
    tag = sql.run_tag("jr_1")
    assert _ingestion_query(settings, NOW, tag) == _ingestion_query(settings, later, tag)
    assert _ingestion_query(settings, NOW, tag) != _ingestion_query(
        settings, NOW, sql.run_tag("jr_2")
    )
    assert schema.columns_query(settings, tag) != schema.columns_query(
        settings, sql.run_tag("jr_2")
    )
    assert sql.scd_query(settings, tag) != sql.scd_query(settings, sql.run_tag("jr_2"))


def test_extracts_older_than_the_window_are_not_read(seed_warehouse):
    seed_warehouse.execute(
        "UPDATE salesforce_raw.sf_user SET _extracted_at = _extracted_at - INTERVAL 10 DAY"
    )
    report = validate(
        ValidationType.INGESTION, seed_warehouse.settings(), seed_warehouse.engine(), NOW
    )
    (count,) = [check for check in report.checks if check.name == "min_record_count"]
    assert (count.passed, count.observed) == (False, 0)
    # Still reported: at least the lookback (tests/handlers/validation/test_freshness_reported.py).
    assert report.data_freshness_hours >= DEFAULT_INGESTION_LOOKBACK_DAYS * 24


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({EnvVar.INGESTION_LOOKBACK_DAYS: "1", EnvVar.FRESHNESS_HOURS: "30"}, "LOOKBACK"),
        ({EnvVar.ATHENA_RESULT_REUSE_MINUTES: "10081"}, "ATHENA_RESULT_REUSE_MINUTES"),
        ({EnvVar.ATHENA_RESULT_REUSE_MINUTES: "-1"}, "ATHENA_RESULT_REUSE_MINUTES"),
        ({EnvVar.INGESTION_LOOKBACK_DAYS: "two"}, "INGESTION_LOOKBACK_DAYS"),
        ({EnvVar.VOLUME_HISTORY_DAYS: "1"}, "VOLUME_HISTORY_DAYS"),
        ({EnvVar.VOLUME_HISTORY_DAYS: "0"}, "VOLUME_HISTORY_DAYS"),
        ({EnvVar.MAX_VOLUME_DROP_PERCENT: "101"}, "MAX_VOLUME_DROP_PERCENT"),
        ({EnvVar.MAX_DELETION_PERCENT: "-1"}, "MAX_DELETION_PERCENT"),
    ],
)
def test_bad_cost_settings_are_rejected_by_name(environ, named):
    with pytest.raises(ConfigurationError, match=named):
        validator_settings(environ)


def _stubbed(reuse_minutes: int) -> tuple[AthenaEngine, Stubber]:
    client = boto3.client("athena", region_name="us-east-1")
    engine = AthenaEngine(client, workgroup="wg", result_reuse_minutes=reuse_minutes)
    return engine, Stubber(client)


def _succeeded(reused: bool) -> dict:
    statistics = {
        "DataScannedInBytes": 0 if reused else 4_096,
        "EngineExecutionTimeInMillis": 120,
        "ResultReuseInformation": {"ReusedPreviousResult": reused},
    }
    return {"QueryExecution": {"Status": {"State": "SUCCEEDED"}, "Statistics": statistics}}


@pytest.mark.parametrize("reused", [True, False])
def test_reuse_is_requested_and_reported(reused):
    engine, stubber = _stubbed(reuse_minutes=60)
    expected_request = {
        "QueryString": "SELECT 1",
        "WorkGroup": "wg",
        "ResultReuseConfiguration": {
            "ResultReuseByAgeConfiguration": {"Enabled": True, "MaxAgeInMinutes": 60}
        },
    }
    stubber.add_response("start_query_execution", {"QueryExecutionId": "q"}, expected_request)
    stubber.add_response("get_query_execution", _succeeded(reused))
    stubber.add_response("get_query_results", EMPTY_PAGE)
    with stubber:
        stats = engine.run("ingestion", "SELECT 1").stats
    stubber.assert_no_pending_responses()
    assert stats.result_reused is reused
    assert stats.bytes_scanned == (0 if reused else 4_096)
    validate_parameters(
        expected_request, ATHENA_MODEL.operation_model("StartQueryExecution").input_shape
    )


def test_reuse_off_sends_no_reuse_configuration():
    engine, stubber = _stubbed(reuse_minutes=0)
    stubber.add_response(
        "start_query_execution", {"QueryExecutionId": "q"}, {"QueryString": "x", "WorkGroup": "wg"}
    )
    stubber.add_response("get_query_execution", _succeeded(False))
    stubber.add_response("get_query_results", EMPTY_PAGE)
    with stubber:
        engine.run("ingestion", "x")
    stubber.assert_no_pending_responses()


@mock_aws
def test_athena_ingestion_via_the_handler_sends_the_window_and_reuse(monkeypatch):
    monkeypatch.setenv(EnvVar.QUERY_ENGINE, "athena")
    monkeypatch.setenv(EnvVar.ENVIRONMENT, "dev")
    monkeypatch.setenv(EnvVar.ATHENA_RESULT_REUSE_MINUTES, "30")
    athena = aws_clients.client("athena")
    sent: list[dict] = []
    original = athena.start_query_execution

    def record(**request: object) -> dict:
        sent.append(request)
        return original(**request)

    monkeypatch.setattr(athena, "start_query_execution", record)
    queue_columns_result(validator_settings())
    previous = LATEST_AT - timedelta(days=1)
    aggregate = ("500", f"{LATEST_AT}", "0", "0", "500", "490", f"{previous}", "480", "2")
    queue_athena_result(INGESTION_COLUMNS, [aggregate])

    output = pipeline_validator.handler(
        {"validation_type": "ingestion", "execution": EXECUTION, "glue_job": JOB_RUN},
        FakeContext(),
    )

    columns_request, request = sent
    assert "information_schema.columns" in columns_request["QueryString"]
    cutoff = sql.extraction_window_start(NOW, 7)
    assert f'"_extracted_at" >= {sql.timestamp_literal(cutoff)}' in request["QueryString"]
    for each in sent:
        assert sql.run_tag(JOB_RUN["Id"]) in each["QueryString"]
        assert each["ResultReuseConfiguration"]["ResultReuseByAgeConfiguration"] == {
            "Enabled": True,
            "MaxAgeInMinutes": 30,
        }
    assert [query["name"] for query in output["queries"]] == ["ingestion_columns", "ingestion"]
    assert {"bytes_scanned", "engine_ms", "result_reused"} <= set(output["queries"][1])
    assert output["passed"] is True
    assert output["extract_volume_change"] == round(100 * 10 / 490, 2)
    assert output["predicted_deletion_share"] == round(100 * 2 / 480, 2)


@pytest.mark.parametrize("validation_type", list(ValidationType))
def test_the_validator_report_parses_as_the_model_its_readers_use(warehouse, validation_type):
    report = validate(validation_type, warehouse.settings(), warehouse.engine(), NOW)
    parsed = ValidatorOutput.model_validate(report.as_dict())
    assert parsed.validation_type is validation_type
    assert [check.name for check in parsed.checks] == [check.name for check in report.checks]
    assert parsed.passed is report.passed


@mock_aws
def test_self_test_runs_a_trivial_query_and_publishes_nothing(monkeypatch, seed_warehouse):
    monkeypatch.setenv(EnvVar.ENVIRONMENT, "dev")
    monkeypatch.setenv(EnvVar.QUERY_ENGINE, "duckdb")
    monkeypatch.setenv(EnvVar.DUCKDB_PATH, str(seed_warehouse.path))
    output = pipeline_validator.handler({"self_test": True}, FakeContext())
    assert output["self_test"] is True and output["passed"] is True
    assert output["engine"] == "duckdb"
    assert output["queries"][0]["name"] == "self_test"
    assert aws_clients.client("cloudwatch").list_metrics(Namespace=NAMESPACE)["Metrics"] == []


def test_self_test_query_is_unique_per_run_so_it_is_never_a_reused_result():
    assert pipeline_validator.self_test_query(NOW) != pipeline_validator.self_test_query(
        NOW + timedelta(seconds=1)
    )


@mock_aws
def test_self_test_raises_when_the_engine_fails(monkeypatch, tmp_path):
    monkeypatch.setenv(EnvVar.ENVIRONMENT, "dev")
    monkeypatch.setenv(EnvVar.QUERY_ENGINE, "duckdb")
    monkeypatch.setenv(EnvVar.DUCKDB_PATH, str(tmp_path / "missing.duckdb"))
    with pytest.raises(Exception, match="does not exist"):
        pipeline_validator.handler({"self_test": True}, FakeContext())
