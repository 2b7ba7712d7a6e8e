"""The pipeline validator's output as the other handlers read it (docs/architecture.md §3).

The metrics publisher reads the scores; the error handler reads the failed checks. Unknown extra
fields are ignored so the validator can add detail without breaking its readers.

A check that could not run (a column it needs is missing) has `skipped: true` and `passed:
false`: it is not among the failed checks (the `expected_columns` failure names the column), and
a reader that predates `skipped` sees it as failed, never as passed.
"""

from __future__ import annotations

from pydantic import Field

from handlers.contract import BREAKER_CHECKS, ValidationType
from handlers.events import ContractModel

Observation = bool | int | float | str | None


class CheckResult(ContractModel):
    name: str
    passed: bool
    observed: Observation = None
    threshold: Observation = None
    message: str = ""
    skipped: bool = False

    def describe(self) -> str:
        """`name: observed X vs threshold Y (message)`, for alerts."""
        text = f"{self.name}: observed {self.observed} vs threshold {self.threshold}"
        return f"{text} ({self.message})" if self.message else text


class ValidatorOutput(ContractModel):
    validation_type: ValidationType
    passed: bool
    data_quality_score: float | None = Field(default=None, ge=0, le=100)
    scd_integrity_score: float | None = Field(default=None, ge=0, le=100)
    checks: tuple[CheckResult, ...] = ()

    @property
    def failed_checks(self) -> tuple[CheckResult, ...]:
        return tuple(check for check in self.checks if not check.passed and not check.skipped)

    @property
    def tripped_breakers(self) -> tuple[CheckResult, ...]:
        """The failed checks that are circuit breakers (`contract.BreakerCheck`)."""
        return tuple(check for check in self.failed_checks if check.name in BREAKER_CHECKS)
