from datetime import timedelta

import pytest
from pydantic import ValidationError

from handlers.contract import METRICS_BY_NAME
from handlers.dbt_results import RunResults
from handlers.publishing import run_metrics
from handlers.publishing.artifacts import ResolvedDbt
from handlers.publishing.event import PublisherEvent
from tests.handlers import events

START = events.START_AT


def _plan(raw: dict, dbt: ResolvedDbt | None = None, after: timedelta = timedelta(minutes=7)):
    event = PublisherEvent.model_validate(raw)
    if dbt is None:
        parts = event.dbt
        dbt = ResolvedDbt(
            run=parts.run if parts else None,  # type: ignore[arg-type]
            test=parts.test if parts else None,  # type: ignore[arg-type]
        )
    return run_metrics.build(event, dbt, "dev", published_at=START + after)


def _values(plan) -> dict[str, float]:
    return {item["MetricName"]: item["Value"] for item in plan.data}


def test_execution_only_publishes_duration_and_lists_every_skipped_part():
    plan = _plan(events.publisher_event())
    assert _values(plan) == {"ExecutionDuration": 420.0}
    assert set(plan.skipped) == {
        "status", "records.processed", "records.created", "records.updated", "records.deleted",
        "dbt.run", "dbt.test", "validation.ingestion.data_quality_score",
        "validation.scd.scd_integrity_score",
    }  # fmt: skip


def test_full_event_publishes_every_run_metric_stamped_with_the_run_start():
    plan = _plan(events.full_publisher_event())
    values = _values(plan)
    assert values == {
        "ExecutionDuration": 420.0,
        "JobSuccess": 1.0,
        "RecordsProcessed": 1200.0,
        "RecordsCreated": 14.0,
        "RecordsUpdated": 9.0,
        "RecordsDeleted": 1.0,
        # run: 5 models from `dbt run`; test: a `dbt build` with 5 more models, 19 pass + 1 warn
        "DbtModelsRun": 10.0,
        "DbtModelsFailed": 0.0,
        "DbtTestsPassed": 20.0,
        "DbtTestsFailed": 0.0,
        "DataQualityScore": 99.2,
        "SCDIntegrityScore": 100.0,
    }
    assert plan.skipped == []
    assert {item["Timestamp"] for item in plan.data} == {START}


def test_dimensions_are_exactly_the_contracts():
    for item in _plan(events.full_publisher_event()).data:
        metric = METRICS_BY_NAME[item["MetricName"]]
        expected = metric.dimensions("dev")
        assert {d["Name"]: d["Value"] for d in item["Dimensions"]} == expected
        assert item["Unit"] == metric.unit.value


@pytest.mark.parametrize(
    ("status", "value"), [("SUCCEEDED", 1.0), ("FAILED", 0.0), ("ABORTED", 0.0)]
)
def test_job_success_reflects_the_status(status, value):
    assert _values(_plan(events.publisher_event(status=status)))["JobSuccess"] == value


def test_failing_dbt_run_counts_failed_models():
    failing = RunResults.model_validate(events.failing_model_results())
    plan = _plan(events.publisher_event(), ResolvedDbt(run=failing))
    values = _values(plan)
    assert (values["DbtModelsRun"], values["DbtModelsFailed"]) == (2.0, 1.0)
    assert "DbtTestsPassed" not in values  # a `dbt run` artifact holds no tests: not a zero
    assert "dbt.test" in plan.skipped


def test_failing_dbt_tests_count_failed_tests():
    failing = RunResults.model_validate(events.failing_test_results())
    values = _values(_plan(events.publisher_event(), ResolvedDbt(test=failing)))
    assert (values["DbtTestsPassed"], values["DbtTestsFailed"]) == (18.0, 2.0)


def test_a_given_but_empty_test_artifact_publishes_zeros():
    empty = RunResults.model_validate({"results": []})
    values = _values(_plan(events.publisher_event(), ResolvedDbt(test=empty)))
    assert (values["DbtTestsPassed"], values["DbtTestsFailed"]) == (0.0, 0.0)


def test_duration_is_measured_to_the_publishing_time():
    assert (
        _values(_plan(events.publisher_event(), after=timedelta(hours=1)))["ExecutionDuration"]
        == 3600.0
    )


def test_a_start_after_the_publishing_time_skips_the_duration_instead_of_guessing():
    # A skewed clock must not cost the run's other metrics (found by fuzzing).
    plan = _plan(events.publisher_event(status="SUCCEEDED"), after=timedelta(seconds=-1))
    assert _values(plan) == {"JobSuccess": 1.0}
    assert "execution" in plan.skipped


@pytest.mark.parametrize(
    ("part", "field"),
    [
        ({"records": {"processed": -1}}, "records.processed"),
        ({"status": "DONE"}, "status"),
        ({"validation": {"ingestion": {"passed": True}}}, "validation.ingestion.validation_type"),
        ({"validation": {"scd": events.validator_output("scd_integrity", score=101)}},
         "validation.scd.scd_integrity_score"),
        ({"glue_job": {"Id": "jr_1"}}, "glue_job.JobName"),
        ({"dbt": {"run": {"s3_uri": "https://bucket/key"}}}, "dbt.run.s3.s3_uri"),
        ({"dbt": {"test": {"results": [{"status": "pass"}]}}},
         "dbt.test.run_results.results.0.unique_id"),
    ],
)  # fmt: skip
def test_a_malformed_part_names_the_field(part, field):
    with pytest.raises(ValidationError) as error:
        PublisherEvent.model_validate(events.publisher_event(**part))
    assert field in str(error.value)


def test_execution_is_required():
    with pytest.raises(ValidationError, match="execution"):
        PublisherEvent.model_validate({"status": "SUCCEEDED"})


def test_unknown_extra_fields_are_ignored():
    event = PublisherEvent.model_validate(
        events.publisher_event(surprise={"x": 1}, status="SUCCEEDED")
    )
    assert event.status == "SUCCEEDED"
