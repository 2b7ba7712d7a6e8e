"""The real pipeline ASL executes in moto with test doubles of the user's Glue job and dbt runner
and of the monitoring handlers: every Catch and Choice path reaches the error handler."""

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from handlers.contract import ErrorType
from local.lambda_runtime import LocalFunction, LocalLambdaContext, invoke, resolve_handler
from local.moto_integrations import GlueRunOutcome, in_process_integrations
from local.stepfunctions_runner import LocalPipeline, PipelineComponents, local_pipeline

RUN_RESULTS = json.loads(Path("tests/fixtures/dbt/run_results_run_pass.json").read_text())
RECORDS = {"processed": 154, "created": 9, "updated": 6, "deleted": 2}


class DbtTestsFailedError(Exception):
    pass


class Scenario:
    """What each double does in the current test, and what each one received."""

    def __init__(self) -> None:
        self.glue = GlueRunOutcome()
        self.checks_pass = {"ingestion": True, "scd_integrity": True}
        self.ingestion_fields: dict[str, Any] = {}  # beyond the ones every validator reports
        self.dbt_fails: set[str] = set()
        self.failing_handlers: set[str] = set()
        self.events: dict[str, list[Any]] = {}

    def _record(self, name: str, event: Any) -> None:
        self.events.setdefault(name, []).append(event)
        if name in self.failing_handlers:
            raise RuntimeError(f"{name} is down")

    def glue_job(self, job_name: str, arguments: dict) -> GlueRunOutcome:
        return self.glue

    def dbt_runner(self, event: dict, context: Any) -> dict:
        self._record("dbt", event)
        if event["command"] in self.dbt_fails:
            raise DbtTestsFailedError(f"dbt {event['command']} failed: 2 of 30 tests failed")
        return {**RUN_RESULTS, "args": {"which": event["command"]}}

    def validator(self, event: dict, context: Any) -> dict:
        self._record("validator", event)
        validation_type = event["validation_type"]
        passed = self.checks_pass[validation_type]
        check = {"name": "freshness", "passed": passed, "observed": 1, "threshold": 6}
        records = RECORDS if validation_type == "scd_integrity" else None
        extra = self.ingestion_fields if validation_type == "ingestion" else {}
        return {"validation_type": validation_type, "passed": passed, "checks": [check],
                "records": records, **extra}  # fmt: skip

    def metrics_publisher(self, event: dict, context: Any) -> dict:
        self._record("metrics", event)
        return {"metrics": 12, "calls": 1}

    def error_handler(self, event: dict, context: Any) -> dict:
        self._record("errors", event)
        return {"error_type": event["error_type"], "severity": "HIGH"}


@pytest.fixture(scope="module")
def pipeline_and_scenario() -> Iterator[tuple[LocalPipeline, Scenario]]:
    holder: dict[str, Scenario] = {}

    def current() -> Scenario:
        return holder["scenario"]

    components = PipelineComponents(
        dbt_runner=lambda event, context: current().dbt_runner(event, context),
        pipeline_validator=lambda event, context: current().validator(event, context),
        metrics_publisher=lambda event, context: current().metrics_publisher(event, context),
        error_handler=lambda event, context: current().error_handler(event, context),
        environment={"ENVIRONMENT": "local"},
    )
    with (
        mock_aws(),
        local_pipeline(components, lambda name, args: current().glue_job(name, args)) as pipe,
    ):
        holder["scenario"] = Scenario()
        yield pipe, holder["scenario"]


@pytest.fixture
def scenario(pipeline_and_scenario) -> Scenario:
    _, shared = pipeline_and_scenario
    shared.__init__()
    return shared


@pytest.fixture
def pipeline(pipeline_and_scenario) -> LocalPipeline:
    return pipeline_and_scenario[0]


def _run(pipeline: LocalPipeline, request: pytest.FixtureRequest):
    return pipeline.run(request.node.name.replace("[", "-").replace("]", "")[:80])


