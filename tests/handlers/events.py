"""Realistic sample inputs for the handlers, reusable by state-machine and integration tests.

Shapes follow the real services: `$$.Execution` from Step Functions, the Glue `JobRun` that
`glue:startJobRun.sync` returns (dates as epoch milliseconds, as Step Functions serialises
them), Lambda errors as Step Functions reports them in `Cause`, dbt `run_results.json`
(derived from the real dbt-core 1.10 artifacts in tests/fixtures/dbt), and EventBridge events
from `aws.states` and `aws.glue`.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.frozen_time import FROZEN_NOW, iso_z

ACCOUNT = "123456789012"
REGION = "us-east-1"
STATE_MACHINE = "sf-user-pipeline-dev"
# The run started at the frozen now; the Glue job took 412 s and the execution ended 7 min later.
START_AT = FROZEN_NOW + timedelta(milliseconds=123)
GLUE_STARTED_AT = FROZEN_NOW + timedelta(seconds=1)
GLUE_COMPLETED_AT = FROZEN_NOW + timedelta(minutes=7, seconds=2)
STOP_AT = GLUE_COMPLETED_AT + timedelta(milliseconds=456)
RUN_DATE = START_AT.date().isoformat()
EXECUTION_NAME = f"run-{START_AT:%Y-%m-%dT%H-%M}"
EXECUTION_ARN = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{STATE_MACHINE}:{EXECUTION_NAME}"
STATE_MACHINE_ARN = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{STATE_MACHINE}"
START_TIME = iso_z(START_AT)
GLUE_JOB_NAME = "sf-user-extract-dev"
GLUE_RUN_ID = "jr_4c6d0f3e9a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5"
DBT_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "dbt"


def epoch_ms(moment: datetime) -> int:
    """Step Functions serialises Glue's and EventBridge's dates as epoch milliseconds."""
    return round(moment.timestamp() * 1000)


EXECUTION: dict[str, Any] = {
    "Id": EXECUTION_ARN,
    "Input": {"run_date": RUN_DATE},
    "Name": EXECUTION_NAME,
    "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/{STATE_MACHINE}-role",
    "StartTime": START_TIME,
    "RedriveCount": 0,
}


def glue_job_run(state: str = "SUCCEEDED", error_message: str | None = None) -> dict[str, Any]:
    run: dict[str, Any] = {
        "Id": GLUE_RUN_ID,
        "Attempt": 0,
        "JobName": GLUE_JOB_NAME,
        "JobMode": "SCRIPT",
        "StartedOn": epoch_ms(GLUE_STARTED_AT),
        "LastModifiedOn": epoch_ms(GLUE_COMPLETED_AT),
        "CompletedOn": epoch_ms(GLUE_COMPLETED_AT),
        "JobRunState": state,
        "PredecessorRuns": [],
        "AllocatedCapacity": 2,
        "ExecutionTime": 412,
        "Timeout": 120,
        "MaxCapacity": 2.0,
        "WorkerType": "G.1X",
        "NumberOfWorkers": 2,
        "LogGroupName": "/aws-glue/jobs",
        "GlueVersion": "4.0",
    }
    if error_message is not None:
        run["ErrorMessage"] = error_message
    return run


GLUE_ERROR_MESSAGE = (
    "An error occurred while calling o112.load. INVALID_SESSION_ID: Session expired or invalid"
)


def run_results(name: str) -> dict[str, Any]:
    """A real run_results.json from tests/fixtures/dbt (`run_pass`, `build_pass`, `build_warn`)."""
    return json.loads((DBT_FIXTURES / f"run_results_{name}.json").read_text())


def failing_model_results() -> dict[str, Any]:
    """`dbt run` where stg_orders errors and the two models built on it are skipped."""
    results = copy.deepcopy(run_results("run_pass"))
    for node in results["results"]:
        if node["unique_id"] == "model.jaffle_shop.stg_orders":
            node.update(
                status="error",
                message="Runtime Error in model stg_orders (models/staging/stg_orders.sql)\n"
                '  Binder Error: Referenced column "order_date" not found',
                adapter_response={},
            )
        elif node["unique_id"] in {"model.jaffle_shop.orders", "model.jaffle_shop.customers"}:
            node.update(status="skipped", message=None)
    return results


FAILING_TESTS = {
    "test.jaffle_shop.unique_orders_order_id.fed79b3a6e": 3,
    "test.jaffle_shop.not_null_customers_customer_id.5c9bf9911d": 1,
}


def failing_test_results() -> dict[str, Any]:
    """`dbt build` where two tests fail (3 and 1 failing rows); one test errors."""
    results = copy.deepcopy(run_results("build_pass"))
    for node in results["results"]:
        if node["unique_id"] in FAILING_TESTS:
            failures = FAILING_TESTS[node["unique_id"]]
            node.update(
                status="fail",
                failures=failures,
                message=f"Got {failures} result{'s' if failures > 1 else ''}, "
                "configured to fail if != 0",
            )
    return results


def lambda_error_cause(error_type: str, message: str) -> str:
    """A Lambda function error as Step Functions' lambda:invoke reports it in `Cause`."""
    return json.dumps(
        {
            "errorMessage": message,
            "errorType": error_type,
            "requestId": "6f1c2f0e-2f6b-4d7f-9a55-3c3bbd1f0e11",
            "stackTrace": ['  File "/var/task/runner.py", line 88, in handler\n'],
        }
    )


