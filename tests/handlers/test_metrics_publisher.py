import json
from datetime import timedelta

import pytest
from moto import mock_aws
from pydantic import ValidationError

from handlers import aws_clients, metrics_publisher
from handlers.alerting import bounds
from handlers.contract import METRICS_BY_NAME, NAMESPACE, EnvVar
from handlers.events import ExecutionContext
from handlers.publishing.artifacts import ArtifactError
from handlers.settings import ConfigurationError
from tests.handlers import events
from tests.handlers.logs import invoke_logged

BUCKET = "sf-user-pipeline-dev-artifacts"
RUN_START = ExecutionContext.model_validate(events.EXECUTION).start_time


@pytest.fixture
def aws(monkeypatch, frozen_clock):
    """moto, at the moment the publisher runs: the last step, after the run's other work."""
    monkeypatch.setenv(EnvVar.ENVIRONMENT, "dev")
    frozen_clock.set(events.STOP_AT)
    with mock_aws():
        yield


@pytest.fixture
def put_calls(aws, monkeypatch):
    """Every PutMetricData call the handler makes, recorded and passed through to moto."""
    cloudwatch = aws_clients.client("cloudwatch")
    calls: list[dict] = []
    original = cloudwatch.put_metric_data

    def record(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(cloudwatch, "put_metric_data", record)
    return calls


def _value(name: str) -> float:
    metric = METRICS_BY_NAME[name]
    response = aws_clients.client("cloudwatch").get_metric_data(
        MetricDataQueries=[
            {
                "Id": "m",
                "MetricStat": {
                    "Metric": {
                        "Namespace": NAMESPACE,
                        "MetricName": name,
                        "Dimensions": [
                            {"Name": k, "Value": v} for k, v in metric.dimensions("dev").items()
                        ],
                    },
                    "Period": 60,
                    "Stat": "Sum",
                },
            }
        ],
        StartTime=RUN_START - timedelta(minutes=1),
        EndTime=RUN_START + timedelta(minutes=1),
    )
    (values,) = [result["Values"] for result in response["MetricDataResults"]]
    assert len(values) == 1, f"{name}: {values}"
    return values[0]


def test_full_run_publishes_every_metric_in_one_call(put_calls, lambda_context):
    result = metrics_publisher.handler(events.full_publisher_event(), lambda_context)

    assert len(put_calls) == 1
    assert result["published"] == {"metrics": 12, "calls": 1}
    assert set(result["metrics"]) == set(METRICS_BY_NAME) - {
        "DataFreshnessHours", "AthenaBytesScanned", "PipelineErrors", "MonitoringHeartbeat",
        "AlertFallbacks",  # the error handler's
        "MaintenanceMode",  # set by operators, never by the publisher
        # The validator publishes its circuit breakers' measures itself.
        "ExtractVolumeChange", "PredictedDeletionShare", "MissingColumns",
    }  # fmt: skip
    listed = aws_clients.client("cloudwatch").list_metrics(Namespace=NAMESPACE)["Metrics"]
    assert {m["MetricName"] for m in listed} == set(result["metrics"])
    for metric in listed:
        expected = METRICS_BY_NAME[metric["MetricName"]].dimensions("dev")
        assert {d["Name"]: d["Value"] for d in metric["Dimensions"]} == expected
    assert _value("RecordsProcessed") == 1200
    assert _value("DbtTestsPassed") == 20
    assert _value("JobSuccess") == 1
    assert _value("ExecutionDuration") == (events.STOP_AT - RUN_START).total_seconds()


def test_run_results_in_s3_are_fetched(aws, lambda_context):
    s3 = aws_clients.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(
        Bucket=BUCKET, Key="runs/run-1/run_results.json",
        Body=json.dumps(events.failing_model_results()).encode(),
    )  # fmt: skip
    event = events.publisher_event(
        dbt={"run": {"s3_uri": f"s3://{BUCKET}/runs/run-1/run_results.json"}}
    )
    result = metrics_publisher.handler(event, lambda_context)
    assert "DbtModelsFailed" in result["metrics"]
    assert _value("DbtModelsFailed") == 1
    assert _value("DbtModelsRun") == 2


def test_an_s3_object_that_is_not_run_results_names_the_part(aws, lambda_context):
    s3 = aws_clients.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="manifest.json", Body=b'{"nodes": {}}')
    event = events.publisher_event(dbt={"test": {"s3_uri": f"s3://{BUCKET}/manifest.json"}})
    with pytest.raises(ArtifactError, match=r"dbt\.test: s3://.*manifest\.json"):
        metrics_publisher.handler(event, lambda_context)


def test_a_malformed_event_raises_naming_the_field(put_calls, lambda_context):
    with pytest.raises(ValidationError, match=r"records\.processed"):
        metrics_publisher.handler(
            events.publisher_event(records={"processed": "many"}), lambda_context
        )
    assert put_calls == []


def test_missing_environment_is_a_clear_error(aws, monkeypatch, lambda_context):
    monkeypatch.delenv(EnvVar.ENVIRONMENT)
    with pytest.raises(ConfigurationError, match=EnvVar.ENVIRONMENT.value):
        metrics_publisher.handler(events.publisher_event(), lambda_context)


def test_logs_carry_the_execution_arn_as_correlation_id(put_calls, lambda_context):
    _, lines = invoke_logged(metrics_publisher, events.publisher_event(), lambda_context)
    assert lines
    assert {line["correlation_id"] for line in lines} == {events.EXECUTION_ARN}
    assert any("skipped" in line for line in lines)


def test_a_long_execution_id_is_logged_bounded(put_calls, lambda_context):
    long_id = events.EXECUTION_ARN + "x" * 200_000
    event = {**events.publisher_event(), "execution": {**events.EXECUTION, "Id": long_id}}
    _, lines = invoke_logged(metrics_publisher, event, lambda_context)
    assert lines
    assert {line["correlation_id"] for line in lines} == {bounds.text(long_id)}
    assert all(len(json.dumps(line)) < 20_000 for line in lines)
