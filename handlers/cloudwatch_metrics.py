"""Building CloudWatch metric data from the contract, and publishing it in as few calls as allowed.

PutMetricData accepts at most 1,000 metric data items and a 1 MB request per call. The batcher
packs greedily under both limits; the publisher sends one call per batch.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handlers import aws_clients
from handlers.contract import NAMESPACE, Dimension, MetricDef

MAX_ITEMS_PER_CALL = 1000
MAX_REQUEST_BYTES = 1_000_000
# Headroom for the Action/Version/Namespace envelope of the query-protocol request.
_ENVELOPE_BYTES = 1_024

MetricDatum = dict[str, Any]


def datum(
    metric: MetricDef,
    value: float,
    environment: str,
    timestamp: datetime,
    dimension_set: tuple[Dimension, ...] | None = None,
    **variable: str,
) -> MetricDatum:
    """One MetricData item with exactly the dimensions the contract declares for `metric`."""
    dimensions = metric.dimensions(environment, dimension_set, **variable)
    return {
        "MetricName": metric.name,
        "Dimensions": [{"Name": name, "Value": value} for name, value in dimensions.items()],
        "Timestamp": timestamp,
        "Value": float(value),
        "Unit": metric.unit.value,
    }


def data_for_every_dimension_set(
    metric: MetricDef, value: float, environment: str, timestamp: datetime, **variable: str
) -> list[MetricDatum]:
    """One item per dimension set the contract declares (e.g. per error type and in total)."""
    return [
        datum(metric, value, environment, timestamp, dimension_set, **variable)
        for dimension_set in metric.dimension_sets
    ]


def _encoded_size(item: MetricDatum) -> int:
    # An upper bound on the item's share of the wire request: the query protocol spells each
    # member with its full path (MetricData.member.N.Dimensions.member.M.Name=...), roughly 3x
    # the JSON size; the bound keeps a batch under the limit whatever the protocol.
    return 3 * len(json.dumps(item, default=str)) + 64


def batch(data: Sequence[MetricDatum]) -> list[list[MetricDatum]]:
    """Split `data` into the fewest consecutive batches within PutMetricData's limits."""
    batches: list[list[MetricDatum]] = []
    current: list[MetricDatum] = []
    current_bytes = _ENVELOPE_BYTES
    for item in data:
        size = _encoded_size(item)
        if current and (
            len(current) == MAX_ITEMS_PER_CALL or current_bytes + size > MAX_REQUEST_BYTES
        ):
            batches.append(current)
            current, current_bytes = [], _ENVELOPE_BYTES
        current.append(item)
        current_bytes += size
    if current:
        batches.append(current)
    return batches


@dataclass(frozen=True)
class PublishResult:
    metrics: int
    calls: int

    def as_dict(self) -> dict[str, int]:
        return {"metrics": self.metrics, "calls": self.calls}


def publish(data: Iterable[MetricDatum], namespace: str = NAMESPACE) -> PublishResult:
    """Publish every item; raises on a failed call (after botocore's retries)."""
    items = list(data)
    batches = batch(items)
    cloudwatch = aws_clients.client("cloudwatch")
    for metric_data in batches:
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=metric_data)
    return PublishResult(metrics=len(items), calls=len(batches))
