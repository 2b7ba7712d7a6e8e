"""Create the sf_user pipeline state machine in moto and run executions to completion.

Works against whatever moto the boto3 clients reach (in-process `mock_aws` or the emulator in
`local.emulator`), with the in-process Lambda/Glue integrations of `local.moto_integrations`.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from moto.core.models import DEFAULT_ACCOUNT_ID

import statemachine
from handlers.contract import HandlerKey, function_name, resource_prefix
from local.lambda_runtime import Handler, LocalFunction, resolve_handler
from local.moto_integrations import GlueJobDouble, in_process_integrations
from statemachine import Placeholder

ACCOUNT_ID = DEFAULT_ACCOUNT_ID  # moto's
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/sf-user-pipeline-states"
TERMINAL_STATUSES = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})
POLL_SECONDS = 0.02


def glue_job_name(environment: str) -> str:
    return f"{resource_prefix(environment)}-extract"


def dbt_runner_name(environment: str) -> str:
    return f"{resource_prefix(environment)}-dbt-runner"


def lambda_arn(name: str, region: str) -> str:
    return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"


@dataclass(frozen=True)
class PipelineComponents:
    """Who plays each Lambda of the pipeline: a callable or a dotted handler path."""

    dbt_runner: Handler | str
    pipeline_validator: Handler | str
    metrics_publisher: Handler | str
    error_handler: Handler | str
    environment: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ExecutionResult:
    execution_arn: str
    status: str
    output: Any
    error: str | None
    cause: str | None
    history: list[dict[str, Any]]

    def entered_states(self) -> list[str]:
        """Names of the states in the order the execution entered them."""
        return [
            event["stateEnteredEventDetails"]["name"]
            for event in self.history
            if "stateEnteredEventDetails" in event
        ]


class LocalPipeline:
    """The pipeline state machine, created in moto, ready to run executions."""

    def __init__(self, state_machine_arn: str, region: str) -> None:
        self.state_machine_arn = state_machine_arn
        self._sfn = boto3.client("stepfunctions", region_name=region)

    def run(
        self, name: str, execution_input: Mapping[str, Any] | None = None, timeout: float = 30.0
    ) -> ExecutionResult:
        execution_arn = self._sfn.start_execution(
            stateMachineArn=self.state_machine_arn,
            name=name,
            input=json.dumps(dict(execution_input or {})),
        )["executionArn"]
        deadline = time.monotonic() + timeout
        while (described := self._sfn.describe_execution(executionArn=execution_arn))[
            "status"
        ] not in TERMINAL_STATUSES:
            if time.monotonic() > deadline:
                raise TimeoutError(f"execution {name} still {described['status']} after {timeout}s")
            time.sleep(POLL_SECONDS)
        history = self._sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)
        output = described.get("output")
        return ExecutionResult(
            execution_arn=execution_arn,
            status=described["status"],
            output=json.loads(output) if output else None,
            error=described.get("error"),
            cause=described.get("cause"),
            history=history["events"],
        )


def substitutions(environment: str, region: str) -> dict[str, str]:
    """Placeholder values naming this environment's Glue job and functions."""
    return {
        Placeholder.GLUE_JOB_NAME: glue_job_name(environment),
        Placeholder.DBT_RUNNER_FUNCTION_ARN: lambda_arn(dbt_runner_name(environment), region),
        Placeholder.PIPELINE_VALIDATOR_FUNCTION_ARN: lambda_arn(
            function_name(environment, HandlerKey.PIPELINE_VALIDATOR), region
        ),
        Placeholder.METRICS_PUBLISHER_FUNCTION_ARN: lambda_arn(
            function_name(environment, HandlerKey.METRICS_PUBLISHER), region
        ),
        Placeholder.ERROR_HANDLER_FUNCTION_ARN: lambda_arn(
            function_name(environment, HandlerKey.ERROR_HANDLER), region
        ),
    }


def _functions(components: PipelineComponents, environment: str) -> dict[str, LocalFunction]:
    def local(target: Handler | str) -> LocalFunction:
        return LocalFunction(resolve_handler(target), components.environment)

    return {
        dbt_runner_name(environment): local(components.dbt_runner),
        function_name(environment, HandlerKey.PIPELINE_VALIDATOR): local(
            components.pipeline_validator
        ),
        function_name(environment, HandlerKey.METRICS_PUBLISHER): local(
            components.metrics_publisher
        ),
        function_name(environment, HandlerKey.ERROR_HANDLER): local(components.error_handler),
    }


@contextlib.contextmanager
def local_pipeline(
    components: PipelineComponents,
    glue_job: GlueJobDouble,
    environment: str = "local",
    region: str = "us-east-1",
) -> Iterator[LocalPipeline]:
    """Create the Glue job and the state machine in the active moto, and route its tasks."""
    job_name = glue_job_name(environment)
    with in_process_integrations(_functions(components, environment), {job_name: glue_job}):
        boto3.client("glue", region_name=region).create_job(
            Name=job_name,
            Role=ROLE_ARN,
            Command={"Name": "glueetl", "ScriptLocation": f"s3://{job_name}/extract.py"},
        )
        state_machine_arn = boto3.client("stepfunctions", region_name=region).create_state_machine(
            name=resource_prefix(environment),
            definition=statemachine.definition_json(substitutions(environment, region)),
            roleArn=ROLE_ARN,
        )["stateMachineArn"]
        yield LocalPipeline(state_machine_arn, region)
