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


def put_metric_alarm_params(alarm: RegisteredResource) -> dict[str, Any]:
    i = alarm.inputs
    return {
        "AlarmName": i["name"],
        "AlarmDescription": i["alarmDescription"],
        "ActionsEnabled": i["actionsEnabled"],
        "OKActions": i["okActions"],
        "AlarmActions": i["alarmActions"],
        "MetricName": i["metricName"],
        "Namespace": i["namespace"],
        "Statistic": i["statistic"],
        "Dimensions": [{"Name": k, "Value": v} for k, v in i["dimensions"].items()],
        "Period": int(i["period"]),
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
