"""PipelineAlarms: a thin loop turning AlarmSpecs into CloudWatch alarms.

Who notifies is decided in `maintenance`: each metric alarm pages its route directly, or (with a
maintenance suppressor) one composite per route pages for them.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from handlers.contract import AlarmKey, AlertRoute

from .alarm_model import AlarmSpec, CompositeAlarmSpec, metric_alarm_inputs
from .alarm_specs import alarm_specs, composite_spec
from .maintenance import (
    Suppression,
    maintenance_mode_spec,
    metric_alarm_actions,
    paging_actions,
    route_composite_specs,
    suppression,
)
from .settings import Settings


def suppressor_inputs(
    suppressor: Suppression | None,
) -> aws.cloudwatch.CompositeAlarmActionsSuppressorArgsDict | None:
    if suppressor is None:
        return None
    return {
        "alarm": suppressor.alarm,
        "wait_period": suppressor.wait_period_seconds,
        "extension_period": suppressor.extension_period_seconds,
    }


class PipelineAlarms(pulumi.ComponentResource):
    """`sfuser:monitoring:PipelineAlarms`: the metric alarms, the PipelineHealth rollup and, in
    maintenance-suppression mode, the suppressor and one paging composite per route."""

    specs: list[AlarmSpec]
    composite: CompositeAlarmSpec
    alarms: dict[AlarmKey, aws.cloudwatch.MetricAlarm]
    health: aws.cloudwatch.CompositeAlarm
    maintenance: aws.cloudwatch.MetricAlarm | None
    route_composites: dict[AlertRoute, aws.cloudwatch.CompositeAlarm]

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
        suppressor = suppressor_inputs(suppression(settings))
        self.maintenance = None
        maintenance = maintenance_mode_spec(settings)
        if maintenance is not None:
            # The suppressor itself always notifies: maintenance starting is news.
            actions = paging_actions(maintenance.route, topic_arns[maintenance.route])
            self.maintenance = self._metric_alarm(name, maintenance, *actions)
        self.alarms = {
            spec.key: self._metric_alarm(
                name, spec, *metric_alarm_actions(settings, spec.route, topic_arns)
            )
            for spec in self.specs
        }
        children: list[pulumi.Resource] = list(self.alarms.values())
        if self.maintenance is not None:
            children.append(self.maintenance)
        after_children = pulumi.ResourceOptions(parent=self, depends_on=children)
        health_actions, health_ok = paging_actions(
            self.composite.route, topic_arns[self.composite.route]
        )
        self.health = aws.cloudwatch.CompositeAlarm(
            f"{name}-{self.composite.key.value}",
            alarm_name=self.composite.name,
            alarm_description=self.composite.description,
            alarm_rule=self.composite.rule,
            actions_enabled=True,
            alarm_actions=health_actions,
            ok_actions=health_ok,
            actions_suppressor=suppressor,
            opts=after_children,
        )
        self.route_composites = {}
        route_specs = route_composite_specs(settings, self.specs)
        for route_spec in route_specs:
            route_actions, route_ok = paging_actions(route_spec.route, topic_arns[route_spec.route])
            self.route_composites[route_spec.route] = aws.cloudwatch.CompositeAlarm(
                f"{name}-{route_spec.route.value}-paging",
                alarm_name=route_spec.name,
                alarm_description=route_spec.description,
                alarm_rule=route_spec.rule,
                actions_enabled=True,
                alarm_actions=route_actions,
                ok_actions=route_ok,
                actions_suppressor=suppressor,
                opts=after_children,
            )
        self._names = [spec.name for spec in self.specs] + [self.composite.name]
        if maintenance is not None:
            self._names.append(maintenance.name)
        self._names += [route_spec.name for route_spec in route_specs]
        self.register_outputs({"alarmNames": self._names})

    def _metric_alarm(
        self,
        name: str,
        spec: AlarmSpec,
        alarm_actions: list[pulumi.Input[str]],
        ok_actions: list[pulumi.Input[str]],
    ) -> aws.cloudwatch.MetricAlarm:
        return aws.cloudwatch.MetricAlarm(
            f"{name}-{spec.key.value}",
            **metric_alarm_inputs(spec),
            actions_enabled=True,
            alarm_actions=alarm_actions,
            ok_actions=ok_actions,
            opts=pulumi.ResourceOptions(parent=self),
        )

    @property
    def alarm_names(self) -> list[str]:
        return list(self._names)
