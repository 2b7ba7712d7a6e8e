"""A local AWS for the monitoring loop: moto's server on 127.0.0.1, alert topics, an inbox.

`running_emulator()` starts `ThreadedMotoServer` on a free port and, for its duration, points
boto3 at it (`AWS_ENDPOINT_URL`, fake credentials, region) so the handlers' own clients reach it
unchanged. `create_alert_inbox()` creates the critical and warning topics with one SQS queue
subscribed to both, from which alerts are read back; `metric_names()` / `metric_sum()` read the
custom metrics back from CloudWatch.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from unittest import mock

import boto3
from moto.moto_api._internal.models import moto_api_backend
from moto.server import ThreadedMotoServer

from handlers import aws_clients, clock
from handlers.contract import NAMESPACE, AlertRoute, EnvVar, MetricDef, resource_prefix
from ops.queue_inbox import receive, subscribe_queue

HOST: Final = "127.0.0.1"
REGION: Final = "us-east-1"
FAKE_CREDENTIALS: Final = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
ROUTE_ENV_VARS: Final = {
    AlertRoute.CRITICAL: EnvVar.CRITICAL_TOPIC_ARN,
    AlertRoute.WARNING: EnvVar.WARNING_TOPIC_ARN,
}
METRIC_PERIOD_SECONDS: Final = 60


@dataclass(frozen=True)
class Alert:
    """One SNS notification as it arrived in the inbox."""

    route: AlertRoute
    subject: str | None
    message: Any  # the parsed JSON body, or the raw string if it is not JSON
    attributes: Mapping[str, str]


@dataclass(frozen=True)
class Emulator:
    """Clients for a moto server at `endpoint_url`, or for in-process `mock_aws` when None."""

    endpoint_url: str | None
    region: str = REGION

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=self.region, endpoint_url=self.endpoint_url)

    def metric_names(self, namespace: str = NAMESPACE) -> set[str]:
        paginator = self.client("cloudwatch").get_paginator("list_metrics")
        return {
            metric["MetricName"]
            for page in paginator.paginate(Namespace=namespace)
            for metric in page["Metrics"]
        }

    def metric_sum(
        self,
        metric: MetricDef,
        dimensions: Mapping[str, str],
        since: timedelta = timedelta(hours=1),
    ) -> float | None:
        """Sum of `metric` with exactly `dimensions` over the last `since`; None if no data."""
        end = clock.now() + timedelta(minutes=1)
        series = self.metric_series(
            NAMESPACE, metric.name, dimensions, stat="Sum", start=end - since, end=end
        )
        return float(sum(value for _, value in series)) if series else None

    def metric_series(
        self,
        namespace: str,
        metric_name: str,
        dimensions: Mapping[str, str],
        *,
        stat: str,
        start: datetime,
        end: datetime,
        period_seconds: int = METRIC_PERIOD_SECONDS,
    ) -> list[tuple[datetime, float]]:
        """(period start, `stat`) of every period in [start, end) that has data, oldest first."""
        response = self.client("cloudwatch").get_metric_data(
            MetricDataQueries=[
                {
                    "Id": "m",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": namespace,
                            "MetricName": metric_name,
                            "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
                        },
                        "Period": period_seconds,
                        "Stat": stat,
                    },
                }
            ],
            StartTime=start,
            EndTime=end,
            ScanBy="TimestampAscending",
        )
        result = response["MetricDataResults"][0]
        return sorted(
            (timestamp, float(value))
            for timestamp, value in zip(result["Timestamps"], result["Values"], strict=True)
        )


@dataclass(frozen=True)
class AlertInbox:
    topic_arns: Mapping[AlertRoute, str]
    queue_url: str
    emulator: Emulator

    def handler_environment(self) -> dict[str, str]:
        """The topic environment variables the error handler reads."""
        return {ROUTE_ENV_VARS[route]: arn for route, arn in self.topic_arns.items()}

    def drain(self) -> list[Alert]:
        """Every alert delivered so far, oldest first by arrival; removes them from the queue."""
        sqs = self.emulator.client("sqs")
        routes = {arn: route for route, arn in self.topic_arns.items()}
        alerts: list[Alert] = []
        while deliveries := receive(sqs, self.queue_url):
            alerts += [
                Alert(routes[d.topic_arn], d.subject, d.message, dict(d.attributes))
                for d in deliveries
            ]
        return alerts


def create_alert_inbox(emulator: Emulator, environment: str = "local") -> AlertInbox:
    """The critical and warning alert topics, both delivering to one inbox queue."""
    sns, sqs = emulator.client("sns"), emulator.client("sqs")
    prefix = resource_prefix(environment)
    topic_arns = {
        route: sns.create_topic(Name=f"{prefix}-alerts-{route}")["TopicArn"] for route in AlertRoute
    }
    queue_url = sqs.create_queue(QueueName=f"{prefix}-alert-inbox")["QueueUrl"]
    subscribe_queue(sns, sqs, queue_url, [*topic_arns.values()])
    return AlertInbox(topic_arns, queue_url, emulator)


@contextlib.contextmanager
def running_emulator(region: str = REGION) -> Iterator[Emulator]:
    """moto's server on a free local port, with boto3 pointed at it until exit."""
    moto_api_backend.reset()
    request_log = logging.getLogger("werkzeug")  # one line per request: noise in a demo
    request_log_level = request_log.level
    request_log.setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address=HOST, port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint_url = f"http://{host}:{port}"
    environment = {
        **FAKE_CREDENTIALS,
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_DEFAULT_REGION": region,
        # moto's Step Functions interpreter calls other services on localhost:$MOTO_PORT.
        "MOTO_PORT": str(port),
    }
    try:
        with mock.patch.dict(os.environ, environment):
            os.environ.pop("AWS_PROFILE", None)
            aws_clients.reset()
            yield Emulator(endpoint_url, region)
    finally:
        aws_clients.reset()
        server.stop()
        moto_api_backend.reset()
        request_log.setLevel(request_log_level)
