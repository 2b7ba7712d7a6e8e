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


def _metric_data_query(query: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {"Id": query["id"], "ReturnData": query.get("returnData", False)}
    if "expression" in query:
        params["Expression"] = query["expression"]
        params["Label"] = query.get("label", "")
        return params
    metric = query["metric"]
    params["MetricStat"] = {
        "Metric": {
            "Namespace": metric["namespace"],
            "MetricName": metric["metricName"],
            "Dimensions": [{"Name": k, "Value": v} for k, v in metric["dimensions"].items()],
        },
        "Period": int(metric["period"]),
        "Stat": metric["stat"],
    }
    return params


def _watched(i: dict[str, Any]) -> dict[str, Any]:
    """One metric (MetricName, ...) or a metric-math alarm (Metrics)."""
    if "metricQueries" in i:
        return {"Metrics": [_metric_data_query(query) for query in i["metricQueries"]]}
    return {
        "MetricName": i["metricName"],
        "Namespace": i["namespace"],
        "Statistic": i["statistic"],
        "Dimensions": [{"Name": k, "Value": v} for k, v in i["dimensions"].items()],
        "Period": int(i["period"]),
    }


def alarm_period(params: dict[str, Any]) -> int:
    if "Period" in params:
        return int(params["Period"])
    (period,) = {q["MetricStat"]["Period"] for q in params["Metrics"] if "MetricStat" in q}
    return int(period)


def put_metric_alarm_params(alarm: RegisteredResource) -> dict[str, Any]:
    i = alarm.inputs
    return {
        "AlarmName": i["name"],
        "AlarmDescription": i["alarmDescription"],
        "ActionsEnabled": i["actionsEnabled"],
        "OKActions": i["okActions"],
        "AlarmActions": i["alarmActions"],
        **_watched(i),
        "EvaluationPeriods": int(i["evaluationPeriods"]),
        "DatapointsToAlarm": int(i["datapointsToAlarm"]),
        "Threshold": float(i["threshold"]),
        "ComparisonOperator": i["comparisonOperator"],
        "TreatMissingData": i["treatMissingData"],
    }


def put_composite_alarm_params(alarm: RegisteredResource) -> dict[str, Any]:
    i = alarm.inputs
    return {
        "AlarmName": i["alarmName"],
        "AlarmDescription": i["alarmDescription"],
        "AlarmRule": i["alarmRule"],
        "ActionsEnabled": i["actionsEnabled"],
        "AlarmActions": i["alarmActions"],
        "OKActions": i["okActions"],
    }


def put_dashboard_params(dashboard: RegisteredResource) -> dict[str, Any]:
    body = dashboard.inputs["dashboardBody"]
    json.loads(body)
    return {"DashboardName": dashboard.inputs["dashboardName"], "DashboardBody": body}


def enum_values(shape_name: str) -> set[str]:
    return set(_model().shape_for(shape_name).enum)
