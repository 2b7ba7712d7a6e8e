"""The AWS call budget: its worst case is botocore's own, the stack picks one that fits each
function's timeout and refuses a timeout none fits; the poll deadline keeps room for the calls
after it."""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from botocore.retries.standard import ExponentialBackoff, RetryContext

import statemachine
from components.config_loading import SettingsError
from components.handler_table import HANDLERS
from handlers import call_budget
from handlers.call_budget import BUDGETS, CallBudget, fitting, minimum_timeout_seconds
from handlers.contract import HandlerKey
from handlers.deadline import LambdaDeadline
from tests.unit.settings_fixtures import make_settings

P = "sf-user-monitoring"


def _botocore_longest_sleeps(attempts: int) -> float:
    """botocore's standard-mode delays at their maximum: full jitter, a throttling error, and an
    `x-amz-retry-after` header asking for far longer than it honours."""
    backoff = ExponentialBackoff(
        random=lambda: 1.0,
        throttling_detector=SimpleNamespace(is_throttling_error_from_context=lambda _: True),
    )
    response = SimpleNamespace(headers={"x-amz-retry-after": str(3_600_000)})
    return sum(
        backoff.delay_amount(RetryContext(attempt_number=n, http_response=response))
        for n in range(1, attempts)
    )


@pytest.mark.parametrize("attempts", [1, 2, 3, 5, 8])
def test_the_longest_backoff_is_botocores(attempts):
    budget = CallBudget(max_attempts=attempts, connect_timeout=1, read_timeout=1)
    assert budget.backoff_seconds() == pytest.approx(_botocore_longest_sleeps(attempts))


def test_a_call_at_its_worst_times_out_on_every_attempt_and_sleeps_the_longest_backoff():
    budget = CallBudget(max_attempts=3, connect_timeout=1.1, read_timeout=5)
    assert budget.worst_case_seconds() == pytest.approx(3 * 6.1 + (1 + 5) + (2 + 5))


def test_the_budget_is_botocores_client_config():
    config = BUDGETS[1].config()
    assert config.retries == {"mode": "standard", "total_max_attempts": 2}
    assert (config.connect_timeout, config.read_timeout) == (1.1, 3.0)


def test_the_most_patient_budget_that_fits_is_chosen():
    assert fitting(300, 4) == BUDGETS[0]
    assert fitting(60, 3) == BUDGETS[1]
    assert fitting(100, 7) == BUDGETS[2]
    assert fitting(60, 7) is None
    for timeout, calls in ((300, 4), (60, 3), (100, 7)):
        chosen = fitting(timeout, calls)
        assert chosen is not None
        assert calls * chosen.worst_case_seconds() + 0.1 * timeout <= timeout


def test_the_minimum_timeout_is_the_shortest_the_least_patient_budget_fits():
    for calls in range(1, 12):
        shortest = minimum_timeout_seconds(calls)
        assert fitting(shortest, calls) is not None
        assert fitting(shortest - 1, calls) is None


def test_each_function_gets_the_budget_its_timeout_fits():
    settings = make_settings()
    for key, spec in HANDLERS.items():
        budget = spec.call_budget(settings)
        model = spec.handler_settings(settings)
        assert model.call_budget == budget, key
        timeout = spec.config(settings).timeout_seconds
        assert call_budget.worst_case_seconds(budget, model.AWS_CALLS, timeout) <= timeout, key


def test_a_timeout_no_budget_fits_is_refused_naming_the_key_and_the_minimum():
    settings = make_settings(errorHandler=json.dumps({"timeoutSeconds": 60}))
    shortest = minimum_timeout_seconds(HANDLERS[HandlerKey.ERROR_HANDLER].model.AWS_CALLS)
    with pytest.raises(SettingsError) as raised:
        HANDLERS[HandlerKey.ERROR_HANDLER].handler_settings(settings)
    message = str(raised.value)
    assert f"{P}:errorHandler.timeoutSeconds: 60 s cannot hold the 7 AWS calls" in message
    assert message.endswith(f"set at least {shortest}")