def validator_output(
    validation_type: str, *, passed: bool = True, score: float = 100.0, failed: int = 0
) -> dict[str, Any]:
    checks = [
        {"name": "record_count", "passed": True, "observed": 1200, "threshold": 100,
         "message": "rows in the latest extract"},
        {"name": "freshness_hours", "passed": True, "observed": 1.5, "threshold": 6.0,
         "message": "age of the latest _extracted_at"},
    ]  # fmt: skip
    if validation_type == "scd_integrity":
        checks = [
            {"name": "current_record_uniqueness", "passed": True, "observed": 0, "threshold": 0,
             "message": "users with more than one current row"},
            {"name": "history_gaps_and_overlaps", "passed": True, "observed": 0, "threshold": 0,
             "message": "users whose versions overlap or leave gaps"},
        ]  # fmt: skip
    for check in checks[:failed]:
        check.update(passed=False, observed=17)
    score_field = (
        "scd_integrity_score" if validation_type == "scd_integrity" else ("data_quality_score")
    )
    return {"validation_type": validation_type, "passed": passed, score_field: score,
            "checks": checks}  # fmt: skip


def tripped_breakers_output(*, score: float = 100.0, skipped: bool = False) -> dict[str, Any]:
    """A failed ingestion validation whose circuit breakers tripped on a partial extract (with
    `skipped`: they could not run instead, and a column check failed that is no breaker)."""
    output = validator_output("ingestion", passed=False, score=score, failed=1)
    breakers = [
        {"name": "extract_volume_drop", "passed": False, "observed": 29.63, "threshold": 20.0,
         "message": "latest extract has 114 rows, the previous one 162"},
        {"name": "mass_deletion", "passed": False, "observed": 29.63, "threshold": 5.0,
         "message": "48 of 162 current users are missing from the latest extract"},
    ]  # fmt: skip
    if skipped:
        for check in breakers:
            check.update(observed=None, skipped=True)
    output["checks"] += breakers
    return output


def catch_payload(
    error: str | None,
    cause: str | None,
    *,
    error_type: str | None = None,
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What a Catch (ResultPath `$.error`) plus `Parameters` hands the error handler."""
    payload: dict[str, Any] = {"error": {"Error": error, "Cause": cause}, "execution": EXECUTION}
    if error_type is not None:
        payload["error_type"] = error_type
    if context is not None:
        payload["context"] = context
    return payload


def deep_json(depth: int) -> str:
    """A JSON array nested `depth` levels deep (deeper than Python's decoder recurses)."""
    return "[" * depth + "]" * depth


def deep_array(depth: int) -> list[Any]:
    """A list nested `depth` levels deep, built without recursion."""
    root: list[Any] = []
    node = root
    for _ in range(depth - 1):
        child: list[Any] = []
        node.append(child)
        node = child
    return root


def with_execution(event: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A copy of a Catch payload whose `$$.Execution` has `fields` replaced."""
    return {**copy.deepcopy(event), "execution": {**EXECUTION, **fields}}


def glue_catch() -> dict[str, Any]:
    return catch_payload(
        "States.TaskFailed", json.dumps(glue_job_run("FAILED", GLUE_ERROR_MESSAGE))
    )


def dbt_run_catch() -> dict[str, Any]:
    return catch_payload(
        "DbtCommandFailed",
        lambda_error_cause("DbtCommandFailed", json.dumps(failing_model_results())),
    )


def dbt_test_catch() -> dict[str, Any]:
    return catch_payload(
        "DbtCommandFailed",
        lambda_error_cause("DbtCommandFailed", json.dumps(failing_test_results())),
    )


def validation_catch(validation_type: str, *, score: float, failed: int) -> dict[str, Any]:
    output = validator_output(validation_type, passed=False, score=score, failed=failed)
    return catch_payload("ValidationFailed", json.dumps(output))


def eventbridge(source: str, detail_type: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "315c1398-40ff-a850-213b-158f73e60175",
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT,
        "time": iso_z(GLUE_COMPLETED_AT, timespec="seconds"),
        "region": REGION,
        "resources": [EXECUTION_ARN] if source == "aws.states" else [],
        "detail": detail,
    }


def execution_status_change(
    status: str, error: str | None = None, cause: str | None = None
) -> dict[str, Any]:
    return eventbridge(
        "aws.states",
        "Step Functions Execution Status Change",
        {
            "executionArn": EXECUTION_ARN,
            "stateMachineArn": STATE_MACHINE_ARN,
            "name": EXECUTION_NAME,
            "status": status,
            "startDate": epoch_ms(START_AT),
            "stopDate": epoch_ms(STOP_AT),
            "input": json.dumps({"run_date": RUN_DATE}),
            "inputDetails": {"included": True},
            "output": None,
            "outputDetails": None,
            "error": error,
            "cause": cause,
        },
    )


def glue_job_state_change(state: str, message: str) -> dict[str, Any]:
    return eventbridge(
        "aws.glue",
        "Glue Job State Change",
        {
            "jobName": GLUE_JOB_NAME,
            "severity": "ERROR" if state in {"FAILED", "TIMEOUT"} else "INFO",
            "state": state,
            "jobRunId": GLUE_RUN_ID,
            "message": message,
        },
    )


def publisher_event(**parts: Any) -> dict[str, Any]:
    """A metrics-publisher input; every part but `execution` comes from `parts`."""
    return {"execution": EXECUTION, **parts}


def full_publisher_event() -> dict[str, Any]:
    return publisher_event(
        status="SUCCEEDED",
        glue_job=glue_job_run(),
        records={"processed": 1200, "created": 14, "updated": 9, "deleted": 1},
        dbt={"run": run_results("run_pass"), "test": run_results("build_warn")},
        validation={
            "ingestion": validator_output("ingestion", score=99.2),
            "scd": validator_output("scd_integrity", score=100.0),
        },
    )
