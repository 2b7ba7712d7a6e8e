"""Only the canary's exact event is a self-test, for every handler (`handlers.self_test`)."""

import json

import pytest

from components.canary import canary_input
from handlers import error_handler, metrics_publisher, self_test
from handlers.contract import EnvVar, Metric
from tests.handlers import events

NOT_THE_CANARY = [
    {"self_test": 1},
    {"self_test": "true"},
    {"self_test": True, "x": None},
    {"self_test": True, **events.glue_catch()},
    [{"self_test": True}],
    None,
]


def test_the_canary_input_is_the_self_test_and_nothing_else_is():
    assert self_test.requested(json.loads(canary_input()))
    for event in NOT_THE_CANARY:
        assert not self_test.requested(event), event


@pytest.mark.usefixtures("topics")
def test_a_run_carrying_the_self_test_key_publishes_the_run_not_a_heartbeat(lambda_context):
    event = {**events.full_publisher_event(), "self_test": True}
    result = metrics_publisher.handler(event, lambda_context)
    assert Metric.RECORDS_PROCESSED.name in result["metrics"]
    assert Metric.MONITORING_HEARTBEAT.name not in result["metrics"]


@pytest.mark.parametrize("marker", [True, 1, "true"])
def test_a_real_failure_carrying_the_self_test_key_alerts_its_route(
    topics, monkeypatch, lambda_context, marker
):
    monkeypatch.setenv(EnvVar.SELF_TEST_ALERTS, "publish")
    monkeypatch.setenv(EnvVar.SELF_TEST_TOPIC_ARN, topics.arn["self-test"])
    result = error_handler.handler({**events.glue_catch(), "self_test": marker}, lambda_context)
    assert len(topics.received("critical")) == 1
    assert topics.received("self-test") == []
    assert result["error_type"] == "glue_job_failure"
