"""PipelineAlarms: a thin loop turning the stack's AlarmSet into CloudWatch alarms.

Who notifies is decided in `maintenance`: each metric alarm pages its route directly, or (with a
maintenance suppressor) one composite per route pages for them.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from handlers.contract import AlertRoute

from .alarm_model import metric_alarm_inputs
from .alarm_set import AlarmSet, alarm_set
from .maintenance import Suppression, metric_alarm_actions, paging_actions, suppression
from .replacement import fixed_identity
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

    specs: AlarmSet
    metric_alarms: dict[str, aws.cloudwatch.MetricAlarm]
    composites: dict[str, aws.cloudwatch.CompositeAlarm]

    def __init__(
        self,
        name: str,
        settings: Settings,
        topic_arns: Mapping[AlertRoute, pulumi.Input[str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("sfuser:monitoring:PipelineAlarms", name, None, opts)
        self.specs = alarm_set(settings)
        self.metric_alarms = {}
        for spec in self.specs.metric_alarms:
            actions, ok_actions = metric_alarm_actions(settings, spec, topic_arns)
            self.metric_alarms[spec.name] = aws.cloudwatch.MetricAlarm(
                f"{name}-{spec.key}",
                **metric_alarm_inputs(spec),
                actions_enabled=True,
                alarm_actions=actions,
                ok_actions=ok_actions,
                opts=fixed_identity(self),  # composite rules name them
            )
        children: list[pulumi.Resource] = list(self.metric_alarms.values())
        after_children = fixed_identity(self, depends_on=children)
        suppressor = suppressor_inputs(suppression(settings))
        self.composites = {}
        for composite in self.specs.composites:
            actions, ok_actions = paging_actions(composite.route, topic_arns[composite.route])
            self.composites[composite.name] = aws.cloudwatch.CompositeAlarm(
                f"{name}-{composite.resource_name}",
                alarm_name=composite.name,
                alarm_description=composite.description,
                alarm_rule=composite.rule,
                actions_enabled=True,
                alarm_actions=actions,
                ok_actions=ok_actions,
                actions_suppressor=suppressor,
                opts=after_children,
            )
        self.register_outputs({"alarmNames": self.specs.names})

    @property
    def alarm_names(self) -> list[str]:
        return self.specs.names
