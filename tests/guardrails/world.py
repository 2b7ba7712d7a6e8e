"""Every handler path, run in moto with the environment the mocked program gives each function.

`stack_world(run)` creates what the stack's config points at (the alert topics, the
dbt artifacts and Athena results buckets, the validator's workgroup) under the ARNs the program
used, and answers Athena queries by running their SQL on a DuckDB warehouse (the validator's SQL
is the same text on both engines; its `information_schema` lookup too). The warehouse has both
tables: the ingestion validation reads the dimension's current users as well as the extracts.
The workgroup is the program's own (enforcing its results location) or, when the stack names an
existing one, one that does not enforce a location, so the location the validator sends is where
Athena writes (`athena_result_objects`). `handler_paths()` lists the invocations that cover each
handler: every route, every artifact source, both validation types, the canary's self-test, and
the error handler's de-duplication table.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import botocore.exceptions
import duckdb
import pytest
from moto.athena.models import AthenaBackend, QueryResults, athena_backends
from moto.dynamodb.models import dynamodb_backends

from components.handler_table import HANDLERS as SPECS
from handlers import aws_clients, error_handler, metrics_publisher, pipeline_validator
from handlers.contract import (
    SELF_TEST_KEY,
    EnvVar,
    HandlerKey,
    function_name,
)
from handlers.publishing.event import S3Reference
from handlers.validation.settings import Columns
from local.emulator import Emulator
from local.monitoring import create_handler_tables
from tests.guardrails.programs import function_named
from tests.handlers import events
from tests.handlers.validation.conftest import athena_row, build_warehouse
from tests.infra.pulumi_harness import StackRun

Handler = Callable[[Any, Any], Any]
HANDLERS: Mapping[HandlerKey, Handler] = {
    HandlerKey.METRICS_PUBLISHER: metrics_publisher.handler,
    HandlerKey.ERROR_HANDLER: error_handler.handler,
    HandlerKey.PIPELINE_VALIDATOR: pipeline_validator.handler,
}
assert set(HANDLERS) == set(SPECS)


@dataclass
class LambdaContext:
    function_name: str
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:guardrails"
    aws_request_id: str = "guardrails-request"

    def get_remaining_time_in_millis(self) -> int:
        """Powertools idempotency bounds the in-progress mark by the invocation's time left."""
        return 30_000


def function_environment(run: StackRun, handler: HandlerKey) -> dict[str, str]:
    """The function's environment variables as the program set them (ARNs resolved by mocks)."""
    environment = run.config["sf-user-monitoring:environment"]
    function = function_named(run, function_name(environment, handler))
    return {str(k): str(v) for k, v in function.state["environment"]["variables"].items()}


def stack_account(run: StackRun) -> str:
    return run.config["sf-user-monitoring:stateMachineArn"].split(":")[4]


def _athena_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        moment = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return moment.isoformat(sep=" ", timespec="milliseconds")
    return str(value)


def _athena_type(value: Any) -> str:
    for kind, name in ((bool, "boolean"), (int, "bigint"), (float, "double"),
                       (Decimal, "decimal"), (datetime, "timestamp"), (date, "date")):  # fmt: skip
        if isinstance(value, kind):
            return name
    return "varchar"


