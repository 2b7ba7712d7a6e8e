"""Which alarms the locally published metrics would breach, by the alarm specs themselves.

The emulator stores metrics but does not evaluate alarms. This evaluates each `AlarmSpec` the
way CloudWatch would at one moment: the spec's statistic over its period ending then, compared
with its threshold, and its missing-data policy when there is no datapoint. Alarms on metrics
AWS publishes itself (AWS/States, Glue, AWS/Lambda) have no local data and are not evaluated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from components.alarm_model import AlarmSpec, Comparison, MissingData, period_text
from components.metrics import MetricSpec
from handlers.contract import NAMESPACE
from local.emulator import Emulator

_AGGREGATE: dict[str, Callable[[Sequence[float]], float]] = {
    "Sum": sum,
    "SampleCount": sum,
    "Minimum": min,
    "Maximum": max,
    "Average": lambda values: sum(values) / len(values),
}


SYMBOL = {
    Comparison.GREATER_OR_EQUAL: ">=",
    Comparison.GREATER: ">",
    Comparison.LESS: "<",
}


class Verdict(StrEnum):
    BREACH = "WOULD BREACH"
    OK = "ok"
    NO_DATA = "no data"
    NOT_EVALUATED = "not evaluated"


@dataclass(frozen=True)
class AlarmVerdict:
    spec: AlarmSpec
    verdict: Verdict
    value: float | None
    detail: str


def breaches(value: float, comparison: Comparison, threshold: float) -> bool:
    if comparison is Comparison.GREATER_OR_EQUAL:
        return value >= threshold
    if comparison is Comparison.GREATER:
        return value > threshold
    return value < threshold


def evaluate(spec: AlarmSpec, values: Sequence[float]) -> AlarmVerdict:
    """The verdict for the datapoints in the spec's period (pure)."""
    threshold, comparison, watched = spec.threshold, spec.comparison, spec.watches
    if not isinstance(threshold, int | float) or not isinstance(comparison, Comparison):
        detail = "anomaly band: only CloudWatch's trained model can evaluate it"
        return AlarmVerdict(spec, Verdict.NOT_EVALUATED, None, detail)
    if not isinstance(watched, MetricSpec):
        return AlarmVerdict(spec, Verdict.NOT_EVALUATED, None, "metric math is not evaluated")
    if not values:
        if spec.treat_missing_data is MissingData.BREACHING:
            return AlarmVerdict(
                spec, Verdict.BREACH, None, "no data in the period; missing data is breaching"
            )
        return AlarmVerdict(
            spec, Verdict.NO_DATA, None, f"no data; missing data is {spec.treat_missing_data}"
        )
    value = float(_AGGREGATE[watched.statistic](values))
    verdict = Verdict.BREACH if breaches(value, comparison, threshold) else Verdict.OK
    detail = (
        f"{watched.statistic} over {period_text(spec.period_seconds)}: {value:g}"
        f" (alarm when {SYMBOL[comparison]} {threshold:g})"
    )
    return AlarmVerdict(spec, verdict, value, detail)


def evaluate_all(
    emulator: Emulator, specs: Sequence[AlarmSpec], at: datetime
) -> list[AlarmVerdict]:
    """Every spec evaluated over its period ending at `at`, from the emulator's metrics."""
    verdicts = []
    for spec in specs:
        watched = spec.watches
        if not isinstance(watched, MetricSpec):
            detail = f"metric math ({watched.label}) over metrics AWS publishes, not evaluated"
            verdicts.append(AlarmVerdict(spec, Verdict.NOT_EVALUATED, None, detail))
            continue
        if watched.namespace != NAMESPACE or watched.statistic not in _AGGREGATE:
            detail = f"{watched.namespace} {watched.metric_name} is published by AWS, not locally"
            verdicts.append(AlarmVerdict(spec, Verdict.NOT_EVALUATED, None, detail))
            continue
        end = at + timedelta(seconds=1)
        series = emulator.metric_series(
            watched.namespace,
            watched.metric_name,
            watched.dimensions,
            stat=watched.statistic,
            start=end - timedelta(seconds=spec.period_seconds),
            end=end,
            period_seconds=spec.period_seconds,
        )
        verdicts.append(evaluate(spec, [value for _, value in series]))
    return verdicts
