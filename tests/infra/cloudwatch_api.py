"""Map registered Pulumi alarm/dashboard inputs to CloudWatch API parameters, and validate them
against botocore's service model (the same shapes `pulumi up` ends up calling)."""

import functools
import json
from typing import Any

import botocore.session
from botocore.validate import validate_parameters

from tests.infra.pulumi_harness import RegisteredResource


@functools.cache
def _model() -> Any:
    return botocore.session.get_session().get_service_model("cloudwatch")


def validate(operation: str, params: dict[str, Any]) -> None:
    """Raise if params do not fit the operation's input shape.

    botocore's validator checks types, required members and minimum lengths; the model's
    maximum lengths (AlarmDescription 1024, AlarmName 255, ...) are checked here as well.
    """
    shape = _model().operation_model(operation).input_shape
    validate_parameters(params, shape)
    for name, value in params.items():
        maximum = shape.members[name].metadata.get("max")
        size = len(value) if isinstance(value, (str, list)) else None
        if maximum is not None and size is not None and size > maximum:
            raise ValueError(f"{operation}.{name} has length {size}, the model allows {maximum}")


def _dimensions(dimensions: dict[str, str]) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in dimensions.items()]


def _metric_data_query(query: dict[str, Any]) -> dict[str, Any]:
    """A Pulumi `metricQueries` item as PutMetricAlarm's MetricDataQuery."""
    params: dict[str, Any] = {"Id": query["id"], "ReturnData": query["returnData"]}
    if "expression" in query:
        params["Expression"] = query["expression"]
    if "label" in query:
        params["Label"] = query["label"]
    if "metric" in query:
        metric = query["metric"]
        params["MetricStat"] = {
            "Metric": {
                "Namespace": metric["namespace"],
                "MetricName": metric["metricName"],
                "Dimensions": _dimensions(metric["dimensions"]),
            },
            "Period": int(metric["period"]),
            "Stat": metric["stat"],
        }
    return params


def _watched(i: dict[str, Any]) -> dict[str, Any]:
    """What the alarm watches: metric queries (anomaly band, metric math) or one metric."""
    if "metricQueries" in i:
        return {"Metrics": [_metric_data_query(q) for q in i["metricQueries"]]}
    return {
        "MetricName": i["metricName"],
        "Namespace": i["namespace"],
        "Statistic": i["statistic"],
        "Dimensions": _dimensions(i["dimensions"]),
        "Period": int(i["period"]),
    }


def _threshold(i: dict[str, Any]) -> dict[str, Any]:
    """A static threshold, or the id of the query that is the threshold (anomaly band)."""
    if "thresholdMetricId" in i:
        return {"ThresholdMetricId": i["thresholdMetricId"]}
    return {"Threshold": float(i["threshold"])}


def put_metric_alarm_params(alarm: RegisteredResource) -> dict[str, Any]:
    i = alarm.inputs
    return {
        "AlarmName": i["name"],
        "AlarmDescription": i["alarmDescription"],
        "ActionsEnabled": i["actionsEnabled"],
        "OKActions": i["okActions"],
        "AlarmActions": i["alarmActions"],
        **_watched(i),
        **_threshold(i),
        "EvaluationPeriods": int(i["evaluationPeriods"]),
        "DatapointsToAlarm": int(i["datapointsToAlarm"]),
        "ComparisonOperator": i["comparisonOperator"],
        "TreatMissingData": i["treatMissingData"],
    }


def evaluated_stats(params: dict[str, Any]) -> list[tuple[str, int]]:
    """(statistic, period) of every metric a PutMetricAlarm request reads."""
    if "Metrics" in params:
        stats = [q["MetricStat"] for q in params["Metrics"] if "MetricStat" in q]
        return [(stat["Stat"], stat["Period"]) for stat in stats]
    return [(params["Statistic"], params["Period"])]


def put_composite_alarm_params(alarm: RegisteredResource) -> dict[str, Any]:
    i = alarm.inputs
    params = {
        "AlarmName": i["alarmName"],
        "AlarmDescription": i["alarmDescription"],
        "AlarmRule": i["alarmRule"],
        "ActionsEnabled": i["actionsEnabled"],
        "AlarmActions": i["alarmActions"],
        "OKActions": i["okActions"],
    }
    suppressor = i.get("actionsSuppressor")
    if suppressor is not None:
        params["ActionsSuppressor"] = suppressor["alarm"]
        params["ActionsSuppressorWaitPeriod"] = int(suppressor["waitPeriod"])
        params["ActionsSuppressorExtensionPeriod"] = int(suppressor["extensionPeriod"])
    return params


def put_dashboard_params(dashboard: RegisteredResource) -> dict[str, Any]:
    body = dashboard.inputs["dashboardBody"]
    json.loads(body)
    return {"DashboardName": dashboard.inputs["dashboardName"], "DashboardBody": body}


def enum_values(shape_name: str) -> set[str]:
    return set(_model().shape_for(shape_name).enum)
