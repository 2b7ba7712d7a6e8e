"""Alert topics: encrypted, deliverable from this stack's CloudWatch alarms end to end, and
admitting no publisher the stack does not have."""

import fnmatch

import pytest

from components.config_loading import SettingsError
from handlers.contract import AlertRoute
from tests.infra.configurations import CONFIGURATIONS, configured_run
from tests.infra.override_run import WARNING_WEBHOOK, override_run
from tests.infra.pulumi_harness import StackRunError, is_secret, run_stack, unsecret

KMS_NEEDED = {"kms:Decrypt", "kms:GenerateDataKey*"}
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
ALARM_TYPES = (
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:cloudwatch/compositeAlarm:CompositeAlarm",
)


def _as_list(value):
    return [value] if isinstance(value, str) else value


def _allows(document, service, action, resource=None):
    return [
        s for s in document["Statement"]
        if s["Effect"] == "Allow"
        and s.get("Principal") == {"Service": service}
        and (action in _as_list(s["Action"]) or set(_as_list(s["Action"])) >= set(action))
        and (resource is None or s["Resource"] == resource)
    ]  # fmt: skip


def _service_principals(document):
    return {
        s["Principal"]["Service"]
        for s in document["Statement"]
        if s["Effect"] == "Allow" and "Service" in s.get("Principal", {})
    }


def _assert_scoped_to_this_stacks_alarms(statement, settings, alarm_names):
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": settings.account_id}
    pattern = statement["Condition"]["ArnLike"]["aws:SourceArn"]
    alarm_arn = f"arn:aws:cloudwatch:{settings.region}:{settings.account_id}"
    for name in alarm_names:
        assert fnmatch.fnmatchcase(f"{alarm_arn}:alarm:{name}", pattern)
    assert not fnmatch.fnmatchcase(f"{alarm_arn}:alarm:someone-elses-alarm", pattern)