@dataclass
class Context:
    remaining_ms: int

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def test_the_poll_deadline_keeps_the_calls_after_it_and_the_reserve():
    context = Context(remaining_ms=300_000)
    budget = BUDGETS[0]
    deadline = LambdaDeadline.keeping(context, budget, 3)
    margin = 3 * budget.worst_case_seconds() + 0.1 * 300
    assert deadline.seconds_left() == pytest.approx(300 - margin)
    context.remaining_ms = 100_000  # the deadline follows the invocation's clock
    assert deadline.seconds_left() == pytest.approx(100 - margin)
    # A wait that two more calls follow keeps their worst case too, on the same clock.
    later = 2 * budget.worst_case_seconds()
    assert deadline.seconds_left(calls_after=2) == pytest.approx(100 - margin - later)


def _sizing_text() -> str:
    return (Path(__file__).resolve().parents[2] / "docs" / "sizing.md").read_text()


def _sizing_rows() -> dict[str, list[str]]:
    text = _sizing_text()
    section = text.split("## AWS call budgets", 1)[1]
    rows = re.findall(r"^\| ((?:metrics|error|pipeline) [a-z]+) \| (.+) \|$", section, re.M)
    return {name: [cell.strip() for cell in cells.split("|")] for name, cells in rows}


def test_the_sizing_guide_states_each_functions_budget():
    settings = make_settings()
    rows = _sizing_rows()
    assert set(rows) == {key.value.replace("-", " ") for key in HandlerKey}
    for key, spec in HANDLERS.items():
        calls, attempts, timeouts, per_call, total, timeout = rows[key.value.replace("-", " ")]
        budget = spec.call_budget(settings)
        seconds = spec.config(settings).timeout_seconds
        assert int(calls) == spec.model.AWS_CALLS, key
        assert int(attempts) == budget.max_attempts, key
        assert timeouts == f"{budget.connect_timeout:g} s / {budget.read_timeout:g} s", key
        assert per_call == f"{budget.worst_case_seconds():.1f} s", key
        worst = call_budget.worst_case_seconds(budget, spec.model.AWS_CALLS, seconds)
        assert total == f"{worst:.1f} s", key
        assert timeout == f"{seconds} s", key


def test_the_sizing_guide_states_how_long_the_validator_may_wait_for_athena():
    settings = make_settings()
    spec = HANDLERS[HandlerKey.PIPELINE_VALIDATOR]
    budget, seconds = spec.call_budget(settings), spec.config(settings).timeout_seconds
    waiting = seconds - call_budget.worst_case_seconds(budget, spec.model.AWS_CALLS, seconds)
    text = _sizing_text()
    stated = re.findall(r"waits\s+for\s+Athena\s+at\s+least\s+([\d.]+) s", text)
    stated += re.findall(r"the time they leave \(([\d.]+) s by default\)", text)
    assert stated == [f"{waiting:.1f}"] * 2


def _retry_seconds(retrier: dict[str, int], timeout: int) -> int:
    """An ASL retrier's worst case: every attempt runs to the timeout, every wait is the longest."""
    retries = retrier["MaxAttempts"]
    waits = (
        min(retrier["IntervalSeconds"] * retrier["BackoffRate"] ** n, retrier["MaxDelaySeconds"])
        for n in range(retries)
    )
    return (retries + 1) * timeout + int(sum(waits))


def test_the_sizing_guide_states_the_monitorings_share_of_the_longest_run():
    settings = make_settings()
    seconds = {key: spec.config(settings).timeout_seconds for key, spec in HANDLERS.items()}
    [delivery] = [
        retrier
        for retrier in statemachine.template()["States"]["NotifyFailure"]["Retry"]
        if retrier["ErrorEquals"] == ["AlertDeliveryError"]
    ]
    longest = (
        2 * seconds[HandlerKey.PIPELINE_VALIDATOR]
        + seconds[HandlerKey.METRICS_PUBLISHER]
        + _retry_seconds(delivery, seconds[HandlerKey.ERROR_HANDLER])
    )
    text = " ".join(_sizing_text().split())
    [stated] = re.findall(r"take at most ([\d,]+) s of it on the longest failing path", text)
    assert int(stated.replace(",", "")) == longest
    assert longest < settings.pipeline_timeout_ms / 1000
