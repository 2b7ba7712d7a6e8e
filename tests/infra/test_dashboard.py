"""The dashboard body as registered: segments by concern, contract metrics, threshold lines."""

import re

from components import arns
from handlers import contract
from handlers.contract import HandlerKey, Metric


def _body(stack_run):
    (dashboard,) = stack_run.of_type("aws:cloudwatch/dashboard:Dashboard")
    return dashboard.inputs["dashboardName"], dashboard.json_input("dashboardBody")


def _metric_keys(widget):
    """(namespace, name, dimensions) of each metric line, parsed from the flat JSON array."""
    keys = []
    for line in widget["properties"]["metrics"]:
        namespace, name, *rest = line
        pairs = [item for item in rest if not isinstance(item, dict)]
        keys.append((namespace, name, dict(zip(pairs[::2], pairs[1::2], strict=True))))
    return keys


def test_five_segments_of_eleven_widgets_on_a_non_overlapping_grid(stack_run, stack_settings):
    name, body = _body(stack_run)
    assert name == arns.dashboard_name(stack_settings)
    widgets = body["widgets"]
    assert [w["type"] for w in widgets].count("metric") == 10
    assert [w["type"] for w in widgets].count("log") == 1
    headers = [w for w in widgets if w["type"] == "text"]
    assert [h["properties"]["markdown"].split(":")[0] for h in headers] == [
        "### Failures", "### Data quality", "### Absence", "### Cost", "### Self-health"
    ]  # fmt: skip
    assert all(h["x"] == 0 and h["width"] == 24 for h in headers)  # each starts a row
    cells = set()
    for w in widgets:
        assert w["x"] + w["width"] <= 24
        if w["type"] != "text":
            assert w["properties"]["region"] == stack_settings.region
        for dx in range(w["width"]):
            for dy in range(w["height"]):
                assert (w["x"] + dx, w["y"] + dy) not in cells
                cells.add((w["x"] + dx, w["y"] + dy))


def test_step_functions_and_glue_widgets(stack_run, stack_settings):
    _, body = _body(stack_run)
    lines = [key for w in body["widgets"] if w["type"] == "metric" for key in _metric_keys(w)]
    sfn = {"StateMachineArn": stack_settings.state_machine_arn}
    for metric in ("ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsStarted", "ExecutionTime"):
        assert ("AWS/States", metric, sfn) in lines
    glue = {"JobName": stack_settings.glue_job_name, "JobRunId": "ALL", "Type": "count"}
    for metric in ("numCompletedTasks", "numFailedTasks"):
        assert ("Glue", f"glue.driver.aggregate.{metric}", glue) in lines


def test_custom_metrics_come_from_the_contract(stack_run, stack_settings):
    _, body = _body(stack_run)
    lines = [key for w in body["widgets"] if w["type"] == "metric" for key in _metric_keys(w)]
    env = stack_settings.environment
    expected = [
        Metric.RECORDS_PROCESSED, Metric.RECORDS_CREATED, Metric.RECORDS_UPDATED,
        Metric.RECORDS_DELETED, Metric.DATA_QUALITY_SCORE, Metric.SCD_INTEGRITY_SCORE,
    ]  # fmt: skip
    for metric in expected:
        assert (contract.NAMESPACE, metric.name, metric.dimensions(env)) in lines
    custom = [line for line in lines if line[0] == contract.NAMESPACE]
    assert all(name in contract.METRICS_BY_NAME for _, name, _ in custom)


def test_score_widget_annotates_both_thresholds(stack_run, stack_settings):
    _, body = _body(stack_run)
    (scores,) = [
        w for w in body["widgets"]
        if w["type"] == "metric"
        and Metric.SCD_INTEGRITY_SCORE.name in {k[1] for k in _metric_keys(w)}
    ]  # fmt: skip
    values = {a["value"] for a in scores["properties"]["annotations"]["horizontal"]}
    assert values == {stack_settings.data_quality_threshold, stack_settings.scd_integrity_threshold}


def test_recent_errors_searches_pipeline_and_handler_log_groups(stack_run, stack_settings):
    _, body = _body(stack_run)
    (logs,) = [w for w in body["widgets"] if w["type"] == "log"]
    query = logs["properties"]["query"]
    sources = re.findall(r"SOURCE '([^']+)'", query)
    env = stack_settings.environment
    expected = {contract.state_machine_log_group(env), stack_settings.glue_log_group}
    expected |= {f"/aws/lambda/{contract.function_name(env, h)}" for h in HandlerKey}
    assert set(sources) == expected
    assert query.index("| fields") > query.rindex("SOURCE")


def test_dashboard_url_is_exported(stack_run, stack_settings):
    region, name = stack_settings.region, arns.dashboard_name(stack_settings)
    assert stack_run.outputs["dashboardUrl"] == (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#dashboards/dashboard/{name}"
    )
