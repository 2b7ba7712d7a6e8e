"""Every alarm of one stack, as data: what PipelineAlarms creates and exports, what docs read.

The metric alarms are the pipeline's (`alarm_specs`) plus, when configured, the maintenance
suppressor; the composites are the PipelineHealth rollup plus, in suppression mode, one paging
composite per route (`maintenance`). Names are derived from the specs, never listed by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from .alarm_model import AlarmSpec, CompositeAlarmSpec
from .alarm_specs import alarm_specs, pipeline_health_spec
from .maintenance import maintenance_mode_spec, route_composite_specs
from .settings import Settings


@dataclass(frozen=True)
class AlarmSet:
    metric_alarms: tuple[AlarmSpec, ...]
    composites: tuple[CompositeAlarmSpec, ...]

    @property
    def names(self) -> list[str]:
        return [alarm.name for alarm in self.metric_alarms] + [c.name for c in self.composites]


def alarm_set(settings: Settings) -> AlarmSet:
    children = alarm_specs(settings)
    suppressor = maintenance_mode_spec(settings)
    return AlarmSet(
        metric_alarms=(*children, *([suppressor] if suppressor is not None else [])),
        composites=(
            pipeline_health_spec(settings, children),
            *route_composite_specs(settings, children),
        ),
    )
