"""Run a validation locally and print a check table.

    python -m handlers.validation.cli --duckdb warehouse.duckdb --type scd_integrity
    python -m handlers.validation.cli --duckdb w.duckdb --type ingestion --dbt-snapshot --json

Settings come from the same environment variables as the Lambda (`contract.EnvVar`); flags override
them, and ENVIRONMENT, which the Lambda requires, is `local` when unset. Exit status: 0 when every
check passes, 1 when a check fails (so it can gate CI), 2 when validation could not run (usage,
configuration or engine error).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from handlers import clock
from handlers.contract import Environment, EnvVar, ValidationType
from handlers.settings import ConfigurationError, alias, load
from handlers.validation.checks import Check
from handlers.validation.engines import create_engine
from handlers.validation.errors import QueryEngineError
from handlers.validation.runner import ValidationReport, validate
from handlers.validation.settings import (
    LAYOUT_COLUMNS,
    ColumnLayout,
    QueryEngineName,
    ValidatorSettings,
)

EXIT_PASSED, EXIT_CHECK_FAILED, EXIT_CANNOT_VALIDATE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m handlers.validation.cli", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--type", required=True, choices=[t.value for t in ValidationType])
    parser.add_argument("--duckdb", metavar="PATH", help="DuckDB file (else QUERY_ENGINE decides)")
    parser.add_argument("--raw-table", help=f"overrides {EnvVar.RAW_TABLE}")
    parser.add_argument("--scd-table", help=f"overrides {EnvVar.SCD_TABLE}")
    parser.add_argument("--required-fields", help=f"overrides {EnvVar.REQUIRED_FIELDS}")
    parser.add_argument("--freshness-hours", help=f"overrides {EnvVar.FRESHNESS_HOURS}")
    parser.add_argument("--min-records", help=f"overrides {EnvVar.MIN_RECORD_COUNT}")
    parser.add_argument("--dbt-snapshot", action="store_true", help="use dbt snapshot column names")
    parser.add_argument("--now", type=datetime.fromisoformat, help="clock for freshness (ISO)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def _environment(args: argparse.Namespace) -> dict[str, str]:
    environ = dict(os.environ)
    if not environ.get(EnvVar.ENVIRONMENT, "").strip():
        environ[EnvVar.ENVIRONMENT] = Environment.LOCAL  # the CLI publishes no metric
    if args.dbt_snapshot:
        columns = LAYOUT_COLUMNS[ColumnLayout.DBT_SNAPSHOT]
        environ.update({alias(ValidatorSettings, name): value for name, value in columns.items()})
    if args.duckdb:
        environ[EnvVar.QUERY_ENGINE] = QueryEngineName.DUCKDB
        environ[EnvVar.DUCKDB_PATH] = args.duckdb
    overrides: dict[str, str | None] = {
        EnvVar.RAW_TABLE: args.raw_table,
        EnvVar.SCD_TABLE: args.scd_table,
        EnvVar.REQUIRED_FIELDS: args.required_fields,
        EnvVar.FRESHNESS_HOURS: args.freshness_hours,
        EnvVar.MIN_RECORD_COUNT: args.min_records,
    }
    environ.update({name: value for name, value in overrides.items() if value is not None})
    return environ


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


def _result(check: Check) -> str:
    return "SKIP" if check.skipped else "PASS" if check.passed else "FAIL"


def render(report: ValidationReport) -> str:
    """A fixed-width check table and a verdict line."""
    header = ("CHECK", "RESULT", "OBSERVED", "THRESHOLD", "MESSAGE")
    rows = [
        (c.name, _result(c), _cell(c.observed), _cell(c.threshold), c.message)
        for c in report.checks
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    lines = [
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[4]])
        for row in [header, *rows]
    ]
    scores = [
        f"{label} {value} %"
        for label, value in (
            ("DataQualityScore", report.data_quality_score),
            ("SCDIntegrityScore", report.scd_integrity_score),
        )
        if value is not None
    ]
    verdict = "PASSED" if report.passed else f"FAILED ({', '.join(report.failed_checks)})"
    lines.append("\n" + "; ".join([f"{report.validation_type.value}: {verdict}", *scores]))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    now = args.now or clock.now()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    try:
        settings = load(ValidatorSettings, _environment(args))
        report = validate(ValidationType(args.type), settings, create_engine(settings), now)
    except (ConfigurationError, QueryEngineError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_CANNOT_VALIDATE
    print(json.dumps(report.as_dict(), indent=2, default=str) if args.json else render(report))
    return EXIT_PASSED if report.passed else EXIT_CHECK_FAILED


if __name__ == "__main__":
    sys.exit(main())
