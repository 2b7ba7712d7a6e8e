"""Pure spec functions: alarms, dashboard, policies (no Pulumi runtime)."""

import pytest

from components import alarm_specs as specs
from components import arns
from components.alarm_model import MetricMath, any_in_alarm
from components.alarm_specs import AlarmKey
from components.alert_topics import key_policy, topic_policy
from components.dashboard_body import dashboard_body, dashboard_segments, widget_specs
from components.handler_table import lambda_policy
from components.iam_policies import AlertTargets
from components.maintenance import maintenance_mode_spec
from handlers.contract import AlertRoute, HandlerKey, Metric
from tests.unit.settings_fixtures import make_settings

TARGETS = AlertTargets(
    {AlertRoute.CRITICAL: "arn:aws:sns:us-east-1:111122223333:c",
     AlertRoute.WARNING: "arn:aws:sns:us-east-1:111122223333:w"},
    "arn:aws:kms:us-east-1:111122223333:key/k",
)  # fmt: skip


# Alarm keys that are not metric alarm specs of `alarm_specs`: PipelineHealth is the composite
# over them, and MaintenanceMode is the suppressor `maintenance` creates only on request
# (`maintenanceSuppressorAlarm: create`); it must never be a child of PipelineHealth, or
# maintenance starting would page as pipeline ill health.
NOT_METRIC_ALARM_SPECS = {AlarmKey.PIPELINE_HEALTH, AlarmKey.MAINTENANCE_MODE}


def test_one_spec_per_metric_alarm_key_and_the_composite_covers_them():
    settings = make_settings()
    alarms = specs.alarm_specs(settings)
    assert [a.key for a in alarms] == [k for k in AlarmKey if k not in NOT_METRIC_ALARM_SPECS]
    composite = specs.pipeline_health_spec(settings, alarms)
    assert composite.rule.count("ALARM(") == len(alarms)
    assert composite.children == tuple(a.name for a in alarms)
    # The two other keys are accounted for: the composite itself, and the created suppressor.
    assert composite.name == arns.alarm_name(settings, AlarmKey.PIPELINE_HEALTH)
    suppressor = maintenance_mode_spec(make_settings(maintenanceSuppressorAlarm="create"))
    assert suppressor is not None and suppressor.key is AlarmKey.MAINTENANCE_MODE


def test_thresholds_follow_settings():
    by_key = {a.key: a for a in specs.alarm_specs(make_settings(dataQualityThreshold="90"))}
    assert by_key[AlarmKey.DATA_QUALITY].threshold == 90


def test_composite_rule_needs_children():
    with pytest.raises(ValueError, match="at least one child"):
        any_in_alarm(())


def test_overlong_description_is_rejected():
    settings = make_settings(runbookBaseUrl="https://example.com/" + "r" * 1000)
    with pytest.raises(ValueError, match="limit is 1024"):
        _ = specs.alarm_specs(settings)[0].description


def test_dashboard_segments_by_concern_keep_their_metric_lists_for_other_renderers():
    settings = make_settings()
    segments = dashboard_segments(settings)
    concerns = [segment.title.split(":")[0] for segment in segments]
    assert concerns == ["Failures", "Data quality", "Absence", "Cost", "Self-health"]
    widgets = widget_specs(settings)
    assert widgets == [widget for segment in segments for widget in segment.widgets]
    assert sum(w.kind == "log" for w in widgets) == 1
    assert all(w.metrics for w in widgets if w.kind == "metric")
    body = dashboard_body(settings)["widgets"]
    assert [w["type"] for w in body].count("text") == len(segments)  # one header each
    assert len(body) == len(widgets) + len(segments)


def _annotations(settings) -> dict[str, float]:
    return {a.label: a.value for w in widget_specs(settings) for a in w.annotations}


