"""The alarm model: what an alarm watches, when it fires, and its CloudWatch inputs.

A metric alarm watches either one metric (a `MetricSpec` from the `metrics` factory) or a
metric-math expression over several (`MetricMath`), and compares it with a static threshold or,
for one metric, with its anomaly-detection band (`AnomalyBand`); it evaluates the metrics over
their period. `metric_alarm_inputs` is the only place that turns a spec into
`aws.cloudwatch.MetricAlarm` arguments; the shell adds actions, tests validate the result against
PutMetricAlarm. No alarm sets a unit: CloudWatch then matches the metric whatever unit it was
published with. A composite alarm (`CompositeAlarmSpec`) is in ALARM when any of its children is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from handlers.contract import AlertRoute

from .anomaly_band import BAND_ID, AnomalyBand, BandComparison
from .cloudwatch_limits import MAX_EVALUATION_SECONDS, ONE_DAY, ONE_HOUR
from .metrics import MetricSpec

MAX_DESCRIPTION_CHARS: Final = 1024  # PutMetricAlarm / PutCompositeAlarm AlarmDescription limit
# Query ids of the generated metric queries: the single metric of a band alarm, the expression.
METRIC_ID: Final = "m1"
EXPRESSION_ID: Final = "expression"
_QUERY_ID = re.compile(r"^[a-z][A-Za-z0-9_]*$")  # MetricDataQuery Id


class Comparison(StrEnum):
    GREATER_OR_EQUAL = "GreaterThanOrEqualToThreshold"
    GREATER = "GreaterThanThreshold"
    LESS = "LessThanThreshold"


class MissingData(StrEnum):
    NOT_BREACHING = "notBreaching"
    BREACHING = "breaching"
    IGNORE = "ignore"
    MISSING = "missing"


@dataclass(frozen=True)
class MetricMath:
    """A metric-math expression over named metrics; `metrics` maps query id -> metric."""

    expression: str
    label: str
    metrics: Mapping[str, MetricSpec]

    def __post_init__(self) -> None:
        if not self.metrics:
            raise ValueError(f"{self.expression}: a metric-math alarm needs at least one metric")
        if len({metric.period_seconds for metric in self.metrics.values()}) > 1:
            raise ValueError(f"{self.expression}: the metrics of one alarm share one period")
        for query_id in self.metrics:
            if not _QUERY_ID.match(query_id) or query_id == EXPRESSION_ID:
                raise ValueError(
                    f"{query_id!r}: a metric query id starts with a lowercase letter, has only "
                    f"letters, digits and '_', and is not {EXPRESSION_ID!r}"
                )

    @property
    def period_seconds(self) -> int:
        return next(iter(self.metrics.values())).period_seconds


Watched = MetricSpec | MetricMath


@dataclass(frozen=True, kw_only=True)
class AlarmSpec:
    """One metric alarm: what it watches, when it fires, and which route it pages."""

    key: str  # an `alarm_specs.AlarmKey`
    name: str
    summary: str
    watches: Watched
    threshold: float | AnomalyBand  # a static value, or the watched metric's band
    comparison: Comparison | BandComparison
    treat_missing_data: MissingData
    missing_data_reason: str
    route: AlertRoute
    runbook_url: str
    evaluation_periods: int = 1
    datapoints_to_alarm: int = 1

    def __post_init__(self) -> None:
        band = isinstance(self.threshold, AnomalyBand)
        if band != isinstance(self.comparison, BandComparison):
            raise ValueError(f"{self.name}: a band threshold needs a band comparison and only it")
        if band and not isinstance(self.watches, MetricSpec):
            raise ValueError(f"{self.name}: an anomaly band watches a single metric")
        if not 1 <= self.datapoints_to_alarm <= self.evaluation_periods:
            raise ValueError(f"{self.name}: datapoints to alarm must be 1..evaluation periods")
        limit = max_evaluation_range(self.period_seconds)
        if self.period_seconds * self.evaluation_periods > limit:
            raise ValueError(
                f"{self.name}: period x evaluation periods exceeds CloudWatch's {limit} s"
            )

    @property
    def period_seconds(self) -> int:
        return self.watches.period_seconds

    @property
    def metrics(self) -> tuple[MetricSpec, ...]:
        """Every metric the alarm watches."""
        watches = self.watches
        return tuple(watches.metrics.values()) if isinstance(watches, MetricMath) else (watches,)

    @property
    def description(self) -> str:
        return describe(self.summary, self.runbook_url, self.missing_data_reason)


@dataclass(frozen=True, kw_only=True)
class CompositeAlarmSpec:
    """An alarm in ALARM when any of `children` (alarm names) is; it notifies `route`."""

    resource_name: str  # the Pulumi resource's name suffix, stable across refactors
    name: str
    description: str
    children: tuple[str, ...]
    route: AlertRoute
    key: str | None = None  # the `alarm_specs.AlarmKey` of a composite with its own runbook
    rule: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rule", any_in_alarm(self.children))
        _check_length(self.description)


def max_evaluation_range(period_seconds: int) -> int:
    """PutMetricAlarm's cap on Period x EvaluationPeriods: 1 day under one-hour periods, else 7."""
    return ONE_DAY if period_seconds < ONE_HOUR else MAX_EVALUATION_SECONDS


