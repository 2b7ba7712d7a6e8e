"""PipelineAlarms: a thin loop turning AlarmSpecs into CloudWatch alarms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from handlers.contract import AlarmKey, AlertRoute

from .alarm_specs import (
    AlarmSpec,
    AnyAlarmSpec,
    CompositeAlarmSpec,
    MathAlarmSpec,
    alarm_specs,
    composite_spec,
)
from .settings import Settings


class PipelineAlarms(pulumi.ComponentResource):
    """`sfuser:monitoring:PipelineAlarms`: the seed metric alarms plus the PipelineHealth rollup."""

    specs: list[AnyAlarmSpec]
    composite: CompositeAlarmSpec
    alarms: dict[AlarmKey, aws.cloudwatch.MetricAlarm]
    health: aws.cloudwatch.CompositeAlarm

    def __init__(
        self,
        name: str,
        settings: Settings,
        topic_arns: Mapping[AlertRoute, pulumi.Input[str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("sfuser:monitoring:PipelineAlarms", name, None, opts)
        self.specs = alarm_specs(settings)
        self.composite = composite_spec(settings, self.specs)
        self.alarms = {}
        for spec in self.specs:
            actions = [topic_arns[spec.route]]
            self.alarms[spec.key] = aws.cloudwatch.MetricAlarm(
                f"{name}-{spec.key.value}",
                name=spec.name,
                alarm_description=spec.description,
                **_metric_inputs(spec),
                evaluation_periods=spec.evaluation_periods,
                datapoints_to_alarm=spec.datapoints_to_alarm,
                threshold=spec.threshold,
                comparison_operator=spec.comparison.value,
                treat_missing_data=spec.treat_missing_data.value,
                actions_enabled=True,
                alarm_actions=actions,
                ok_actions=actions,
                opts=pulumi.ResourceOptions(parent=self),
            )
        health_actions = [topic_arns[self.composite.route]]
        self.health = aws.cloudwatch.CompositeAlarm(
            f"{name}-{self.composite.key.value}",
            alarm_name=self.composite.name,
            alarm_description=self.composite.description,
            alarm_rule=self.composite.rule,
            actions_enabled=True,
            alarm_actions=health_actions,
            ok_actions=health_actions,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(self.alarms.values())),
        )
        self.register_outputs(
            {"alarmNames": [spec.name for spec in self.specs] + [self.composite.name]}
        )

    @property
    def alarm_names(self) -> list[str]:
        return [spec.name for spec in self.specs] + [self.composite.name]


def _metric_inputs(spec: AnyAlarmSpec) -> dict[str, Any]:
    """What the alarm watches: one metric, or a metric-math expression over several."""
    if isinstance(spec, AlarmSpec):
        return {
            "namespace": spec.namespace,
            "metric_name": spec.metric_name,
            "dimensions": dict(spec.dimensions),
            "statistic": spec.statistic,
            "period": spec.period_seconds,
        }
    return {"metric_queries": metric_queries(spec)}


def metric_queries(spec: MathAlarmSpec) -> list[dict[str, Any]]:
    queries: list[dict[str, Any]] = [
        {
            "id": query.id,
            "return_data": False,
            "metric": {
                "namespace": query.namespace,
                "metric_name": query.metric_name,
                "dimensions": dict(query.dimensions),
                "stat": query.statistic,
                "period": spec.period_seconds,
            },
        }
        for query in spec.queries
    ]
    queries.append(
        {"id": "total", "expression": spec.expression, "label": spec.label, "return_data": True}
    )
    return queries
