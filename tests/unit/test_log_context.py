from handlers.alerting import bounds
from handlers.log_context import execution_id

ARN = "arn:aws:states:us-east-1:123456789012:execution:sf-user-pipeline:run-1"


def test_the_execution_arn_is_the_correlation_id():
    assert execution_id({"execution": {"Id": ARN}, "other": 1}) == ARN
    assert execution_id({"detail-type": "x", "detail": {"executionArn": ARN}}) == ARN


def test_a_long_id_is_bounded_and_anything_else_is_none():
    long_id = execution_id({"execution": {"Id": "x" * 200_000}})
    assert long_id is not None
    assert len(long_id.encode()) <= bounds.IDENTIFIER_MAX_BYTES
    for event in ({"execution": {"Id": [[[]]]}}, {"execution": "x"}, [], None, {"self_test": 1}):
        assert execution_id(event) is None
