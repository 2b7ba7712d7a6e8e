import pytest
from moto import mock_aws

from handlers import aws_clients, cloudwatch_metrics
from handlers.cloudwatch_metrics import MAX_ITEMS_PER_CALL, MAX_REQUEST_BYTES, batch, datum
from handlers.contract import NAMESPACE, Metric
from tests.frozen_time import FROZEN_NOW

WHEN = FROZEN_NOW


def _items(count: int, error_type: str = "glue_job_failure") -> list[dict]:
    return [
        datum(Metric.PIPELINE_ERRORS, i, "dev", WHEN, ErrorType=error_type, Severity="HIGH")
        for i in range(count)
    ]


def test_datum_carries_the_contract_dimensions_and_unit():
    item = datum(Metric.DATA_QUALITY_SCORE, 97.5, "prod", WHEN)
    assert item == {
        "MetricName": "DataQualityScore",
        "Dimensions": [
            {"Name": "Environment", "Value": "prod"},
            {"Name": "JobType", "Value": "Ingestion"},
        ],
        "Timestamp": WHEN,
        "Value": 97.5,
        "Unit": "Percent",
    }


def test_every_dimension_set_yields_one_item():
    items = cloudwatch_metrics.data_for_every_dimension_set(
        Metric.PIPELINE_ERRORS, 1, "dev", WHEN, ErrorType="dbt_run_failure", Severity="HIGH"
    )
    assert [len(item["Dimensions"]) for item in items] == [3, 1]


@pytest.mark.parametrize(("count", "calls"), [(0, 0), (15, 1), (1000, 1), (1001, 2), (10_000, 10)])
def test_batches_respect_the_item_limit(count, calls):
    batches = batch(_items(count))
    assert len(batches) == calls
    assert all(len(b) <= MAX_ITEMS_PER_CALL for b in batches)
    assert sum(len(b) for b in batches) == count


def test_batches_respect_the_request_size_limit():
    # Dimension values of 1 KB make 1,000 items far larger than 1 MB.
    items = _items(1000, error_type="x" * 1024)
    batches = batch(items)
    assert len(batches) > 1
    for metric_data in batches:
        wire = sum(cloudwatch_metrics._encoded_size(item) for item in metric_data)
        assert wire <= MAX_REQUEST_BYTES
    assert [i for b in batches for i in b] == items  # order and content preserved


@mock_aws
def test_publish_sends_one_call_per_batch_and_metrics_arrive():
    result = cloudwatch_metrics.publish(_items(1001))
    assert result.as_dict() == {"metrics": 1001, "calls": 2}
    listed = aws_clients.client("cloudwatch").list_metrics(Namespace=NAMESPACE)["Metrics"]
    assert {m["MetricName"] for m in listed} == {"PipelineErrors"}