def period_text(seconds: int) -> str:
    """A period as people write it: `5 min`, `1 h`, `2 d`."""
    if seconds % ONE_DAY == 0:
        return f"{seconds // ONE_DAY} d"
    if seconds % ONE_HOUR == 0:
        return f"{seconds // ONE_HOUR} h"
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


def any_in_alarm(alarm_names: tuple[str, ...]) -> str:
    """Composite alarm rule that is ALARM when any of the named alarms is."""
    if not alarm_names:
        raise ValueError("a composite alarm needs at least one child alarm")
    return " OR ".join(f'ALARM("{name}")' for name in alarm_names)


def describe(summary: str, runbook_url: str, missing_data_reason: str = "") -> str:
    """An alarm description: what happened, why missing data is treated so, the runbook."""
    parts = [summary]
    if missing_data_reason:
        parts.append(f"Missing data: {missing_data_reason}")
    parts.append(f"Runbook: {runbook_url}")
    return _check_length(" ".join(parts))


def _check_length(text: str) -> str:
    if len(text) > MAX_DESCRIPTION_CHARS:
        limit = MAX_DESCRIPTION_CHARS
        raise ValueError(f"alarm description is {len(text)} chars, the limit is {limit}: {text!r}")
    return text


def metric_alarm_inputs(spec: AlarmSpec) -> dict[str, Any]:
    """`aws.cloudwatch.MetricAlarm` arguments of a spec, all but the actions."""
    return {
        "name": spec.name,
        "alarm_description": spec.description,
        **_watched_inputs(spec),
        "evaluation_periods": spec.evaluation_periods,
        "datapoints_to_alarm": spec.datapoints_to_alarm,
        "comparison_operator": spec.comparison.value,
        "treat_missing_data": spec.treat_missing_data.value,
    }


def _watched_inputs(spec: AlarmSpec) -> dict[str, Any]:
    """One metric with a static threshold as plain fields; anything else as metric queries."""
    watches = spec.watches
    if isinstance(spec.threshold, AnomalyBand):
        assert isinstance(watches, MetricSpec)  # __post_init__
        # Both queries return data, as PutMetricAlarm requires of anomaly-detection alarms.
        band = {
            "id": BAND_ID,
            "return_data": True,
            "expression": spec.threshold.expression(METRIC_ID),
            "label": f"{watches.metric_name} (expected)",
        }
        return {
            "metric_queries": [_metric_query(METRIC_ID, watches, True), band],
            "threshold_metric_id": BAND_ID,
        }
    if isinstance(watches, MetricMath):
        # The inputs return no data: the alarm evaluates the one expression that does.
        inputs = [_metric_query(i, metric, False) for i, metric in watches.metrics.items()]
        expression = {
            "id": EXPRESSION_ID,
            "return_data": True,
            "expression": watches.expression,
            "label": watches.label,
        }
        return {"metric_queries": [*inputs, expression], "threshold": spec.threshold}
    return {
        "namespace": watches.namespace,
        "metric_name": watches.metric_name,
        "dimensions": dict(watches.dimensions),
        "statistic": watches.statistic,
        "period": watches.period_seconds,
        "threshold": spec.threshold,
    }


def _metric_query(query_id: str, metric: MetricSpec, return_data: bool) -> dict[str, Any]:
    return {
        "id": query_id,
        "return_data": return_data,
        "metric": {
            "namespace": metric.namespace,
            "metric_name": metric.metric_name,
            "dimensions": dict(metric.dimensions),
            "stat": metric.statistic,
            "period": metric.period_seconds,
        },
    }
