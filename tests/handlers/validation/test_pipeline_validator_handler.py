"""The Lambda handler: event in, report out, metrics in moto CloudWatch with contract dimensions."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from moto import mock_aws
from pydantic import ValidationError

from handlers import aws_clients, clock, pipeline_validator
from handlers.contract import NAMESPACE, EnvVar, Metric
from handlers.validation import sql
from handlers.validation.errors import QueryEngineError
from tests.frozen_time import iso_z, naive

from .conftest import LATEST, LATEST_AT, NOW, queue_athena_result

EXECUTION = {
    "Id": "arn:aws:states:us-east-1:123456789012:execution:sf-user-pipeline-dev:run-1",
    "Name": "run-1",
    "StartTime": iso_z(NOW),
}
JOB_RUN = {"Id": "jr_1", "JobName": "sf-user-extract", "JobRunState": "SUCCEEDED", "Extra": 1}


@dataclass
class FakeContext:
    function_name: str = "sf-user-pipeline-dev-pipeline-validator"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:validator"
    aws_request_id: str = "req-1"
    remaining_ms: int = 300_000  # the validator's default timeout, at the start of the run

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def _metric_values(metric, environment="dev"):
    """Maximum of each published datapoint, read back with exactly the contract's dimensions."""
    now = clock.now()
    dimensions = [{"Name": k, "Value": v} for k, v in metric.dimensions(environment).items()]
    points = aws_clients.client("cloudwatch").get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=metric.name,
        Dimensions=dimensions,
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(hours=1),
        Period=60,
        Statistics=["Maximum"],
    )["Datapoints"]
    return [point["Maximum"] for point in points]


@pytest.fixture
def duckdb_env(monkeypatch, seed_warehouse):
    monkeypatch.setenv(EnvVar.QUERY_ENGINE, "duckdb")
    monkeypatch.setenv(EnvVar.DUCKDB_PATH, str(seed_warehouse.path))
    monkeypatch.setenv(EnvVar.ENVIRONMENT, "dev")
    monkeypatch.setenv(EnvVar.MIN_RECORD_COUNT, "5")
    monkeypatch.setenv(EnvVar.REQUIRED_FIELDS, "user_id,division")
    return seed_warehouse


@mock_aws
def test_scd_event_returns_the_report_and_publishes_the_scd_score(duckdb_env):
    output = pipeline_validator.handler(
        {"validation_type": "scd_integrity", "execution": EXECUTION}, FakeContext()
    )
    assert output["validation_type"] == "scd_integrity"
    assert output["passed"] is True
    assert (output["scd_integrity_score"], output["data_quality_score"]) == (100.0, None)
    assert {"name", "passed", "observed", "threshold", "message", "skipped"} == set(
        output["checks"][0]
    )
    assert output["queries"][0]["engine"] == "duckdb"
    assert _metric_values(Metric.SCD_INTEGRITY_SCORE) == [100.0]
    assert _metric_values(Metric.DATA_QUALITY_SCORE) == []
    assert _metric_values(Metric.ATHENA_BYTES_SCANNED) == []


@mock_aws
def test_ingestion_event_publishes_quality_and_freshness(duckdb_env):
    duckdb_env.execute(
        "UPDATE salesforce_raw.sf_user SET division = NULL WHERE user_id = 'u2'"
        f" AND _extracted_at = {LATEST}"
    )
    output = pipeline_validator.handler(
        {"validation_type": "ingestion", "execution": EXECUTION, "glue_job": JOB_RUN}, FakeContext()
    )
    assert output["passed"] is False
    assert [c["name"] for c in output["checks"] if not c["passed"]] == [
        "required_fields_present",
        "data_quality_score",
    ]
    assert output["data_quality_score"] == 80.0
    assert _metric_values(Metric.DATA_QUALITY_SCORE) == [80.0]
    [freshness] = _metric_values(Metric.DATA_FRESHNESS_HOURS)
    assert freshness == (naive(NOW) - LATEST_AT) / timedelta(hours=1)
    assert _metric_values(Metric.SCD_INTEGRITY_SCORE) == []


@mock_aws
def test_athena_engine_end_to_end_publishes_bytes_scanned(monkeypatch):
    monkeypatch.setenv(EnvVar.QUERY_ENGINE, "athena")
    monkeypatch.setenv(EnvVar.ENVIRONMENT, "staging")
    monkeypatch.setenv(EnvVar.SCD_INTEGRITY_THRESHOLD, "80")
    # The aggregate row the SCD query returns: 1 of 10 users with a continuity gap.
    row = {
        "users": 10,
        "versions": 25,
        **{rule.name: 0 for rule in sql.SCD_RULES},
        "validity_continuity": 1,
        "passing_users": 9,
        "records_processed": 12,
        "records_created": 3,
        "records_updated": 2,
        "records_deleted": 1,
    }
    queue_athena_result([(name, "bigint") for name in row], [tuple(map(str, row.values()))])
    output = pipeline_validator.handler(
        {"validation_type": "scd_integrity", "execution": EXECUTION}, FakeContext()
    )
    assert output["scd_integrity_score"] == 90.0
    assert output["passed"] is True  # 1 of 10 tolerated at 80 %
    assert output["bytes_scanned"] == 0
    assert output["records"] == {"processed": 12, "created": 3, "updated": 2, "deleted": 1}
    assert _metric_values(Metric.SCD_INTEGRITY_SCORE, "staging") == [90.0]
    assert _metric_values(Metric.ATHENA_BYTES_SCANNED, "staging") == [0.0]


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"validation_type": "schema", "execution": EXECUTION}, "validation_type"),
        ({"validation_type": "ingestion"}, "execution"),
    ],
)
def test_malformed_event_raises_naming_the_field(duckdb_env, event, field):
    with pytest.raises(ValidationError, match=field):
        pipeline_validator.handler(event, FakeContext())


@mock_aws
def test_engine_failure_raises_and_publishes_nothing(duckdb_env, monkeypatch, tmp_path):
    monkeypatch.setenv(EnvVar.DUCKDB_PATH, str(tmp_path / "missing.duckdb"))
    with pytest.raises(QueryEngineError, match="does not exist"):
        pipeline_validator.handler(
            {"validation_type": "scd_integrity", "execution": EXECUTION}, FakeContext()
        )
    assert aws_clients.client("cloudwatch").list_metrics(Namespace=NAMESPACE)["Metrics"] == []
