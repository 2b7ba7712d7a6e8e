"""Reading dbt's `run_results.json` (artifact schema v5 and v6): node counts and failing nodes.

A node's type is the prefix of its `unique_id` (`model.`, `snapshot.`, `seed.`, `test.`,
`unit_test.`). Outcomes, per node type:

- models: `model.` and `snapshot.` nodes (a snapshot builds a table just as a model does).
  `success` counts as run; `error` and `partial success` (a microbatch model with failed
  batches) as failed; `skipped` and `no-op` as neither.
- tests: `test.` and `unit_test.` nodes. `pass` and `warn` count as passed (a warn is dbt's
  verdict that the test should not fail the build); `fail`, `error` and `runtime error` as
  failed; `skipped` as neither.
- seeds, hooks (`operation.`), sources and the rest are not counted.

A status that is not valid for its node type is a malformed artifact and raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator, model_validator

from handlers.events import ContractModel

NodeStatus = Literal[
    "success", "error", "skipped", "partial success", "no-op", "pass", "fail", "warn",
    "runtime error",
]  # fmt: skip

SUPPORTED_SCHEMA_VERSIONS = frozenset({5, 6})
_SCHEMA_URL = re.compile(r"/run-results/v(\d+)\.json$")


class Outcome(StrEnum):
    RUN = "run"
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


MODEL_OUTCOMES = {
    "success": Outcome.RUN,
    "error": Outcome.FAILED,
    "partial success": Outcome.FAILED,
    "skipped": Outcome.SKIPPED,
    "no-op": Outcome.SKIPPED,
}
TEST_OUTCOMES = {
    "pass": Outcome.PASSED,
    "warn": Outcome.PASSED,
    "fail": Outcome.FAILED,
    "error": Outcome.FAILED,
    "runtime error": Outcome.FAILED,
    "skipped": Outcome.SKIPPED,
}
MODEL_PREFIXES = ("model.", "snapshot.")
TEST_PREFIXES = ("test.", "unit_test.")


class NodeResult(ContractModel):
    unique_id: str = Field(min_length=1)
    status: NodeStatus
    message: str | None = None
    failures: int | None = None

    @model_validator(mode="after")
    def _status_fits_node_type(self) -> NodeResult:
        self.outcome()
        return self

    @property
    def is_model(self) -> bool:
        return self.unique_id.startswith(MODEL_PREFIXES)

    @property
    def is_test(self) -> bool:
        return self.unique_id.startswith(TEST_PREFIXES)

    def outcome(self) -> Outcome | None:
        """This node's outcome, or None for node types that are not counted."""
        table = MODEL_OUTCOMES if self.is_model else TEST_OUTCOMES if self.is_test else None
        if table is None:
            return None
        if self.status not in table:
            kind = "model" if self.is_model else "test"
            raise ValueError(f"{self.unique_id}: status {self.status!r} is not a {kind} status")
        return table[self.status]

    def describe(self) -> str:
        """`unique_id [status]: message`, for alerts."""
        text = f"{self.unique_id} [{self.status}]"
        return f"{text}: {self.message}" if self.message else text


class RunResultsMetadata(ContractModel):
    dbt_schema_version: str | None = None
    dbt_version: str | None = None
    invocation_id: str | None = None

    @field_validator("dbt_schema_version")
    @classmethod
    def _is_a_run_results_schema(cls, value: str | None) -> str | None:
        if value is not None and not _SCHEMA_URL.search(value):
            raise ValueError(f"{value!r} is not a run-results schema; is this run_results.json?")
        return value

    @property
    def schema_version(self) -> int | None:
        match = _SCHEMA_URL.search(self.dbt_schema_version or "")
        return int(match.group(1)) if match else None


class RunResults(ContractModel):
    """The parts of `run_results.json` this project reads."""

    metadata: RunResultsMetadata = RunResultsMetadata()
    results: tuple[NodeResult, ...]

    @property
    def schema_supported(self) -> bool:
        version = self.metadata.schema_version
        return version is None or version in SUPPORTED_SCHEMA_VERSIONS


@dataclass(frozen=True)
class DbtCounts:
    models_run: int = 0
    models_failed: int = 0
    models_skipped: int = 0
    tests_passed: int = 0
    tests_failed: int = 0
    tests_skipped: int = 0

    @property
    def models_seen(self) -> int:
        return self.models_run + self.models_failed + self.models_skipped

    @property
    def tests_seen(self) -> int:
        return self.tests_passed + self.tests_failed + self.tests_skipped

    def __add__(self, other: DbtCounts) -> DbtCounts:
        return DbtCounts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )


def count(run_results: RunResults) -> DbtCounts:
    """Model and test outcomes in one artifact (see the module docstring for the rules)."""
    tally = dict.fromkeys((f.name for f in fields(DbtCounts)), 0)
    for node in run_results.results:
        outcome = node.outcome()
        if outcome is None:
            continue
        kind = "models" if node.is_model else "tests"
        tally[f"{kind}_{outcome.value}"] += 1
    return DbtCounts(**tally)


def failing_nodes(run_results: RunResults) -> tuple[NodeResult, ...]:
    """Models and tests whose outcome is a failure, in artifact order."""
    return tuple(node for node in run_results.results if node.outcome() is Outcome.FAILED)
