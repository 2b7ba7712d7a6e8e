"""`make verify-delivery` in moto, with the topics, policies and keys the mocked program registers
or tells a topic owner to add, and CloudWatch's alarm actions simulated (cloudwatch_actions)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.kms.models import kms_backends

from components.existing_topic_policy import STATEMENT, TOPIC_ARN, ExistingTopicStatementProvider
from ops.queue_inbox import Delivery
from ops.verify_delivery import DeliveryCheck, main, notified_topic, topic_problems, verify
from tests.delivery.cloudwatch_actions import cloudwatch_runs_alarm_actions
from tests.infra.configurations import DEV_ACCOUNT, PAGING_TOPIC, configured_run
from tests.infra.pulumi_harness import StackRun

REGION = "us-east-1"
FAST = {"attempts": 1, "wait_seconds": 0}  # moto delivers synchronously: no need to wait
OWNER_STATEMENT = {
    "Sid": "OwnerAdministers",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{DEV_ACCOUNT}:root"},
    "Action": "sns:*",
    "Resource": PAGING_TOPIC,
}


@pytest.fixture
def aws(monkeypatch) -> Iterator[dict[str, Any]]:
    monkeypatch.setenv("MOTO_ACCOUNT_ID", DEV_ACCOUNT)
    with mock_aws():
        yield {s: boto3.client(s, region_name=REGION) for s in ("sns", "sqs", "kms", "cloudwatch")}


def _key(aws: dict[str, Any], policy: dict[str, Any]) -> str:
    return aws["kms"].create_key(Policy=json.dumps(policy))["KeyMetadata"]["Arn"]


def _topic(aws: dict[str, Any], name: str, policy: dict[str, Any], key: str = "") -> str:
    attributes = {"Policy": json.dumps(policy), **({"KmsMasterKeyId": key} if key else {})}
    return aws["sns"].create_topic(Name=name, Attributes=attributes)["TopicArn"]


def created_topics(aws: dict[str, Any], run: StackRun) -> dict[str, Any]:
    """The stack's own key and topics with the policies the program gives them; the outputs
    with the key's moto ARN."""
    (key,) = run.of_type("aws:kms/key:Key")
    key_arn = _key(aws, key.json_input("policy"))
    policies = {p.inputs["arn"]: p.json_input("policy") for p in
                run.of_type("aws:sns/topicPolicy:TopicPolicy")}  # fmt: skip
    for topic in run.of_type("aws:sns/topic:Topic"):
        _topic(aws, topic.inputs["name"], policies[topic.state["arn"]], key_arn)
    return {**run.outputs, "alertKmsKeyArns": [key_arn]}


def _check(outputs: dict[str, Any]) -> DeliveryCheck:
    return DeliveryCheck.from_outputs(outputs)


def _assert_cleaned_up(aws: dict[str, Any]) -> None:
    assert aws["cloudwatch"].describe_alarms()["MetricAlarms"] == []
    assert aws["sqs"].list_queues().get("QueueUrls", []) == []
    assert aws["sns"].list_subscriptions()["Subscriptions"] == []


def test_the_stacks_own_topics_deliver_its_alarms(aws):
    outputs = created_topics(aws, configured_run("dev"))
    with cloudwatch_runs_alarm_actions():
        report = verify(_check(outputs), **FAST)
    assert report.ok, report
    assert report.delivered == {outputs["criticalTopicArn"], outputs["warningTopicArn"]}
    _assert_cleaned_up(aws)


def test_an_alarm_left_in_alarm_by_another_check_neither_hides_delivery_nor_is_deleted(aws):
    """SetAlarmState notifies only on a change, and a check running beside this one, or one
    killed before its clean-up, leaves its alarm in ALARM: each run uses an alarm of its own."""
    outputs = created_topics(aws, configured_run("dev"))
    other = outputs["deliveryCheckAlarmName"]
    aws["cloudwatch"].put_metric_alarm(
        AlarmName=other, Namespace="x", MetricName="x", Statistic="Maximum", Period=60,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
    )  # fmt: skip
    aws["cloudwatch"].set_alarm_state(AlarmName=other, StateValue="ALARM", StateReason="other")
    with cloudwatch_runs_alarm_actions():
        report = verify(_check(outputs), **FAST)
    assert report.ok, report
    [left] = aws["cloudwatch"].describe_alarms()["MetricAlarms"]
    assert (left["AlarmName"], left["StateValue"]) == (other, "ALARM")