def test_healthy_run_publishes_metrics_with_the_contract_payload(pipeline, scenario, request):
    result = _run(pipeline, request)

    assert result.status == "SUCCEEDED"
    assert "errors" not in scenario.events
    (metrics_event,) = scenario.events["metrics"]
    assert metrics_event["status"] == "SUCCEEDED"
    assert metrics_event["execution"]["Id"] == result.execution_arn
    assert metrics_event["glue_job"]["JobRunState"] == "SUCCEEDED"
    assert isinstance(metrics_event["glue_job"]["StartedOn"], int)
    assert metrics_event["dbt"]["run"]["results"] == RUN_RESULTS["results"]
    assert metrics_event["dbt"]["test"]["args"] == {"which": "test"}
    assert metrics_event["validation"]["ingestion"]["validation_type"] == "ingestion"
    assert metrics_event["validation"]["scd"]["validation_type"] == "scd_integrity"
    assert metrics_event["records"] == RECORDS
    assert [e["command"] for e in scenario.events["dbt"]] == ["run", "test"]
    assert result.output["metrics"] == {"Payload": {"metrics": 12, "calls": 1}}


def test_validator_gets_execution_context_and_glue_job_run(pipeline, scenario, request):
    result = _run(pipeline, request)

    ingestion, scd = scenario.events["validator"]
    assert [ingestion["validation_type"], scd["validation_type"]] == ["ingestion", "scd_integrity"]
    assert ingestion["execution"]["Id"] == result.execution_arn
    assert set(ingestion["execution"]) >= {"Id", "Name", "StartTime"}
    assert scd["glue_job"] == ingestion["glue_job"] == result.output["glue_job"]
    assert ingestion["glue_job"]["JobName"] == "sf-user-pipeline-local-extract"


@pytest.mark.parametrize(
    ("setup", "entered", "error_type"),
    [
        (lambda s: setattr(s, "glue", GlueRunOutcome("FAILED", "OutOfMemoryError")),
         "RecordGlueJobFailure", ErrorType.GLUE_JOB_FAILURE),
        (lambda s: s.failing_handlers.add("validator"),
         "RecordValidationFailure", ErrorType.VALIDATION_FAILURE),
        (lambda s: s.checks_pass.update(ingestion=False),
         "RecordDataQualityFailure", ErrorType.DATA_QUALITY_FAILURE),
        (lambda s: (s.checks_pass.update(ingestion=False),
                    s.ingestion_fields.update(breaker_tripped=False)),
         "RecordDataQualityFailure", ErrorType.DATA_QUALITY_FAILURE),
        (lambda s: (s.checks_pass.update(ingestion=False),
                    s.ingestion_fields.update(breaker_tripped=True)),
         "RecordExtractBreakerTripped", ErrorType.EXTRACT_BREAKER_TRIPPED),
        (lambda s: s.dbt_fails.add("run"), "RecordDbtRunFailure", ErrorType.DBT_RUN_FAILURE),
        (lambda s: s.dbt_fails.add("test"), "RecordDbtTestFailure", ErrorType.DBT_TEST_FAILURE),
        (lambda s: s.checks_pass.update(scd_integrity=False),
         "RecordScdValidationFailure", ErrorType.SCD_VALIDATION_FAILURE),
        (lambda s: s.failing_handlers.add("metrics"), "RecordMetricsFailure", ErrorType.UNKNOWN),
    ],
    ids=["glue", "validator-crash", "ingestion-checks-without-breaker-flag", "ingestion-checks",
         "breaker", "dbt-run", "dbt-test", "scd-checks", "metrics"],
)  # fmt: skip
def test_each_failure_reaches_the_error_handler_with_its_type(
    pipeline, scenario, request, setup, entered, error_type
):
    setup(scenario)
    result = _run(pipeline, request)

    assert result.status == "FAILED"
    assert result.error == error_type
    assert entered in result.entered_states()
    assert result.entered_states()[-2:] == ["NotifyFailure", "PipelineFailed"]
    (event,) = scenario.events["errors"]
    assert event["error_type"] == error_type
    assert set(event["error"]) == {"Error", "Cause"}
    assert isinstance(event["error"]["Cause"], str)
    assert event["execution"]["Id"] == result.execution_arn
    assert event["context"]["failure"]["error_type"] == error_type
    assert result.cause == event["error"]["Cause"]


