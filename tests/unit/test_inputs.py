import pytest

from handlers.alerting.inputs import Source, normalise
from handlers.contract import ErrorType
from tests.handlers import events


def test_catch_payload():
    failure = normalise(
        events.catch_payload("States.TaskFailed", "c", error_type="dbt_test_failure")
    )
    assert failure.source is Source.CATCH
    assert failure.error_type is ErrorType.DBT_TEST_FAILURE
    assert (failure.error, failure.cause) == ("States.TaskFailed", "c")
    assert failure.execution_arn == events.EXECUTION_ARN
    assert failure.state_machine_arn == events.STATE_MACHINE_ARN
    assert failure.region == events.REGION
    assert failure.problems == ()


def test_a_cause_given_as_an_object_is_serialised():
    failure = normalise({"error": {"Error": "E", "Cause": {"errorMessage": "m"}}})
    assert failure.cause == '{"errorMessage": "m"}'


def test_execution_status_change_event():
    failure = normalise(events.execution_status_change("FAILED", "States.TaskFailed", "boom"))
    assert failure.source is Source.EXECUTION_EVENT
    assert failure.status == "FAILED"
    assert failure.execution_name == events.EXECUTION_NAME
    assert failure.started_at == events.START_AT
    assert failure.occurred_at == events.STOP_AT
    assert failure.cause == "boom"


def test_glue_job_state_change_event():
    failure = normalise(events.glue_job_state_change("FAILED", "Job failed: OOM"))
    assert failure.source is Source.GLUE_EVENT
    assert (failure.glue_job_name, failure.glue_job_run_id) == (
        events.GLUE_JOB_NAME,
        events.GLUE_RUN_ID,
    )
    assert (failure.status, failure.cause) == ("FAILED", "Job failed: OOM")
    assert failure.region == events.REGION


@pytest.mark.parametrize("garbage", [None, "text", 3, ["a"], True])
def test_non_objects_are_unreadable_not_errors(garbage):
    failure = normalise(garbage)
    assert failure.source is Source.UNREADABLE
    assert failure.raw == garbage
    assert "expected a JSON object" in failure.problems[0]


def test_wrong_types_list_the_problems_and_keep_the_execution_arn():
    event = events.catch_payload("E", "c", error_type="not_a_type")
    event["execution"] = {"Id": events.EXECUTION_ARN, "StartTime": "yesterday"}
    failure = normalise(event)
    assert failure.source is Source.UNREADABLE
    assert failure.execution_arn == events.EXECUTION_ARN
    joined = " ".join(failure.problems)
    assert "error_type" in joined and "execution.Name" in joined and "execution.StartTime" in joined


def test_malformed_eventbridge_event_is_unreadable():
    event = events.execution_status_change("FAILED")
    del event["detail"]["executionArn"]
    failure = normalise(event)
    assert failure.source is Source.UNREADABLE
    assert any("detail.executionArn" in problem for problem in failure.problems)


def test_any_context_shape_is_kept_for_evidence():
    context = [{"state": "RunDbtTests"}]
    failure = normalise(events.catch_payload("States.Timeout", None, context=context))
    assert failure.source is Source.CATCH
    assert failure.context == context


@pytest.mark.parametrize(
    ("event", "named"),
    [
        ({}, "no detail-type"),
        ({"foo": 1}, "no detail-type"),
        ({"error": {}}, "no detail-type"),
        (events.eventbridge("aws.s3", "Object Created", {"key": "k"}), "'Object Created'"),
    ],
)
def test_a_payload_of_no_known_shape_is_unreadable_and_says_what_is_missing(event, named):
    failure = normalise(event)
    assert failure.source is Source.UNREADABLE
    (problem,) = failure.problems
    assert named in problem and "no error_type, error or execution" in problem


@pytest.mark.parametrize(
    "event",
    [
        {"error_type": "dbt_test_failure"},
        {"error": {"Cause": "c"}},
        {"execution": events.EXECUTION},
    ],
)
def test_any_one_catch_field_makes_a_catch_payload(event):
    failure = normalise(event)
    assert (failure.source, failure.problems) == (Source.CATCH, ())
