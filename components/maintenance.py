"""Planned maintenance that really does not page: who notifies, and through which alarm.

CloudWatch can suppress actions only on COMPOSITE alarms (`ActionsSuppressor`). So when
`maintenanceSuppressorAlarm` is set, paging moves off the metric alarms: each of them keeps
`alarm_actions` empty, and one composite per route (`<prefix>-Critical`, `<prefix>-Warning`)
ORs that route's alarms and notifies its topic, suppressed while the suppressor alarm is in
ALARM. PipelineHealth gets the same suppressor. Without the setting, every metric alarm notifies
its route's topic directly.

The suppressor is an existing alarm (name or ARN), or `create`: then this stack creates
`<prefix>-MaintenanceMode` on the MaintenanceMode metric, which operators set to 1 to start
maintenance and to 0 to end it (missing data keeps the state in between). It notifies the
warning topic when maintenance starts, so a forgotten switch is visible.

Recovery (OK) notifications go only to alarms routed CRITICAL: whoever was paged needs to know
it is over; a warning's recovery is noise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

from handlers.contract import AlertRoute, Metric

from . import arns
from .alarm_model import AlarmSpec, Comparison, CompositeAlarmSpec, MissingData
from .alarm_specs import AlarmKey, keyed_spec, runbook_url
from .config_values import CREATE_SUPPRESSOR
from .metrics import PipelineMetrics
from .settings import Settings

MAINTENANCE_PERIOD_SECONDS: Final = 60
Action = TypeVar("Action")


@dataclass(frozen=True)
class Suppression:
    """`actions_suppressor` of a composite alarm."""

    alarm: str  # name or ARN
    wait_period_seconds: int
    extension_period_seconds: int


def suppression(settings: Settings) -> Suppression | None:
    """The suppressor of every paging composite, or None when alarms notify directly."""
    configured = settings.maintenance_suppressor_alarm
    if not configured:
        return None
    alarm = (
        arns.alarm_name(settings, AlarmKey.MAINTENANCE_MODE)
        if configured == CREATE_SUPPRESSOR
        else configured
    )
    return Suppression(
        alarm=alarm,
        wait_period_seconds=settings.maintenance_wait_period_seconds,
        extension_period_seconds=settings.maintenance_extension_period_seconds,
    )


def maintenance_mode_spec(settings: Settings) -> AlarmSpec | None:
    """The suppressor alarm this stack creates (only for `maintenanceSuppressorAlarm: create`)."""
    if settings.maintenance_suppressor_alarm != CREATE_SUPPRESSOR:
        return None
    return keyed_spec(
        settings,
        AlarmKey.MAINTENANCE_MODE,
        AlertRoute.WARNING,  # maintenance starting is news, not a page
        summary=(
            f"Planned maintenance is ON for {settings.prefix}: paging is suppressed until an "
            f"operator publishes {Metric.MAINTENANCE_MODE.name}=0."
        ),
        watches=PipelineMetrics(settings).maintenance_mode().over(MAINTENANCE_PERIOD_SECONDS),
        threshold=1,
        comparison=Comparison.GREATER_OR_EQUAL,
        treat_missing_data=MissingData.IGNORE,
        missing_data_reason="operators publish 1 to start and 0 to end; the state holds between.",
    )


def paging_actions(route: AlertRoute, target: Action) -> tuple[list[Action], list[Action]]:
    """(alarm actions, OK actions) of an alarm that notifies `route` itself."""
    return [target], [target] if route is AlertRoute.CRITICAL else []


def metric_alarm_actions(
    settings: Settings, spec: AlarmSpec, topics: Mapping[AlertRoute, Action]
) -> tuple[list[Action], list[Action]]:
    """A metric alarm's own actions: none when its route's composite pages instead. The
    suppressor itself always notifies: maintenance starting is news."""
    if suppression(settings) is not None and spec.key is not AlarmKey.MAINTENANCE_MODE:
        return [], []
    return paging_actions(spec.route, topics[spec.route])


def route_composite_specs(
    settings: Settings, children: Sequence[AlarmSpec]
) -> list[CompositeAlarmSpec]:
    """One paging composite per route that has alarms; empty when alarms notify directly."""
    suppressor = suppression(settings)
    if suppressor is None:
        return []
    specs = []
    for route in AlertRoute:
        names = tuple(spec.name for spec in children if spec.route is route)
        if not names:
            continue
        description = (
            f"Pages {route.value} for any {route.value} alarm of {settings.prefix} (the "
            f"triggering alarm's description links its runbook), unless {suppressor.alarm} "
            f"is in ALARM. Maintenance: {runbook_url(settings, AlarmKey.MAINTENANCE_MODE)}"
        )
        specs.append(
            CompositeAlarmSpec(
                resource_name=f"{route.value}-paging",
                name=arns.alarm_name(settings, route.value.capitalize()),
                description=description,
                children=names,
                route=route,
            )
        )
    return specs