def test_key_rotates_and_only_this_stacks_alarms_may_use_it(stack_run, stack_settings):
    (key,) = stack_run.of_type("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    policy = key.json_input("policy")
    (root,) = [s for s in policy["Statement"] if "AWS" in s.get("Principal", {})]
    assert root["Principal"]["AWS"] == f"arn:aws:iam::{stack_settings.account_id}:root"
    (cloudwatch,) = _allows(policy, "cloudwatch.amazonaws.com", KMS_NEEDED)
    assert set(cloudwatch["Action"]) == KMS_NEEDED
    _assert_scoped_to_this_stacks_alarms(
        cloudwatch, stack_settings, stack_run.outputs["alarmNames"]
    )
    # No EventBridge rule publishes to a topic, so EventBridge gets no use of the key.
    assert _service_principals(policy) == {"cloudwatch.amazonaws.com"}


def test_each_route_has_an_encrypted_topic_with_a_delivery_policy(stack_run, stack_settings):
    (key,) = stack_run.of_type("aws:kms/key:Key")
    topics = {
        t.inputs["name"]: t
        for t in stack_run.of_type("aws:sns/topic:Topic")
        if "-alerts-" in t.inputs["name"]
    }  # the canary's self-test topic is tested there
    policies = {p.inputs["arn"]: p.json_input("policy") for p in
                stack_run.of_type("aws:sns/topicPolicy:TopicPolicy")}  # fmt: skip
    assert len(topics) == len(AlertRoute)
    for route in AlertRoute:
        arn = stack_run.outputs[f"{route.value}TopicArn"]
        topic = topics[arn.rsplit(":", 1)[1]]
        assert topic.inputs["kmsMasterKeyId"] == key.state["arn"]
        policy = policies[arn]
        (cloudwatch,) = _allows(policy, "cloudwatch.amazonaws.com", "sns:Publish", arn)
        _assert_scoped_to_this_stacks_alarms(
            cloudwatch, stack_settings, stack_run.outputs["alarmNames"]
        )
        assert _service_principals(policy) == {"cloudwatch.amazonaws.com"}


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_every_service_a_topic_or_key_admits_publishes_there(configuration):
    """A grant nothing uses is removed: CloudWatch is admitted because alarms notify the
    topics; no EventBridge rule targets a topic (its targets are the handlers), so no policy
    admits EventBridge."""
    run = configured_run(configuration)
    topic_arns = {run.outputs[f"{route.value}TopicArn"] for route in AlertRoute}
    targets = {t.inputs["arn"] for t in run.of_type(EVENT_TARGET)}
    assert targets and not any(":sns:" in target for target in targets)
    notified = {
        action
        for kind in ALARM_TYPES
        for alarm in run.of_type(kind)
        for action in [*alarm.inputs.get("alarmActions", []), *alarm.inputs.get("okActions", [])]
    }
    assert notified == topic_arns
    documents = [k.json_input("policy") for k in run.of_type("aws:kms/key:Key")]
    documents += [p.json_input("policy") for p in run.of_type("aws:sns/topicPolicy:TopicPolicy")]
    for document in documents:
        assert _service_principals(document) <= {"cloudwatch.amazonaws.com"}


def test_subscriptions_exist_only_when_configured_and_are_secret(stack_run, stack_settings):
    subscriptions = stack_run.of_type("aws:sns/topicSubscription:TopicSubscription")
    expected = set()
    for route in AlertRoute:
        arn = stack_run.outputs[f"{route.value}TopicArn"]
        expected |= {
            (arn, "email", e.get_secret_value()) for e in stack_settings.alert_emails(route)
        }
        expected |= {
            (arn, "https", w.get_secret_value()) for w in stack_settings.alert_webhooks(route)
        }
    actual = {(s.inputs["topic"], s.inputs["protocol"], unsecret(s.inputs["endpoint"]))
              for s in subscriptions}  # fmt: skip
    assert actual == expected
    assert all(is_secret(s.inputs["endpoint"]) for s in subscriptions)


def test_subscription_added_when_a_stack_configures_one():
    run = override_run()  # one warning webhook
    (subscription,) = run.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert subscription.inputs["protocol"] == "https"
    assert unsecret(subscription.inputs["endpoint"]) == WARNING_WEBHOOK
    assert subscription.inputs["topic"] == run.outputs["warningTopicArn"]
    # The JSON envelope stays: it carries SNS's signature and the subscription confirmation.
    assert subscription.inputs["rawMessageDelivery"] is False


def test_components_use_the_project_type_tokens_and_parent_their_children(stack_run):
    components = {r.type for r in stack_run.resources if not r.custom}
    assert components == {
        f"sfuser:monitoring:{n}"
        for n in (
            "AlertTopics", "PipelineAlarms", "PipelineDashboard", "MonitoringLambdas",
            "IdempotencyTable", "EventCapture", "ValidatorWorkgroup", "ResultsLifecycle", "Canary",
        )
    }  # fmt: skip
    for resource in stack_run.resources:
        if resource.custom:
            assert resource.parent_type in components, resource.name


def test_bad_config_fails_before_any_resource_is_registered():
    with pytest.raises(StackRunError) as failure:
        run_stack("prod", {"sf-user-monitoring:dataQualityThreshold": "-5"})
    assert failure.value.resources == []
    assert isinstance(failure.value.__cause__, SettingsError)
    assert "sf-user-monitoring:dataQualityThreshold: must be between 0 and 100, got -5" in str(
        failure.value.__cause__
    )


def test_the_delivery_check_alarm_is_under_the_scoped_grant_but_not_a_real_alarm(
    stack_run, stack_settings
):
    name = stack_run.outputs["deliveryCheckAlarmName"]
    assert name not in stack_run.outputs["alarmNames"]  # verify-delivery deletes it after
    (key,) = stack_run.of_type("aws:kms/key:Key")
    (cloudwatch,) = _allows(key.json_input("policy"), "cloudwatch.amazonaws.com", KMS_NEEDED)
    _assert_scoped_to_this_stacks_alarms(cloudwatch, stack_settings, [name])