def test_an_alarm_outside_the_stacks_prefix_is_refused_by_the_scoped_grant(aws):
    """Why the check's alarm is named under the stack's prefix."""
    outputs = created_topics(aws, configured_run("dev"))
    outputs["deliveryCheckAlarmName"] = "another-stack-DeliveryCheck"
    with cloudwatch_runs_alarm_actions():
        report = verify(_check(outputs), **FAST)
    assert not report.ok and report.missing == set(_check(outputs).topic_arns)
    _assert_cleaned_up(aws)


def test_an_existing_topic_delivers_once_the_stack_adds_its_statement(aws):
    run = configured_run("dev-one-shared-topic")
    _topic(aws, "org-paging", {"Version": "2012-10-17", "Statement": [OWNER_STATEMENT]})
    with cloudwatch_runs_alarm_actions():
        before = verify(_check(run.outputs), **FAST)
        (statement,) = run.of_type("pulumi-python:dynamic/sfuser:ExistingTopicStatement")
        ExistingTopicStatementProvider().create(
            {TOPIC_ARN: statement.inputs[TOPIC_ARN], STATEMENT: statement.inputs[STATEMENT]}
        )
        after = verify(_check(run.outputs), **FAST)
    assert before.missing == {PAGING_TOPIC} and not before.ok
    assert after.ok and after.delivered == {PAGING_TOPIC}
    _assert_cleaned_up(aws)


def _encrypted_paging_topic(aws: dict[str, Any], run: StackRun, key_policy: dict) -> str:
    """The organisation's topic, encrypted, its policy holding what the stack asked for."""
    grants = run.outputs["existingTopicGrants"][PAGING_TOPIC]
    key_arn = _key(aws, key_policy)
    policy = {"Version": "2012-10-17",
              "Statement": [OWNER_STATEMENT, grants["topicPolicyStatement"]]}  # fmt: skip
    _topic(aws, "org-paging", policy, key_arn)
    return key_arn


def test_an_encrypted_existing_topic_delivers_with_the_grants_its_owner_was_given(aws):
    run = configured_run("dev-existing-critical-topic")
    outputs = created_topics(aws, run)
    grants = run.outputs["existingTopicGrants"][PAGING_TOPIC]
    root = {"Sid": "Root", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
            "Principal": {"AWS": f"arn:aws:iam::{DEV_ACCOUNT}:root"}}  # fmt: skip
    key_policy = {"Version": "2012-10-17",
                  "Statement": [root, *grants["keyPolicyStatementsIfEncrypted"]]}  # fmt: skip
    paging_key = _encrypted_paging_topic(aws, run, key_policy)
    outputs["alertKmsKeyArns"] = [*outputs["alertKmsKeyArns"], paging_key]
    with cloudwatch_runs_alarm_actions():
        report = verify(_check(outputs), **FAST)
    assert report.ok, report
    assert report.delivered == {PAGING_TOPIC, outputs["warningTopicArn"]}


def test_a_key_without_the_owners_statements_drops_the_alarms_and_is_reported(aws):
    run = configured_run("dev-existing-critical-topic")
    outputs = created_topics(aws, run)
    root = {"Sid": "Root", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
            "Principal": {"AWS": f"arn:aws:iam::{DEV_ACCOUNT}:root"}}  # fmt: skip
    _encrypted_paging_topic(aws, run, {"Version": "2012-10-17", "Statement": [root]})
    with cloudwatch_runs_alarm_actions():
        report = verify(_check(outputs), **FAST)
    assert report.missing == {PAGING_TOPIC}
    assert any("which the error handler is not granted" in p for p in report.problems)
    _assert_cleaned_up(aws)