def test_threshold_lines_are_the_thresholds_of_the_alarms_they_show():
    settings = make_settings(dataQualityThreshold="90", pipelineTimeoutMs="7200000")
    alarms = {a.key: a for a in specs.alarm_specs(settings)}
    assert _annotations(settings) == {
        "Timeout threshold": alarms[AlarmKey.STEP_FUNCTIONS_DURATION].threshold,
        "Data quality threshold": alarms[AlarmKey.DATA_QUALITY].threshold,
        "SCD integrity threshold": alarms[AlarmKey.SCD_INTEGRITY].threshold,
        "Largest allowed drop": alarms[AlarmKey.EXTRACT_VOLUME_DROP].threshold,
        "Largest allowed share": alarms[AlarmKey.MASS_DELETION].threshold,
        "Pages below": alarms[AlarmKey.MONITORING_HEARTBEAT].threshold,
        "Pages at (sum of these)": alarms[AlarmKey.MONITORING_HANDLER_ERRORS].threshold,
    }
    assert _annotations(settings)["Data quality threshold"] == 90
    assert _annotations(settings)["Timeout threshold"] == 7_200_000
    # No alarm, no line: without the canary nothing fires on a missing heartbeat.
    assert "Pages below" not in _annotations(make_settings(canaryEnabled="false"))


def test_the_handler_errors_widget_shows_every_metric_its_alarm_sums():
    settings = make_settings()
    alarm = {a.key: a for a in specs.alarm_specs(settings)}[AlarmKey.MONITORING_HANDLER_ERRORS]
    (widget,) = [w for w in widget_specs(settings) if w.title.startswith("Monitoring: handler err")]
    assert isinstance(alarm.watches, MetricMath)
    assert widget.metrics == tuple(alarm.watches.metrics.values())
    assert Metric.ALERT_FALLBACKS.name in {metric.metric_name for metric in widget.metrics}


def test_the_heartbeat_widget_shows_what_its_alarm_watches_and_the_beats_without_it():
    settings = make_settings()
    alarm = {a.key: a for a in specs.alarm_specs(settings)}[AlarmKey.MONITORING_HEARTBEAT]
    (widget,) = [w for w in widget_specs(settings) if "heartbeat" in w.title]
    assert widget.metrics == (alarm.watches,)
    assert widget.period_seconds == 2 * settings.canary_interval_seconds
    assert [a.value for a in widget.annotations] == [alarm.threshold]
    quiet = make_settings(canaryEnabled="false")
    (widget,) = [w for w in widget_specs(quiet) if "heartbeat" in w.title]
    assert (widget.period_seconds, widget.annotations) == (quiet.canary_interval_seconds, ())


def test_a_widget_shows_metrics_of_one_period():
    (heartbeat,) = [w for w in widget_specs(make_settings()) if "heartbeat" in w.title]
    with pytest.raises(ValueError, match="share one period"):
        type(heartbeat)("mixed", (*heartbeat.metrics, heartbeat.metrics[0].over(60)))


def test_lake_formation_grant_only_when_governed():
    def actions(settings):
        policy = lambda_policy(settings, HandlerKey.PIPELINE_VALIDATOR, TARGETS)
        return {a for s in policy["Statement"] for a in s["Action"]}

    assert "lakeformation:GetDataAccess" not in actions(make_settings())
    assert "lakeformation:GetDataAccess" in actions(make_settings(lakeFormationGoverned="true"))


def test_validator_reads_each_table_and_database():
    settings = make_settings(scdTable="curated.dim_sf_user_scd")
    policy = lambda_policy(settings, HandlerKey.PIPELINE_VALIDATOR, TARGETS)
    (glue,) = [s for s in policy["Statement"] if "glue:GetTable" in s["Action"]]
    assert "arn:aws:glue:us-east-1:111122223333:table/curated/dim_sf_user_scd" in glue["Resource"]
    assert "arn:aws:glue:us-east-1:111122223333:database/salesforce_raw" in glue["Resource"]
    assert "arn:aws:glue:us-east-1:111122223333:catalog" in glue["Resource"]


def test_data_listing_is_limited_to_configured_prefixes():
    policy = lambda_policy(make_settings(), HandlerKey.PIPELINE_VALIDATOR, TARGETS)
    listings = [s for s in policy["Statement"] if s["Action"] == ["s3:ListBucket"]]
    prefixes = {s["Resource"]: s.get("Condition") for s in listings}
    assert prefixes["arn:aws:s3:::lake-111122223333"] == {
        "StringLike": {"s3:prefix": ["raw/sf_user/*"]}
    }
    assert prefixes["arn:aws:s3:::curated-bkt"] == {"StringLike": {"s3:prefix": ["scd/*"]}}


def test_policies_are_scoped_to_the_account():
    settings = make_settings()
    assert "111122223333" in str(key_policy(settings))
    policy = topic_policy(settings, "arn:aws:sns:us-east-1:111122223333:c")
    denies = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert denies and denies[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
