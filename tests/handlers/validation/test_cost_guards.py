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
from handlers.contract import NAMESPACE, EnvVar, ValidationType
from handlers.settings import ConfigurationError, load
from handlers.validation import sql
from handlers.validation.engines.athena import AthenaEngine
from handlers.validation.runner import validate
from handlers.validation.settings import ValidatorSettings
from handlers.validator_output import ValidatorOutput

from .conftest import LATEST_AT, NOW, queue_athena_result
from .test_pipeline_validator_handler import EXECUTION, FakeContext

ATHENA_MODEL = botocore.session.get_session().get_service_model("athena")
EMPTY_PAGE = {"ResultSet": {"Rows": [], "ResultSetMetadata": {"ColumnInfo": []}}}
INGESTION_COLUMNS = [
    ("total_rows", "bigint"),
    ("latest_extracted_at", "timestamp"),
    ("required_fields_present", "bigint"),
    ("unique_user_id", "bigint"),
    ("passing_rows", "bigint"),
]


def _midnight_days_before(moment: datetime, days: int) -> datetime:
    return datetime.combine(moment.date() - timedelta(days=days), time(), tzinfo=UTC)


def test_window_starts_at_midnight_utc_lookback_days_before_today():
    two_days_back = _midnight_days_before(NOW, 2)
    assert sql.extraction_window_start(NOW, 2) == two_days_back
    later_same_day = NOW.replace(hour=23, minute=59)
    assert sql.extraction_window_start(later_same_day, 2) == two_days_back


@pytest.mark.parametrize(("days", "lookback"), [(None, 2), ("5", 5)])
def test_ingestion_query_filters_both_reads_on_the_extraction_window(days, lookback):
    environ = {} if days is None else {EnvVar.INGESTION_LOOKBACK_DAYS: days}
    text = sql.ingestion_query(load(ValidatorSettings, environ), NOW)
    cutoff = _midnight_days_before(NOW, lookback)
    window = f"\"_extracted_at\" >= TIMESTAMP '{cutoff:%Y-%m-%d} 00:00:00'"
    assert text.count(window) == 2  # the scanned rows and the MAX that finds the latest extract


def test_the_same_day_gives_the_same_query_text_so_athena_can_reuse_it():
    settings = load(ValidatorSettings, {})
    assert sql.ingestion_query(settings, NOW) == sql.ingestion_query(
        settings, NOW.replace(hour=23, minute=59)
    )


def test_extracts_older_than_the_window_are_not_read(seed_warehouse):
    seed_warehouse.execute(
        "UPDATE salesforce_raw.sf_user SET _extracted_at = _extracted_at - INTERVAL 10 DAY"
    )
    report = validate(
        ValidationType.INGESTION, seed_warehouse.settings(), seed_warehouse.engine(), NOW
    )
    (count,) = [check for check in report.checks if check.name == "min_record_count"]
    assert (count.passed, count.observed) == (False, 0)
    assert report.data_freshness_hours is None


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({EnvVar.INGESTION_LOOKBACK_DAYS: "1", EnvVar.FRESHNESS_HOURS: "30"}, "LOOKBACK"),
        ({EnvVar.ATHENA_RESULT_REUSE_MINUTES: "10081"}, "ATHENA_RESULT_REUSE_MINUTES"),
        ({EnvVar.ATHENA_RESULT_REUSE_MINUTES: "-1"}, "ATHENA_RESULT_REUSE_MINUTES"),
        ({EnvVar.INGESTION_LOOKBACK_DAYS: "two"}, "INGESTION_LOOKBACK_DAYS"),
    ],
)
def test_bad_cost_settings_are_rejected_by_name(environ, named):
    with pytest.raises(ConfigurationError, match=named):
        load(ValidatorSettings, environ)


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
    latest = LATEST_AT
    queue_athena_result(INGESTION_COLUMNS, [("500", f"{latest}", "0", "0", "500")])

    output = pipeline_validator.handler(
        {"validation_type": "ingestion", "execution": EXECUTION}, FakeContext()
    )

    (request,) = sent
    cutoff = sql.extraction_window_start(NOW, 2)
    assert f'"_extracted_at" >= {sql.timestamp_literal(cutoff)}' in request["QueryString"]
    assert request["ResultReuseConfiguration"]["ResultReuseByAgeConfiguration"] == {
        "Enabled": True,
        "MaxAgeInMinutes": 30,
    }
    (query,) = output["queries"]
    assert {"bytes_scanned", "engine_ms", "result_reused"} <= set(query)
    assert output["passed"] is True


@pytest.mark.parametrize("validation_type", list(ValidationType))
def test_the_validator_report_parses_as_the_model_its_readers_use(warehouse, validation_type):
    report = validate(validation_type, warehouse.settings(), warehouse.engine(), NOW)
    parsed = ValidatorOutput.model_validate(report.as_dict())
    assert parsed.validation_type is validation_type
    assert [check.name for check in parsed.checks] == [check.name for check in report.checks]
    assert parsed.passed is report.passed


@mock_aws
def test_self_test_runs_a_trivial_query_and_publishes_nothing(monkeypatch, seed_warehouse):
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
    monkeypatch.setenv(EnvVar.QUERY_ENGINE, "duckdb")
    monkeypatch.setenv(EnvVar.DUCKDB_PATH, str(tmp_path / "missing.duckdb"))
    with pytest.raises(Exception, match="does not exist"):
        pipeline_validator.handler({"self_test": True}, FakeContext())