def test_the_aws_managed_sns_key_is_reported_and_drops_the_alarms(aws):
    run = configured_run("dev-existing-critical-topic")
    outputs = created_topics(aws, run)
    statement = run.outputs["existingTopicGrants"][PAGING_TOPIC]["topicPolicyStatement"]
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    # AWS creates and manages this key; moto has no such key, and its API refuses `alias/aws/`.
    kms = kms_backends[DEV_ACCOUNT][REGION]
    managed = aws["kms"].create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(managed, "alias/aws/sns")
    kms.keys[managed].key_manager = "AWS"
    _topic(aws, "org-paging", policy, "alias/aws/sns")
    with cloudwatch_runs_alarm_actions():
        report = verify(_check(outputs), **FAST)
    assert report.missing == {PAGING_TOPIC}
    (problem,) = report.problems
    assert problem.startswith(f"{PAGING_TOPIC}: encrypted with the AWS-managed key alias/aws/sns")


def test_moto_runs_no_alarm_action_itself(aws):
    """The reason for cloudwatch_actions: without it nothing arrives. If moto starts notifying,
    this fails and the simulation can go."""
    outputs = created_topics(aws, configured_run("dev"))
    report = verify(_check(outputs), **FAST)
    assert report.delivered == set()
    _assert_cleaned_up(aws)


def test_the_command_reads_the_outputs_and_exits_by_the_result(aws, tmp_path, capsys):
    outputs = created_topics(aws, configured_run("dev"))
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    arguments = ["--outputs", str(path), "--attempts", "1", "--wait-seconds", "0"]
    with cloudwatch_runs_alarm_actions():
        assert main(arguments) == 0
    printed = capsys.readouterr().out
    assert f"DELIVERED  {outputs['criticalTopicArn']}" in printed
    assert main(arguments) == 1  # moto alone: nothing arrives
    assert f"MISSING    {outputs['criticalTopicArn']}" in capsys.readouterr().out


# ---- pure parts ------------------------------------------------------------------------------


def test_outputs_without_the_check_are_refused():
    with pytest.raises(ValueError, match="lack deliveryCheckAlarmName"):
        DeliveryCheck.from_outputs({"criticalTopicArn": "a", "warningTopicArn": "b"})


def test_both_routes_on_one_topic_are_checked_once():
    check = DeliveryCheck.from_outputs(
        {
            "criticalTopicArn": PAGING_TOPIC,
            "warningTopicArn": PAGING_TOPIC,
            "deliveryCheckAlarmName": "x-DeliveryCheck",
        }
    )
    assert check.topic_arns == (PAGING_TOPIC,)


def test_only_this_checks_alarm_notification_counts():
    def body(message: Any) -> Delivery:
        return Delivery(PAGING_TOPIC, None, message, {})

    alarm = {"AlarmName": "x-DeliveryCheck", "NewStateValue": "ALARM"}
    assert notified_topic(body(alarm), "x-DeliveryCheck") == PAGING_TOPIC
    assert notified_topic(body(alarm), "y-DeliveryCheck") is None
    ok = {"AlarmName": "x-DeliveryCheck", "NewStateValue": "OK"}
    assert notified_topic(body(ok), "x-DeliveryCheck") is None
    assert notified_topic(body("a real alert, as text"), "x-DeliveryCheck") is None


def test_a_fifo_topic_is_a_problem():
    (problem,) = topic_problems(PAGING_TOPIC, {"FifoTopic": "true"}, None, frozenset())
    assert "FIFO" in problem


def test_a_failure_half_way_still_cleans_up(aws):
    outputs = created_topics(aws, configured_run("dev"))
    warning = outputs["warningTopicArn"]
    aws["sns"].delete_topic(TopicArn=warning)  # subscribing to it fails after the critical one
    with pytest.raises(aws["sns"].exceptions.NotFoundException):
        verify(_check(outputs), **FAST)
    _assert_cleaned_up(aws)
