"""Reading back, from moto's CloudWatch, what a handler published for the `dev` environment."""

from datetime import timedelta
from typing import Any

from handlers import aws_clients, clock
from handlers.contract import NAMESPACE, MetricDef


def datapoints(metric: MetricDef, *statistics: str) -> list[dict[str, Any]]:
    """Every datapoint of `metric` (Environment=dev), one a day, with `statistics`."""
    now = clock.now()
    points: list[dict[str, Any]] = aws_clients.client("cloudwatch").get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=metric.name,
        Dimensions=[{"Name": "Environment", "Value": "dev"}],
        StartTime=now - timedelta(days=3650),
        EndTime=now + timedelta(days=3650),
        Period=86_400,
        Statistics=list(statistics),
    )["Datapoints"]
    return points
