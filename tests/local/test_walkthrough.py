"""The stage walk evaluates the reference ASL's own payload templates and failure states."""

import json
from datetime import timedelta

import pytest

from handlers import clock
from handlers.contract import ErrorType
from local.dbt_runner import DbtCommandError, DbtRunner, DbtTestsFailedError, dbt_test_ids
from local.lambda_runtime import LocalFunction
from local.walkthrough import PipelineFunctions, Walkthrough, glue_job_run, render

SCD_OUTPUT = {"validation_type": "scd_integrity", "passed": True, "checks": [],
              "records": {"processed": 3, "created": 1, "updated": 1, "deleted": 0}}  # fmt: skip


class Recorder:
    def __init__(self, validation_passes=True, dbt=None, ingestion=None):
        self.events: dict[str, list] = {}
        self.validation_passes = validation_passes
        self.dbt = dbt or DbtRunner()
        self.ingestion = ingestion or {"passed": True}

    def functions(self) -> PipelineFunctions:
        def record(name, answer):
            def handler(event, context):
                self.events.setdefault(name, []).append(event)
                return answer(event)

            return LocalFunction(handler)

        return PipelineFunctions(
            pipeline_validator=record("validator", self._validate),
            dbt_runner=record("dbt", lambda event: self.dbt(event, None)),
            metrics_publisher=record("publisher", lambda event: {"published": True}),
            error_handler=record("errors", lambda event: {"error_type": event["error_type"]}),
        )

    def _validate(self, event):
        if event["validation_type"] == "scd_integrity":
            return {**SCD_OUTPUT, "passed": self.validation_passes}
        return {"validation_type": "ingestion", "checks": [], **self.ingestion}


def _walk(recorder: Recorder, state: str = "SUCCEEDED", **options):
    walk = Walkthrough(recorder.functions(), "local", "us-east-1", **options)
    run = glue_job_run(
        walk.glue_job_name, clock.now(), state, "boom" if state != "SUCCEEDED" else None
    )
    return walk.run("run-1", run)


def test_healthy_walk_gives_the_publisher_the_state_machine_payload():
    recorder = Recorder()
    record = _walk(recorder)

    assert not record.failed and record.alerts == []
    assert [stage.state for stage in record.stages][-1] == "PublishMetrics"
    (published,) = recorder.events["publisher"]
    assert published["records"] == SCD_OUTPUT["records"]
    assert published["status"] == "SUCCEEDED"
    assert published["execution"]["Id"].endswith(":execution:sf-user-pipeline-local:run-1")
    assert published["dbt"]["test"]["results"][0]["unique_id"].startswith("test.")
    assert published["validation"]["scd"]["validation_type"] == "scd_integrity"


@pytest.mark.parametrize(
    ("ingestion", "error_type"),
    [
        ({"passed": False, "breaker_tripped": True}, ErrorType.EXTRACT_BREAKER_TRIPPED),
        ({"passed": False, "breaker_tripped": False}, ErrorType.DATA_QUALITY_FAILURE),
        ({"passed": False}, ErrorType.DATA_QUALITY_FAILURE),  # a validator without the flag
    ],
)
def test_a_failed_ingestion_takes_the_choices_branch_for_it(ingestion, error_type):
    recorder = Recorder(ingestion=ingestion)
    record = _walk(recorder, stop_at_first_failure=True)

    assert [(s.state, s.error_type) for s in record.stages] == [
        ("RunGlueJob", None), ("ValidateIngestion", error_type),
    ]  # fmt: skip
    (alert,) = recorder.events["errors"]
    assert alert["error_type"] == error_type
    assert json.loads(alert["error"]["Cause"])["passed"] is False
    assert "dbt" not in recorder.events


def test_failures_alert_as_the_catch_would_and_the_walk_goes_on():
    failing = dbt_test_ids()[0]
    recorder = Recorder(validation_passes=False, dbt=DbtRunner({failing: 2}))
    record = _walk(recorder)

    assert [s.error_type for s in record.stages if s.failed] == [
        ErrorType.DBT_TEST_FAILURE, ErrorType.SCD_VALIDATION_FAILURE,
    ]  # fmt: skip
    dbt_alert, scd_alert = recorder.events["errors"]
    assert dbt_alert["error"]["Error"] == "DbtTestsFailedError"
    assert failing in json.loads(dbt_alert["error"]["Cause"])["errorMessage"]
    assert scd_alert["error"]["Error"] == "ScdValidationFailed"
    assert json.loads(scd_alert["error"]["Cause"])["passed"] is False
    assert scd_alert["context"]["validation"]["scd"]["Payload"]["passed"] is False
    assert "failure" not in scd_alert["context"]["validation"]
    assert "publisher" not in recorder.events  # PublishMetrics is reached only if all passed


def test_like_the_state_machine_the_walk_can_stop_at_the_first_failure():
    failing = dbt_test_ids()[0]
    recorder = Recorder(validation_passes=False, dbt=DbtRunner({failing: 2}))
    record = _walk(recorder, stop_at_first_failure=True)

    assert [stage.state for stage in record.stages] == [
        "RunGlueJob", "ValidateIngestion", "RunDbt", "TestDbt",
    ]  # fmt: skip
    assert [event["error_type"] for event in recorder.events["errors"]] == [
        ErrorType.DBT_TEST_FAILURE
    ]
    assert [event["validation_type"] for event in recorder.events["validator"]] == ["ingestion"]


def test_an_execution_may_start_before_the_walk(frozen_clock):
    started = clock.now()
    frozen_clock.advance(timedelta(minutes=12))  # the Glue job ran meanwhile
    walk = Walkthrough(Recorder().functions(), "local", "us-east-1")
    record = walk.run("run-1", glue_job_run(walk.glue_job_name, started, seconds=720), started)

    assert record.started_at == started
    assert record.execution["StartTime"] == started.isoformat()
    assert record.finished_at == clock.now()


def test_failed_glue_job_alerts_with_the_job_run_and_stops():
    recorder = Recorder()
    record = _walk(recorder, "FAILED")

    (alert,) = recorder.events["errors"]
    assert alert["error_type"] == ErrorType.GLUE_JOB_FAILURE
    assert json.loads(alert["error"]["Cause"])["ErrorMessage"] == "boom"
    assert "validator" not in recorder.events
    assert len(record.stages) == 1


def test_render_evaluates_paths_context_and_json_to_string():
    template = {
        "a.$": "$.x.y",
        "b": {"c.$": "$$.Execution.Name"},
        "d.$": "States.JsonToString($.x)",
    }
    rendered = render(template, {"x": {"y": 1}}, {"Execution": {"Name": "n"}})
    assert rendered == {"a": 1, "b": {"c": "n"}, "d": '{"y":1}'}
    with pytest.raises(KeyError, match=r"\$\.x\.z is not in the state"):
        render({"a.$": "$.x.z"}, {"x": {}}, {})


def test_dbt_runner_double_answers_run_and_test_and_names_failures():
    runner = DbtRunner()
    assert all(
        n["unique_id"].startswith("model.") for n in runner({"command": "run"}, None)["results"]
    )
    assert {n["status"] for n in runner({"command": "test"}, None)["results"]} == {"pass"}
    with pytest.raises(DbtTestsFailedError, match=r"1 of \d+ tests failed: test\."):
        DbtRunner({dbt_test_ids()[0]: 1})({"command": "test"}, None)
    with pytest.raises(DbtCommandError, match="unknown dbt command 'seed'"):
        runner({"command": "seed"}, None)
    with pytest.raises(ValueError, match="no such test"):
        DbtRunner({"test.nope": 1})({"command": "test"}, None)
