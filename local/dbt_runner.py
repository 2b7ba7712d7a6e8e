"""A stand-in for the user's dbt runner Lambda, answering with real dbt artifacts.

`dbt run` returns the real `run_results.json` of a run; `dbt test` returns the test nodes of the
real `dbt build` artifact. Tests named in `failing_tests` fail (with their failing row counts), and
then the runner raises, as the reference state machine expects ("a failing test fails the
task"); its message names every failing test, which is what the alert's root cause quotes.
The artifacts are the fixtures in tests/fixtures/dbt (a real dbt-core 1.10 project). What `dbt run`
does to the warehouse is `build`: the replayed history snapshots the day's extract into the
dimension; a warehouse built beforehand needs nothing.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

DBT_ARTIFACTS: Final = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "dbt"
TEST_NODE_PREFIX: Final = "test."


class DbtTestsFailedError(Exception):
    """`dbt test` finished with failing tests."""


class DbtCommandError(ValueError):
    """The runner was asked for a command it does not know."""


@functools.cache
def _artifact(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DBT_ARTIFACTS / f"run_results_{name}.json").read_text())
    return loaded


def run_results() -> dict[str, Any]:
    """The `dbt run` artifact."""
    return copy.deepcopy(_artifact("run_pass"))


def dbt_test_results(failing_tests: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The `dbt test` artifact: the build's test nodes, with `failing_tests` (id -> rows) failed."""
    failing = dict(failing_tests or {})
    results = copy.deepcopy(_artifact("build_pass"))
    results["results"] = [
        node for node in results["results"] if node["unique_id"].startswith(TEST_NODE_PREFIX)
    ]
    unknown = sorted(failing.keys() - {node["unique_id"] for node in results["results"]})
    if unknown:
        raise ValueError(f"no such test in the dbt artifact: {unknown}")
    for node in results["results"]:
        rows = failing.get(node["unique_id"])
        if rows is not None:
            plural = "s" if rows != 1 else ""
            node.update(
                status="fail",
                failures=rows,
                message=f"Got {rows} result{plural}, configured to fail if != 0",
            )
    return results


def dbt_test_ids() -> list[str]:
    return [node["unique_id"] for node in dbt_test_results()["results"]]


@dataclass(frozen=True)
class DbtRunner:
    """The Lambda handler double: `{"command": "run" | "test"}` -> run_results.json."""

    failing_tests: Mapping[str, int] = field(default_factory=dict)
    build: Callable[[], None] | None = None

    def __call__(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        command = event.get("command")
        if command == "run":
            if self.build is not None:
                self.build()
            return run_results()
        if command != "test":
            raise DbtCommandError(f"unknown dbt command {command!r}; expected 'run' or 'test'")
        results = dbt_test_results(self.failing_tests)
        failed = [node for node in results["results"] if node["status"] == "fail"]
        if failed:
            described = "; ".join(f"{node['unique_id']} ({node['message']})" for node in failed)
            raise DbtTestsFailedError(
                f"dbt test: {len(failed)} of {len(results['results'])} tests failed: {described}"
            )
        return results