@functools.cache
def _duckdb_result(warehouse: Path, query: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        connection.execute("SET TimeZone='UTC'")
        cursor = connection.execute(query)
        return [column[0] for column in cursor.description or ()], cursor.fetchall()


def duckdb_answers(warehouse: Path) -> Callable[..., str]:
    """A replacement for moto's start_query_execution that queues DuckDB's result set."""
    original = AthenaBackend.start_query_execution

    def start(self: AthenaBackend, query: str, *args: Any, **kwargs: Any) -> str:
        names, rows = _duckdb_result(warehouse, query)
        types = [_athena_type(next((r[i] for r in rows if r[i] is not None), "")) for i in
                 range(len(names))]  # fmt: skip
        self.query_results_queue.append(
            QueryResults(
                rows=[athena_row(*names), *(athena_row(*map(_athena_text, r)) for r in rows)],
                column_info=[
                    {"Name": n, "Label": n, "Type": t} for n, t in zip(names, types, strict=True)
                ],
            )
        )
        return original(self, query, *args, **kwargs)

    return start


@dataclass(frozen=True)
class HandlerPath:
    name: str
    handler: HandlerKey
    event: dict[str, Any]


def _artifact_uri(environment: Mapping[str, str], run: StackRun, name: str) -> str:
    base = run.config["sf-user-monitoring:dbtArtifactsS3Uri"].rstrip("/")
    return f"{base}/{name}/run_results.json"


def handler_paths(run: StackRun) -> list[HandlerPath]:
    """Invocations that between them exercise every AWS call each handler can make."""
    by_reference = events.publisher_event(
        status="FAILED",
        dbt={
            "run": {"s3_uri": _artifact_uri({}, run, "run")},
            "test": {"s3_uri": _artifact_uri({}, run, "test")},
        },
    )
    execution = {**events.EXECUTION, "Id": run.config["sf-user-monitoring:stateMachineArn"]
                 .replace(":stateMachine:", ":execution:") + ":run-1"}  # fmt: skip
    return [
        HandlerPath(
            "publisher-inline", HandlerKey.METRICS_PUBLISHER, events.full_publisher_event()
        ),
        HandlerPath("publisher-s3-artifacts", HandlerKey.METRICS_PUBLISHER, by_reference),
        HandlerPath("error-critical-route", HandlerKey.ERROR_HANDLER, events.glue_catch()),
        HandlerPath("error-warning-route", HandlerKey.ERROR_HANDLER, events.dbt_test_catch()),
        HandlerPath(
            "validator-ingestion",
            HandlerKey.PIPELINE_VALIDATOR,
            {
                "validation_type": "ingestion",
                "execution": execution,
                "glue_job": events.glue_job_run(),
            },
        ),
        HandlerPath(
            "validator-scd",
            HandlerKey.PIPELINE_VALIDATOR,
            {"validation_type": "scd_integrity", "execution": execution},
        ),
        *(
            HandlerPath(f"{prefix}-self-test", handler, {SELF_TEST_KEY: True})
            for prefix, handler in (
                ("publisher", HandlerKey.METRICS_PUBLISHER),
                ("error", HandlerKey.ERROR_HANDLER),
                ("validator", HandlerKey.PIPELINE_VALIDATOR),
            )
        ),
    ]


def _create_bucket(name: str, region: str) -> None:
    location = {} if region == "us-east-1" else {"LocationConstraint": region}
    aws_clients.client("s3").create_bucket(
        Bucket=name, **({"CreateBucketConfiguration": location} if location else {})
    )


def _create_dedupe_table(run: StackRun) -> None:
    """The de-duplication table as the stack creates it (Powertools' key and TTL attributes)."""
    in_moto = cast(Emulator, SimpleNamespace(client=aws_clients.client))
    create_handler_tables(in_moto, function_environment(run, HandlerKey.ERROR_HANDLER))


def _create_targets(run: StackRun) -> None:
    region = run.config["aws:region"]
    topics = (EnvVar.CRITICAL_TOPIC_ARN, EnvVar.WARNING_TOPIC_ARN, EnvVar.SELF_TEST_TOPIC_ARN)
    for handler in HandlerKey:
        env = function_environment(run, handler)
        for variable in (v for v in topics if v in env):
            aws_clients.client("sns").create_topic(Name=env[variable].rsplit(":", 1)[-1])
    _create_dedupe_table(run)
    env = function_environment(run, HandlerKey.PIPELINE_VALIDATOR)
    s3 = aws_clients.client("s3")
    _create_bucket(env[EnvVar.S3_RESULTS_BUCKET], region)
    aws_clients.client("athena").create_work_group(
        Name=env[EnvVar.ATHENA_WORKGROUP], Configuration=workgroup_configuration(run)
    )
    artifacts = S3Reference(s3_uri=_artifact_uri({}, run, "x"))
    _create_bucket(artifacts.bucket, region)
    for name, fixture in (("run", "run_pass"), ("test", "build_warn")):
        reference = S3Reference(s3_uri=_artifact_uri({}, run, name))
        body = json.dumps(events.run_results(fixture)).encode()
        s3.put_object(Bucket=reference.bucket, Key=reference.key, Body=body)


def workgroup_configuration(run: StackRun) -> dict[str, Any]:
    """The validator's workgroup as Athena holds it: the one the program creates, or an existing
    one that leaves the results location to each query."""
    created = run.of_type("aws:athena/workgroup:Workgroup")
    if not created:
        return {"EnforceWorkGroupConfiguration": False}
    configuration = created[0].inputs["configuration"]
    return {
        "EnforceWorkGroupConfiguration": configuration["enforceWorkgroupConfiguration"],
        "ResultConfiguration": {
            "OutputLocation": configuration["resultConfiguration"]["outputLocation"]
        },
    }


def athena_result_objects(run: StackRun) -> list[str]:
    """The S3 object of each query moto ran, where Athena writes its results: the workgroup's
    location when the workgroup enforces one, else the query's own (Athena API reference,
    `ResultConfiguration.OutputLocation`)."""
    backend = athena_backends[stack_account(run)][run.config["aws:region"]]
    objects = []
    for execution in backend.executions.values():
        workgroup = execution.workgroup.configuration if execution.workgroup else {}
        enforced = workgroup.get("ResultConfiguration", {}).get("OutputLocation")
        if workgroup.get("EnforceWorkGroupConfiguration") and enforced:
            objects.append(f"{enforced.rstrip('/')}/{execution.id}.csv")
        else:  # moto appends `<id>.csv` to the query's own location, as Athena does
            location = (execution.config or {}).get("OutputLocation")
            assert location, f"query {execution.id}: Athena would refuse it, no output location"
            objects.append(location)
    return objects


@contextmanager
def dedupe_table_missing(run: StackRun) -> Iterator[None]:
    """The error handler's de-duplication table deleted (recreated, empty, afterwards)."""
    table = function_environment(run, HandlerKey.ERROR_HANDLER)[EnvVar.IDEMPOTENCY_TABLE]
    aws_clients.client("dynamodb").delete_table(TableName=table)
    try:
        yield
    finally:
        _create_dedupe_table(run)


@dataclass(frozen=True)
class FaultPath:
    """A handler path under a fault of the world around it: what only such faults emit."""

    path: HandlerPath
    fault: Callable[[StackRun], AbstractContextManager[None]]


@contextmanager
def dedupe_save_refused(run: StackRun) -> Iterator[None]:
    """The de-duplication store takes the in-progress record but refuses to save the result
    (UpdateItem fails after the alert went out), as an item over DynamoDB's size limit would."""
    del run
    events = aws_clients.client("dynamodb").meta.events

    def refuse(**_: Any) -> None:
        error = {"Code": "ValidationException", "Message": "Item size has exceeded the maximum"}
        raise botocore.exceptions.ClientError({"Error": error}, "UpdateItem")

    events.register("before-call.dynamodb.UpdateItem", refuse)
    try:
        yield
    finally:
        events.unregister("before-call.dynamodb.UpdateItem", refuse)


def fault_paths(run: StackRun) -> list[FaultPath]:
    [glue_catch] = [p for p in handler_paths(run) if p.name == "error-critical-route"]
    return [FaultPath(glue_catch, dedupe_table_missing), FaultPath(glue_catch, dedupe_save_refused)]


def forget_alerts(run: StackRun) -> None:
    """Empty the error handler's de-duplication table, so every failure event is new again.

    Through moto's backend: it works while a principal without dynamodb:Scan is acting.
    """
    table = function_environment(run, HandlerKey.ERROR_HANDLER).get(EnvVar.IDEMPOTENCY_TABLE)
    if table:
        backend = dynamodb_backends[stack_account(run)][run.config["aws:region"]]
        backend.get_table(table).items.clear()


@functools.cache
def warehouse() -> Path:
    """The seed-named DuckDB warehouse, built once (queries open it read-only)."""
    directory = Path(tempfile.mkdtemp(prefix="guardrails-warehouse-"))
    return build_warehouse(directory / "warehouse.duckdb", Columns()).path


@contextmanager
def stack_world(run: StackRun) -> Iterator[None]:
    """Inside an active `mock_aws()`: the stack's targets exist and Athena answers from DuckDB."""
    with pytest.MonkeyPatch.context() as patch:
        # moto serves the stack's own account and region, so every ARN the program built holds.
        patch.setenv("MOTO_ACCOUNT_ID", stack_account(run))
        patch.setenv("AWS_DEFAULT_REGION", run.config["aws:region"])
        patch.setattr(AthenaBackend, "start_query_execution", duckdb_answers(warehouse()))
        aws_clients.forget_clients()
        _create_targets(run)
        try:
            yield
        finally:
            aws_clients.forget_clients()


@contextmanager
def function_environment_applied(run: StackRun, handler: HandlerKey) -> Iterator[None]:
    """os.environ holds exactly what the program sets for `handler` (plus AWS credentials)."""
    with pytest.MonkeyPatch.context() as patch:
        for variable in EnvVar:
            patch.delenv(variable.value, raising=False)
        for name, value in function_environment(run, handler).items():
            patch.setenv(name, value)
        # Log volume only (dev logs at DEBUG); nothing a handler decides depends on it.
        patch.setenv(EnvVar.POWERTOOLS_LOG_LEVEL, "ERROR")
        metrics_publisher.settings.cache_clear()
        error_handler.settings.cache_clear()
        try:
            yield
        finally:
            metrics_publisher.settings.cache_clear()
            error_handler.settings.cache_clear()


def invoke(run: StackRun, path: HandlerPath) -> Any:
    with function_environment_applied(run, path.handler):
        context = LambdaContext(function_name=os.environ[EnvVar.POWERTOOLS_SERVICE_NAME])
        return HANDLERS[path.handler](path.event, context)
