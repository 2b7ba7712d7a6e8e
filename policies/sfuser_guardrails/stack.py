"""Rules over the whole stack: alarms that reach a human, async Lambdas that keep failures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from .alarm_rule import RuleSyntaxError, fires_when_only
from .model import StackResource, as_list
from .resources import LAMBDA_FUNCTION

METRIC_ALARM: Final = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM: Final = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
EVENT_TARGET: Final = "aws:cloudwatch/eventTarget:EventTarget"
LAMBDA_PERMISSION: Final = "aws:lambda/permission:Permission"
EVENT_INVOKE_CONFIG: Final = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
SNS_SUBSCRIPTION: Final = "aws:sns/topicSubscription:TopicSubscription"
SCHEDULE: Final = "aws:scheduler/schedule:Schedule"
# Services that invoke Lambda asynchronously (a Lambda permission for one means async use).
ASYNC_INVOKERS: Final = frozenset(
    {
        "events.amazonaws.com",
        "scheduler.amazonaws.com",
        "sns.amazonaws.com",
        "s3.amazonaws.com",
        "logs.amazonaws.com",
        "iot.amazonaws.com",
        "ses.amazonaws.com",
        "cloudformation.amazonaws.com",
        "config.amazonaws.com",
    }
)


def _alarm_name(resource: StackResource) -> str:
    props = resource.props
    return str(props.get("alarmName") or props.get("name") or resource.name)


def _notifies_directly(props: Mapping[str, Any]) -> bool:
    return props.get("actionsEnabled") is not False and bool(as_list(props.get("alarmActions")))


def _suppressors(composites: Iterable[StackResource]) -> set[str]:
    names = set()
    for composite in composites:
        suppressor = composite.props.get("actionsSuppressor") or {}
        if isinstance(suppressor, Mapping) and suppressor.get("alarm"):
            names.add(str(suppressor["alarm"]).split(":alarm:")[-1])
    return names


def alarm_notification_violations(resources: Sequence[StackResource]) -> list[str]:
    """Every alarm notifies someone when it alone goes into ALARM.

    An alarm notifies when it has alarm actions (and actions are enabled), or when it going into
    ALARM on its own (all other alarms OK) puts a notifying composite alarm into ALARM; that is
    how alarms behind an `actions_suppressor` composite notify. The alarm a composite names as
    its actions suppressor (maintenance mode) is exempt: its state silences, it does not page.
    """
    alarms = {_alarm_name(r): r for r in resources if r.type in {METRIC_ALARM, COMPOSITE_ALARM}}
    composites = [r for r in alarms.values() if r.type == COMPOSITE_ALARM]
    exempt = _suppressors(composites)

    def notifies(name: str, seen: frozenset[str]) -> bool:
        if _notifies_directly(alarms[name].props):
            return True
        for composite in composites:
            parent = _alarm_name(composite)
            if parent in seen or parent == name:
                continue
            try:
                fires = fires_when_only(str(composite.props.get("alarmRule") or ""), name)
            except RuleSyntaxError:
                fires = False
            if fires and notifies(parent, seen | {name}):
                return True
        return False

    return [
        f"alarm {name!r} notifies no one: it has no alarm actions and no notifying composite"
        " alarm fires when it alone is in ALARM"
        for name in sorted(alarms)
        if name not in exempt and not notifies(name, frozenset())
    ]


def _matches(function: StackResource, references: frozenset[str]) -> bool:
    identities = {function.name}
    for prop in ("arn", "name", "qualifiedArn", "invokeArn"):
        value = function.props.get(prop)
        if isinstance(value, str) and value:
            identities.add(value)
    return bool(identities & references)


def _async_references(resource: StackResource) -> frozenset[str]:
    """What a resource invokes asynchronously (empty if it invokes nothing that way)."""
    props = resource.props
    if resource.type == EVENT_TARGET:
        return resource.references("arn")
    if resource.type == SCHEDULE:
        target = props.get("target") or {}
        value = target.get("arn") if isinstance(target, Mapping) else None
        deps = resource.property_dependencies.get("target", frozenset())
        return deps | ({value} if isinstance(value, str) else set())
    if resource.type == LAMBDA_PERMISSION and props.get("principal") in ASYNC_INVOKERS:
        return resource.references("function")
    if resource.type == SNS_SUBSCRIPTION and props.get("protocol") == "lambda":
        return resource.references("endpoint")
    if resource.type == EVENT_INVOKE_CONFIG:
        return resource.references("functionName")
    return frozenset()


def _failure_destination(config: StackResource) -> bool:
    destination = config.props.get("destinationConfig") or {}
    on_failure = destination.get("onFailure") or {} if isinstance(destination, Mapping) else {}
    return bool(isinstance(on_failure, Mapping) and on_failure.get("destination"))


def async_lambda_failure_violations(resources: Sequence[StackResource]) -> list[str]:
    """Every asynchronously invoked Lambda keeps the events it fails on.

    Async invocation: the target of an EventBridge rule or schedule, a Lambda permission for an
    async-invoking service, an SNS subscription, or an event invoke config. Kept: a dead-letter
    queue on the function (`deadLetterConfig.targetArn`) or an on-failure destination in its
    event invoke config. A DLQ on the EventBridge *target* is not enough: it only catches events
    EventBridge could not hand over, not those the function failed on after Lambda's retries.
    """
    functions = [r for r in resources if r.type == LAMBDA_FUNCTION]
    invoke_configs = [r for r in resources if r.type == EVENT_INVOKE_CONFIG]
    problems = []
    for function in functions:
        invokers = [r for r in resources if _matches(function, _async_references(r))]
        if not invokers:
            continue
        dead_letter = function.props.get("deadLetterConfig") or {}
        has_dlq = isinstance(dead_letter, Mapping) and bool(dead_letter.get("targetArn"))
        has_destination = any(
            _failure_destination(config)
            for config in invoke_configs
            if _matches(function, config.references("functionName"))
        )
        if not (has_dlq or has_destination):
            name = function.props.get("name") or function.name
            problems.append(
                f"Lambda {name!r} is invoked asynchronously (by {sorted(r.name for r in invokers)})"
                " but has neither a dead-letter queue nor an on-failure destination"
            )
    return problems
