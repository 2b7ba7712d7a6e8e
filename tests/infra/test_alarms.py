"""Alarms as registered by the real program, checked against the contract and stack config."""

import re

from components import arns
from components.alarm_specs import AlarmKey, alarm_specs, runbook_slug
from components.settings import Settings
from handlers import contract
from handlers.contract import AlertRoute, HandlerKey, Metric
from tests.infra.conftest import alarm_routes
from tests.infra.pulumi_harness import PROJECT_ROOT, StackRun

METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm"


def _expected(settings: Settings) -> dict[AlarmKey, dict]:
    """Independent statement of each alarm: metric, statistic, threshold, operator, missing."""
    env = settings.environment
    sfn = {"StateMachineArn": settings.state_machine_arn}
    return {
        AlarmKey.STEP_FUNCTIONS_FAILURE: dict(
            namespace="AWS/States", metricName="ExecutionsFailed", dimensions=sfn,
            statistic="Sum", threshold=1, comparisonOperator="GreaterThanOrEqualToThreshold",
            period=300, treatMissingData="notBreaching",
        ),
        AlarmKey.STEP_FUNCTIONS_DURATION: dict(
            namespace="AWS/States", metricName="ExecutionTime", dimensions=sfn,
            statistic="Maximum", threshold=settings.pipeline_timeout_ms,
            comparisonOperator="GreaterThanThreshold", treatMissingData="notBreaching",
        ),
        AlarmKey.GLUE_JOB_FAILURE: dict(
            namespace="Glue", metricName="glue.driver.aggregate.numFailedTasks",
            dimensions={"JobName": settings.glue_job_name, "JobRunId": "ALL", "Type": "count"},
            statistic="Sum", threshold=1, comparisonOperator="GreaterThanOrEqualToThreshold",
            treatMissingData="notBreaching",
        ),
        AlarmKey.DATA_QUALITY: dict(
            namespace=contract.NAMESPACE, metricName=Metric.DATA_QUALITY_SCORE.name,
            dimensions=Metric.DATA_QUALITY_SCORE.dimensions(env),
            threshold=settings.data_quality_threshold, comparisonOperator="LessThanThreshold",
            treatMissingData="ignore",
        ),
        AlarmKey.SCD_INTEGRITY: dict(
            namespace=contract.NAMESPACE, metricName=Metric.SCD_INTEGRITY_SCORE.name,
            dimensions=Metric.SCD_INTEGRITY_SCORE.dimensions(env),
            threshold=settings.scd_integrity_threshold, comparisonOperator="LessThanThreshold",
            treatMissingData="ignore",
        ),
        AlarmKey.RECORD_VOLUME_ANOMALY: dict(
            namespace=contract.NAMESPACE, metricName=Metric.RECORDS_PROCESSED.name,
            dimensions=Metric.RECORDS_PROCESSED.dimensions(env),
            threshold=settings.min_record_count, comparisonOperator="LessThanThreshold",
            treatMissingData="breaching", period=86_400,
        ),
        AlarmKey.DBT_RUNNER_ERROR: dict(
            namespace="AWS/Lambda", metricName="Errors",
            dimensions={"FunctionName": settings.dbt_runner_function_name},
            statistic="Sum", threshold=1, comparisonOperator="GreaterThanOrEqualToThreshold",
            treatMissingData="notBreaching",
        ),
        AlarmKey.VALIDATOR_ERROR: dict(
            namespace="AWS/Lambda", metricName="Errors",
            dimensions={"FunctionName": contract.function_name(env, HandlerKey.PIPELINE_VALIDATOR)},
            statistic="Sum", threshold=1, comparisonOperator="GreaterThanOrEqualToThreshold",
            treatMissingData="notBreaching",
        ),
    }  # fmt: skip


def _topic_arn(run: StackRun, route: str) -> str:
    return run.outputs[f"{route}TopicArn"]


def _by_key(run: StackRun, settings: Settings) -> dict[AlarmKey, dict]:
    alarms = {a.inputs["name"]: a.inputs for a in run.of_type(METRIC_ALARM)}
    return {key: alarms[arns.alarm_name(settings, key)] for key in _expected(settings)}


