import copy

import pytest
from pydantic import ValidationError

from handlers.dbt_results import DbtCounts, RunResults, count, failing_nodes
from tests.handlers import events


def _results(*nodes: tuple[str, str], schema: str = "v6") -> RunResults:
    return RunResults.model_validate(
        {
            "metadata": {
                "dbt_schema_version": f"https://schemas.getdbt.com/dbt/run-results/{schema}.json"
            },
            "results": [{"unique_id": uid, "status": status} for uid, status in nodes],
        }
    )


# The fixture README documents: run_pass 5 models; build_pass 3 seeds, 5 models, 20 tests pass;
# build_warn 19 pass + 1 warn.
@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("run_pass", DbtCounts(models_run=5)),
        ("build_pass", DbtCounts(models_run=5, tests_passed=20)),
        ("build_warn", DbtCounts(models_run=5, tests_passed=20)),
    ],
)
def test_real_artifacts_count_as_documented(fixture, expected):
    assert count(RunResults.model_validate(events.run_results(fixture))) == expected


@pytest.mark.parametrize(
    ("status", "field"),
    [
        ("success", "models_run"),
        ("error", "models_failed"),
        ("partial success", "models_failed"),
        ("skipped", "models_skipped"),
        ("no-op", "models_skipped"),
    ],
)
def test_each_model_status(status, field):
    counts = count(_results(("model.p.a", status)))
    assert counts == DbtCounts(**{field: 1})


@pytest.mark.parametrize(
    ("status", "field"),
    [
        ("pass", "tests_passed"),
        ("warn", "tests_passed"),  # a warn is not a failure
        ("fail", "tests_failed"),
        ("error", "tests_failed"),
        ("runtime error", "tests_failed"),
        ("skipped", "tests_skipped"),
    ],
)
def test_each_test_status(status, field):
    assert count(_results(("test.p.t", status))) == DbtCounts(**{field: 1})
    assert count(_results(("unit_test.p.m.t", status))) == DbtCounts(**{field: 1})


def test_snapshots_count_as_models_and_seeds_are_not_counted():
    counts = count(
        _results(("snapshot.p.users", "success"), ("seed.p.raw", "success"), ("seed.p.b", "error"))
    )
    assert counts == DbtCounts(models_run=1)


def test_failing_fixture_built_from_a_real_run():
    results = RunResults.model_validate(events.failing_model_results())
    assert count(results) == DbtCounts(models_run=2, models_failed=1, models_skipped=2)
    assert [node.unique_id for node in failing_nodes(results)] == ["model.jaffle_shop.stg_orders"]


def test_failing_tests_fixture():
    results = RunResults.model_validate(events.failing_test_results())
    assert count(results) == DbtCounts(models_run=5, tests_passed=18, tests_failed=2)
    assert {node.unique_id for node in failing_nodes(results)} == set(events.FAILING_TESTS)


def test_schema_v5_is_read_like_v6():
    assert _results(("model.p.a", "success"), schema="v5").metadata.schema_version == 5
    assert _results(("model.p.a", "success"), schema="v5").schema_supported


def test_unknown_schema_version_is_flagged_not_rejected():
    assert not _results(("model.p.a", "success"), schema="v9").schema_supported


def test_another_artifact_is_rejected_by_its_schema():
    with pytest.raises(ValidationError, match="not a run-results schema"):
        RunResults.model_validate(
            {"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"},
             "results": []}
        )  # fmt: skip


def test_status_of_the_wrong_node_type_names_the_node():
    raw = copy.deepcopy(events.run_results("run_pass"))
    raw["results"][2]["status"] = "pass"
    with pytest.raises(ValidationError) as error:
        RunResults.model_validate(raw)
    assert "results.2" in str(error.value)
    assert raw["results"][2]["unique_id"] in str(error.value)


def test_unknown_status_is_rejected():
    with pytest.raises(ValidationError, match="status"):
        _results(("model.p.a", "exploded"))
