"""Walk one pipeline run through the real handlers, stage by stage, in the state machine's order.

The payloads come from the reference ASL itself: each Task's `Parameters`, `ResultSelector` and
`ResultPath`, each Catch's Pass state and each Choice's rules and failure states are evaluated
here (the simple JSONPath subset the definition uses, plus `States.JsonToString`; the Choice
operators `BooleanEquals`, `IsPresent` and `And`). A failed stage alerts
through the error handler exactly as the `NotifyFailure` state would; then the walk either stops,
as Step Functions does (`stop_at_first_failure`, the replayed history's runs), or carries on with
the next stage, so that one broken run shows every defect. `PublishMetrics` runs only if no stage
failed, as in the state machine.
`tests/statemachine/` proves the ASL itself in moto's interpreter.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import statemachine
from handlers import clock
from handlers.contract import resource_prefix
from local.lambda_runtime import Invocation, LocalFunction, LocalLambdaContext, invoke
from local.stepfunctions_runner import ACCOUNT_ID, ROLE_ARN, lambda_arn, substitutions

GLUE_STATE: Final = "RunGlueJob"
NOTIFY_STATE: Final = "NotifyFailure"
PUBLISH_STATE: Final = "PublishMetrics"
TASKS_AFTER_GLUE: Final = ("ValidateIngestion", "RunDbt", "TestDbt", "ValidateScd", PUBLISH_STATE)
_JSON_TO_STRING = re.compile(r"^States\.JsonToString\((\$[^)]*)\)$")


@dataclass(frozen=True)
class PipelineFunctions:
    """Who plays each Lambda function the definition names (by its ARN placeholder)."""

    pipeline_validator: LocalFunction
    dbt_runner: LocalFunction
    metrics_publisher: LocalFunction
    error_handler: LocalFunction


@dataclass(frozen=True)
class StageResult:
    state: str
    output: Any  # the function's result, or its Lambda error payload
    failed: bool
    error_type: str | None = None
    alert: Mapping[str, Any] | None = None  # what the error handler returned


@dataclass
class RunRecord:
    name: str
    execution: dict[str, Any]
    started_at: datetime
    stages: list[StageResult] = field(default_factory=list)
    finished_at: datetime | None = None

    @property
    def failed(self) -> bool:
        return any(stage.failed for stage in self.stages)

    @property
    def alerts(self) -> list[Mapping[str, Any]]:
        return [stage.alert for stage in self.stages if stage.alert is not None]

    def output_of(self, state: str) -> Any:
        return next((stage.output for stage in self.stages if stage.state == state), None)


def glue_job_run(
    job_name: str,
    started: datetime,
    state: str = "SUCCEEDED",
    error_message: str | None = None,
    seconds: int = 60,
) -> dict[str, Any]:
    """A JobRun of `seconds` as `glue:startJobRun.sync` returns it (times in epoch ms)."""
    started_ms = int(started.timestamp() * 1000)
    run: dict[str, Any] = {
        "Id": f"jr_{secrets.token_hex(32)}",
        "Attempt": 0,
        "JobName": job_name,
        "StartedOn": started_ms,
        "CompletedOn": started_ms + seconds * 1000,
        "JobRunState": state,
        "ExecutionTime": seconds,
        "LogGroupName": "/aws-glue/jobs",
        "GlueVersion": "4.0",
    }
    if error_message:
        run["ErrorMessage"] = error_message
    return run


def _lookup(path: str, data: Any) -> Any:
    """`$` or `$.a.b` in `data`; KeyError names the missing path."""
    node = data
    for part in path.removeprefix("$").split(".")[1:]:
        if not isinstance(node, Mapping) or part not in node:
            raise KeyError(f"{path} is not in the state")
        node = node[part]
    return node


def _assign(state: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.removeprefix("$.").split(".")
    node = state
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def _matches(rule: Mapping[str, Any], state: Any) -> bool:
    """One Choice rule (the definition's operators) against the state."""
    if "And" in rule:
        return all(_matches(part, state) for part in rule["And"])
    try:
        value = _lookup(rule["Variable"], state)
    except KeyError:
        return rule.get("IsPresent") is False
    if "IsPresent" in rule:
        return rule["IsPresent"] is True
    if "BooleanEquals" in rule:
        return value is rule["BooleanEquals"]
    raise ValueError(f"Choice rule operator not supported by the walkthrough: {sorted(rule)}")


def choose(choice: Mapping[str, Any], state: Any) -> str:
    """The state a Choice goes to: its first matching rule's Next, else its Default."""
    chosen: str = next(
        (rule["Next"] for rule in choice["Choices"] if _matches(rule, state)), choice["Default"]
    )
    return chosen


def render(template: Any, state: Any, context: Mapping[str, Any]) -> Any:
    """Evaluate an ASL `Parameters` / `ResultSelector` template (the definition's subset)."""
    if isinstance(template, list):
        return [render(item, state, context) for item in template]
    if not isinstance(template, Mapping):
        return template
    rendered: dict[str, Any] = {}
    for key, value in template.items():
        if not key.endswith(".$"):
            rendered[key] = render(value, state, context)
            continue
        if intrinsic := _JSON_TO_STRING.match(value):
            resolved: Any = json.dumps(_lookup(intrinsic.group(1), state), separators=(",", ":"))
        elif value.startswith("$$."):
            resolved = _lookup("$" + value.removeprefix("$$"), context)
        else:
            resolved = _lookup(value, state)
        rendered[key.removesuffix(".$")] = resolved
    return rendered


class Walkthrough:
    """The reference definition, with its Lambda tasks played by `functions`."""

    def __init__(
        self,
        functions: PipelineFunctions,
        environment: str,
        region: str,
        *,
        stop_at_first_failure: bool = False,
    ) -> None:
        self.environment, self.region = environment, region
        self.stop_at_first_failure = stop_at_first_failure
        self._states: dict[str, Any] = statemachine.definition(substitutions(environment, region))[
            "States"
        ]
        names = substitutions(environment, region)
        self._functions = {
            names[statemachine.Placeholder.PIPELINE_VALIDATOR_FUNCTION_ARN]: (
                functions.pipeline_validator
            ),
            names[statemachine.Placeholder.DBT_RUNNER_FUNCTION_ARN]: functions.dbt_runner,
            names[statemachine.Placeholder.METRICS_PUBLISHER_FUNCTION_ARN]: (
                functions.metrics_publisher
            ),
            names[statemachine.Placeholder.ERROR_HANDLER_FUNCTION_ARN]: functions.error_handler,
        }

    @property
    def glue_job_name(self) -> str:
        name: str = self._states[GLUE_STATE]["Parameters"]["JobName"]
        return name

    def execution(self, name: str, started: datetime) -> dict[str, Any]:
        """`$$.Execution` as Step Functions gives it."""
        machine = resource_prefix(self.environment)
        return {
            "Id": f"arn:aws:states:{self.region}:{ACCOUNT_ID}:execution:{machine}:{name}",
            "Input": {},
            "Name": name,
            "RoleArn": ROLE_ARN,
            "StartTime": started.isoformat(),
        }

    def run(
        self, name: str, job_run: Mapping[str, Any], started: datetime | None = None
    ) -> RunRecord:
        """Walk one execution whose Glue job ended with `job_run`; it started at `started`
        (default now: the Glue job's run is then not waited for)."""
        started = clock.now() if started is None else started
        record = RunRecord(name, self.execution(name, started), started)
        context = {"Execution": record.execution}
        state: dict[str, Any] = {}
        if job_run.get("JobRunState") != "SUCCEEDED":
            # The Catch of `glue:startJobRun.sync`: States.TaskFailed with the JobRun as Cause.
            error = {"Error": "States.TaskFailed", "Cause": json.dumps(job_run)}
            record.stages.append(self._failed(GLUE_STATE, job_run, error, state, context))
        else:
            _assign(state, self._states[GLUE_STATE]["ResultPath"], dict(job_run))
            record.stages.append(StageResult(GLUE_STATE, job_run, failed=False))
            for task in TASKS_AFTER_GLUE:
                if record.failed and (self.stop_at_first_failure or task == PUBLISH_STATE):
                    break  # the state machine reaches PublishMetrics only if everything passed
                record.stages.append(self._task(task, state, context))
        record.finished_at = clock.now()
        return record

    def _invoke(self, function_arn: str, payload: Any) -> Invocation:
        function_name = function_arn.split(":")[6]
        local_context = LocalLambdaContext(function_name, lambda_arn(function_name, self.region))
        return invoke(self._functions[function_arn], json.dumps(payload), local_context)

    def _task(self, name: str, state: dict[str, Any], context: Mapping[str, Any]) -> StageResult:
        task = self._states[name]
        parameters = render(task["Parameters"], state, context)
        invocation = self._invoke(parameters["FunctionName"], parameters["Payload"])
        output = json.loads(invocation.payload)
        if invocation.function_error:
            # What lambda:invoke reports for a function error: the errorType, the payload as Cause.
            error = {
                "Error": output.get("errorType", "Lambda.Unknown"),
                "Cause": invocation.payload.decode(),
            }
            return self._failed(name, output, error, state, context)
        _assign(
            state, task["ResultPath"], render(task["ResultSelector"], {"Payload": output}, context)
        )
        choice = self._states[task["Next"]]
        if choice["Type"] == "Choice":
            chosen = choose(choice, state)
            if self._states[chosen].get("Next") == NOTIFY_STATE:  # a Record* failure state
                return self._alert(name, output, chosen, state, context)
        return StageResult(name, output, failed=False)

    def _failed(
        self,
        name: str,
        output: Any,
        error: Mapping[str, Any],
        state: dict[str, Any],
        context: Mapping[str, Any],
    ) -> StageResult:
        (catcher,) = self._states[name]["Catch"]
        _assign(state, catcher["ResultPath"], dict(error))
        return self._alert(name, output, catcher["Next"], state, context)

    def _alert(
        self,
        name: str,
        output: Any,
        record_state: str,
        state: dict[str, Any],
        context: Mapping[str, Any],
    ) -> StageResult:
        """The Record* Pass state, then NotifyFailure; the walk's state forgets the failure."""
        recorder = self._states[record_state]
        if "Result" in recorder:
            _assign(state, recorder["ResultPath"], recorder["Result"])
        else:
            _assign(state, recorder["ResultPath"], render(recorder["Parameters"], state, context))
        notify = render(self._states[NOTIFY_STATE]["Parameters"], copy.deepcopy(state), context)
        invocation = self._invoke(notify["FunctionName"], notify["Payload"])
        alert = json.loads(invocation.payload)
        if invocation.function_error:
            raise RuntimeError(f"the error handler failed on {name}: {alert}")
        error_type = state.pop("failure")["error_type"]
        return StageResult(name, output, failed=True, error_type=error_type, alert=alert)