def test_failure_quality_and_volume_alarms_watch_the_right_metric(stack_run, stack_settings):
    alarms = _by_key(stack_run, stack_settings)
    assert len(alarms) == 8
    assert len(stack_run.of_type(METRIC_ALARM)) == len(alarm_specs(stack_settings))
    for key, expected in _expected(stack_settings).items():
        actual = alarms[key]
        for field, value in expected.items():
            assert actual[field] == value, (key, field)
        assert "unit" not in actual, key  # unit-independent: matches any published unit
        assert actual["evaluationPeriods"] >= actual["datapointsToAlarm"] >= 1


def test_custom_metric_alarms_match_a_published_dimension_set(stack_run, stack_settings):
    for inputs in _by_key(stack_run, stack_settings).values():
        if inputs["namespace"] != contract.NAMESPACE:
            continue
        metric = contract.METRICS_BY_NAME[inputs["metricName"]]
        assert frozenset(inputs["dimensions"]) in {
            frozenset(d.value for d in dimension_set) for dimension_set in metric.dimension_sets
        }


def test_alarm_actions_go_to_the_routed_topic(stack_run):
    routes = alarm_routes(stack_run)
    assert set(routes) == {alarm.inputs["name"] for alarm in stack_run.of_type(METRIC_ALARM)}
    for alarm in stack_run.of_type(METRIC_ALARM):
        inputs = alarm.inputs
        route = routes[inputs["name"]]
        topic = _topic_arn(stack_run, route.value)
        assert inputs["alarmActions"] == [topic], inputs["name"]
        # Recovery notifications only where someone was paged.
        expected_ok = [topic] if route is AlertRoute.CRITICAL else []
        assert inputs["okActions"] == expected_ok, inputs["name"]
        assert inputs["actionsEnabled"] is True


def test_descriptions_link_an_existing_runbook_within_the_limit(stack_run, stack_settings):
    alarms = [*stack_run.of_type(METRIC_ALARM), *stack_run.of_type(COMPOSITE_ALARM)]
    for alarm in alarms:
        name = alarm.inputs.get("name") or alarm.inputs["alarmName"]
        key = AlarmKey(name.removeprefix(stack_settings.prefix + "-"))
        slug = runbook_slug(key)
        description = alarm.inputs["alarmDescription"]
        assert len(description) < 1024
        assert f"{stack_settings.runbook_base_url}/{slug}.md" in description
        assert (PROJECT_ROOT / "docs" / "runbooks" / f"{slug}.md").is_file()
        if alarm.type == METRIC_ALARM:
            assert "Missing data:" in description  # the treat_missing_data choice is explained


def test_composite_rolls_up_every_alarm_on_the_warning_route(stack_run, stack_settings):
    (composite,) = stack_run.of_type(COMPOSITE_ALARM)
    inputs = composite.inputs
    assert inputs["alarmName"] == arns.alarm_name(stack_settings, AlarmKey.PIPELINE_HEALTH)
    metric_alarm_names = sorted(a.inputs["name"] for a in stack_run.of_type(METRIC_ALARM))
    clauses = inputs["alarmRule"].split(" OR ")
    children = sorted(re.fullmatch(r'ALARM\("([^"]+)"\)', c).group(1) for c in clauses)
    assert children == metric_alarm_names
    # Critical children page on their own; the rollup must not escalate warning-level ones.
    assert inputs["alarmActions"] == [_topic_arn(stack_run, "warning")]
    assert not inputs.get("okActions")
    assert {a.name for a in stack_run.of_type(METRIC_ALARM)} <= composite.dependencies


def test_alarm_names_are_exported(stack_run):
    registered = [a.inputs["name"] for a in stack_run.of_type(METRIC_ALARM)]
    registered += [a.inputs["alarmName"] for a in stack_run.of_type(COMPOSITE_ALARM)]
    assert sorted(stack_run.outputs["alarmNames"]) == sorted(registered)