def test_glue_failure_cause_carries_the_job_run(pipeline, scenario, request):
    scenario.glue = GlueRunOutcome("FAILED", "OutOfMemoryError: Java heap space")
    result = _run(pipeline, request)

    (event,) = scenario.events["errors"]
    assert event["error"]["Error"] == "States.TaskFailed"
    job_run = json.loads(event["error"]["Cause"])
    assert job_run["JobRunState"] == "FAILED"
    assert job_run["ErrorMessage"] == "OutOfMemoryError: Java heap space"
    assert "validator" not in scenario.events
    assert result.entered_states()[:2] == ["RunGlueJob", "RecordGlueJobFailure"]


def test_failed_checks_send_the_validator_output_as_cause(pipeline, scenario, request):
    scenario.checks_pass["scd_integrity"] = False
    _run(pipeline, request)

    (event,) = scenario.events["errors"]
    assert event["error"]["Error"] == "ScdValidationFailed"
    assert json.loads(event["error"]["Cause"]) == event["context"]["validation"]["scd"]["Payload"]
    assert "metrics" not in scenario.events


def test_handler_exception_becomes_lambda_error_type(pipeline, scenario, request):
    scenario.dbt_fails.add("test")
    _run(pipeline, request)

    (event,) = scenario.events["errors"]
    assert event["error"]["Error"] == "DbtTestsFailedError"
    cause = json.loads(event["error"]["Cause"])
    assert cause["errorMessage"] == "dbt test failed: 2 of 30 tests failed"
    assert cause["errorType"] == "DbtTestsFailedError"


def test_error_handler_failure_still_fails_the_execution(pipeline, scenario, request):
    scenario.dbt_fails.add("run")
    scenario.failing_handlers.add("errors")
    result = _run(pipeline, request)

    assert result.status == "FAILED"
    assert result.error == ErrorType.DBT_RUN_FAILURE
    assert result.entered_states()[-2:] == ["NotifyFailure", "PipelineFailed"]


def test_handler_environment_is_set_during_the_call_only(monkeypatch):
    monkeypatch.delenv("ENVIRONMENT", raising=False)
    seen = {}

    def handler(event, context):
        seen["env"] = os.environ.get("ENVIRONMENT")
        seen["function"] = context.function_name
        return {"echo": event}

    context = LocalLambdaContext("fn", "arn:aws:lambda:us-east-1:1:function:fn")
    invocation = invoke(LocalFunction(handler, {"ENVIRONMENT": "local"}), b'{"a": 1}', context)

    assert json.loads(invocation.payload) == {"echo": {"a": 1}}
    assert invocation.function_error is None
    assert seen == {"env": "local", "function": "fn"}
    assert "ENVIRONMENT" not in os.environ


def test_non_json_result_is_a_function_error():
    context = LocalLambdaContext("fn", "arn:aws:lambda:us-east-1:1:function:fn")
    invocation = invoke(LocalFunction(lambda event, context: {1, 2}), None, context)

    assert invocation.function_error == "Unhandled"
    assert json.loads(invocation.payload)["errorType"] == "TypeError"


def test_resolve_handler_imports_dotted_paths_and_names_bad_ones():
    assert resolve_handler("json.dumps") is json.dumps
    with pytest.raises(ValueError, match=r"package\.module\.function"):
        resolve_handler("handler")
    with pytest.raises(ValueError, match="does not name a callable"):
        resolve_handler("json.__doc__")


def test_routes_are_keyed_by_function_name():
    routes = {"arn:aws:lambda:us-east-1:1:function:x": LocalFunction(json.dumps)}
    with pytest.raises(ValueError, match="by name, not ARN"), in_process_integrations(routes, {}):
        pass
