"""Make moto 5.2.5 execute Step Functions definitions with in-process Lambda and Glue doubles.

moto runs ASL for real with its `stepfunctions.parser` backend once
`{"stepfunctions": {"execute_state_machine": True}}` is in its user config. Its task states then
call moto's own Lambda and Glue backends, so these patches make a local run possible:

* Lambda: moto would run the function's code in a Docker container. `LambdaBackend.invoke` is
  patched so functions named in the routing table run as Python callables in this process (see
  `local.lambda_runtime`); other names keep moto's behaviour.
* Glue: moto's job runs always succeed. Its `FakeJobRun` is swapped for a subclass whose terminal
  state and error message come from a Python double of the user's Glue job.
* Time: the interpreter stamps executions with the host clock; `local.clock_alignment` makes it
  read `handlers.clock`, so `$$.Execution.StartTime` agrees with the handlers' "now".
* `.sync` service integrations crash in moto 5.2.5: `StateTaskServiceCallback.
  _eval_integration_pattern` calls `callback_endpoint.interrupt_all()` in a `finally` block
  although the endpoint is None for integrations without `.waitForTaskToken` (Glue's
  `startJobRun.sync`), which fails every such task with States.Runtime (the same bug in the
  LocalStack interpreter moto ports: localstack/localstack#13705). The patch runs the same
  sync polling without that call; heartbeats are not supported on this path. moto would also
  put boto3's `datetime` objects into the state (which then fails to serialise); the patch
  converts them to epoch milliseconds, the form Step Functions gives Glue's JobRun timestamps.

The patches are process-wide, so they serve both `mock_aws` and a `ThreadedMotoServer`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from unittest import mock

from moto.awslambda.models import LambdaBackend
from moto.core.config import default_user_config
from moto.glue import models as glue_models
from moto.stepfunctions.parser import models as sfn_models
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_callback as callback_module,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import (
    ResourceCondition,
)
from moto.stepfunctions.parser.backend import execution as sfn_execution

from local.clock_alignment import follow_clock
from local.lambda_runtime import LocalFunction, LocalLambdaContext, invoke

# moto polls a `.sync` job every 0.5 s; the scripted Glue runs end at once, so poll faster.
SYNC_POLL_SECONDS = 0.02

StateTaskServiceCallback = callback_module.StateTaskServiceCallback

GlueTerminalState = Literal["SUCCEEDED", "FAILED", "TIMEOUT", "ERROR", "STOPPED"]


@dataclass(frozen=True)
class GlueRunOutcome:
    """How a run of the user's Glue job ends."""

    state: GlueTerminalState = "SUCCEEDED"
    error_message: str | None = None
    execution_time_seconds: int = 60


GlueJobDouble = Callable[[str, Mapping[str, str]], GlueRunOutcome]


def function_name_of(name_or_arn: str) -> str:
    """`arn:aws:lambda:r:a:function:name[:qualifier]` or `name` -> `name`."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn.split(":")[6]
    return name_or_arn


def _lambda_invoke_patch(functions: Mapping[str, LocalFunction]) -> Callable[..., Any]:
    original = LambdaBackend.invoke

    def routed_invoke(  # noqa: PLR0917 - moto's LambdaBackend.invoke signature
        self: LambdaBackend,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: dict[str, str],
    ) -> Any:
        name = function_name_of(function_name)
        if name not in functions:
            return original(self, function_name, qualifier, body, headers, response_headers)
        arn = f"arn:aws:lambda:{self.region_name}:{self.account_id}:function:{name}"
        invocation = invoke(functions[name], body, LocalLambdaContext(name, arn))
        if invocation.function_error:
            response_headers["x-amz-function-error"] = invocation.function_error
        response_headers["Content-Length"] = str(len(invocation.payload))
        return invocation.payload

    return routed_invoke


def _scripted_job_run_class(glue_jobs: Mapping[str, GlueJobDouble]) -> type[Any]:
    original: type[Any] = glue_models.FakeJobRun

    class ScriptedJobRun(original):  # type: ignore[misc]
        def __init__(self, job_name: str, **kwargs: Any) -> None:
            super().__init__(job_name=job_name, **kwargs)
            double = glue_jobs.get(job_name)
            self.outcome = double(job_name, dict(kwargs.get("arguments") or {})) if double else None
            if self.outcome is not None:
                self._transitions = [("STARTING", "RUNNING"), ("RUNNING", self.outcome.state)]

        def as_dict(self) -> dict[str, Any]:
            run: dict[str, Any] = super().as_dict()
            if self.outcome is not None:
                run["ExecutionTime"] = self.outcome.execution_time_seconds
                if self.outcome.error_message:
                    run["ErrorMessage"] = self.outcome.error_message
            return run

    return ScriptedJobRun


_original_eval_integration_pattern = StateTaskServiceCallback._eval_integration_pattern


def _eval_integration_pattern_without_callback(
    self: StateTaskServiceCallback,
    env: Any,
    resource_runtime_part: Any,
    normalised_parameters: dict[str, Any],
    state_credentials: Any,
) -> None:
    uses_callback = ResourceCondition.WaitForTaskToken in self._supported_integration_patterns
    if uses_callback or self.resource.condition != ResourceCondition.Sync:
        _original_eval_integration_pattern(
            self, env, resource_runtime_part, normalised_parameters, state_credentials
        )
        return
    # Same order as moto's version: the task output stays on the stack for the sync resolver.
    self.timeout.eval(env=env)
    timeout_seconds = env.stack.pop()
    sync_resolver = self._build_sync_resolver(
        env=env,
        resource_runtime_part=resource_runtime_part,
        normalised_parameters=normalised_parameters,
        state_credentials=state_credentials,
    )
    outcome = self._eval_sync(
        env=env,
        sync_resolver=sync_resolver,
        timeout_seconds=timeout_seconds,
        callback_endpoint=None,
        heartbeat_endpoint=None,
    )
    env.stack.append(_epoch_millis(outcome))


def _epoch_millis(value: Any) -> Any:
    """Timestamps as Step Functions serialises them in `.sync` outputs: epoch milliseconds."""
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    if isinstance(value, dict):
        return {key: _epoch_millis(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_epoch_millis(item) for item in value]
    return value


@contextlib.contextmanager
def in_process_integrations(
    functions: Mapping[str, LocalFunction],
    glue_jobs: Mapping[str, GlueJobDouble],
) -> Iterator[None]:
    """Execute state machines in moto, with `functions` (by name) and `glue_jobs` in-process."""
    unknown = [name for name in functions if name != function_name_of(name)]
    if unknown:
        raise ValueError(f"route Lambda functions by name, not ARN: {unknown}")
    sfn_config = {**default_user_config.get("stepfunctions", {}), "execute_state_machine": True}
    with (
        mock.patch.dict(default_user_config, {"stepfunctions": sfn_config}),
        mock.patch.object(LambdaBackend, "invoke", _lambda_invoke_patch(functions)),
        mock.patch.object(glue_models, "FakeJobRun", _scripted_job_run_class(glue_jobs)),
        mock.patch.object(
            StateTaskServiceCallback,
            "_eval_integration_pattern",
            _eval_integration_pattern_without_callback,
        ),
        mock.patch.object(
            callback_module, "_DELAY_SECONDS_SYNC_CONDITION_CHECK", SYNC_POLL_SECONDS
        ),
        follow_clock((sfn_models, "datetime"), (sfn_execution, "datetime")),
    ):
        yield
