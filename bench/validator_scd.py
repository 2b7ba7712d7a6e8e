"""Single-pass SCD validation vs one query per check, on a generated SCD2 table in DuckDB.

    python -m bench.validator_scd            # 10,000,000 versions (2,000,000 users x 5)
    python -m bench.validator_scd --rows 1000000

The table is generated in SQL (no Python loops) with a few planted defects per rule, so both
variants have something to find; the script checks that they find the same counts. Each variant
runs in its own subprocess so that its peak RSS (`ru_maxrss`) is its own. Prints times, peak
memory and the baseline/single-pass ratios.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb

from handlers import clock
from handlers.contract import DEFAULT_RAW_TABLE, DEFAULT_SCD_TABLE
from handlers.validation.engines.duckdb import DuckDBEngine
from handlers.validation.settings import QueryEngineName, ValidatorSettings
from handlers.validation.sql import scd_query, timestamp_literal

VERSIONS_PER_USER = 5
SCD = DEFAULT_SCD_TABLE
RAW = DEFAULT_RAW_TABLE
LATEST = timestamp_literal(clock.now() - timedelta(hours=1))

# Defects, each on one user in a thousand (disjoint residues of u % 1000, so counts are exact):
# 1 gap before version 2, 2 is_current inverted, 3 current differs from the extract, 5 missing
# from the extract but not flagged deleted, 7 a version without a change, 9 no open version.
# One user in a hundred is deleted the dbt way (current version flagged, absent from the extract).
_LAST = VERSIONS_PER_USER - 1
_SAME_AS_PREVIOUS = "CASE WHEN u % 1000 = 7 AND v = 3 THEN 1 ELSE 0 END"
GENERATE = f"""
CREATE SCHEMA salesforce_curated;
CREATE SCHEMA salesforce_raw;
CREATE TABLE {SCD} AS
WITH grid AS (
    SELECT u, v FROM range({{users}}) AS users(u), range({VERSIONS_PER_USER}) AS versions(v)
)
SELECT
    'u' || u AS user_id,
    'D' || ((u + v - {_SAME_AS_PREVIOUS}) % 10) AS division,
    'P' || ((v - {_SAME_AS_PREVIOUS}) % 3) AS audit_phase__c,
    TIMESTAMP '2020-01-01' + to_days(CAST(v * 100 + u % 50 AS INTEGER))
        + CASE WHEN u % 1000 = 1 AND v = 2 THEN INTERVAL 1 MINUTE ELSE INTERVAL 0 MINUTE END
        AS valid_from,
    CASE WHEN v < {_LAST} OR u % 1000 = 9
        THEN TIMESTAMP '2020-01-01' + to_days(CAST((v + 1) * 100 + u % 50 AS INTEGER))
    END AS valid_to,
    (v = {_LAST} AND u % 1000 <> 9) <> (u % 1000 = 2) AS is_current,
    (u % 100 = 0 AND v = {_LAST}) AS is_deleted
FROM grid;
CREATE TABLE {RAW} AS
SELECT
    'u' || u AS user_id,
    CASE WHEN u % 1000 = 3 THEN 'Legal' ELSE 'D' || ((u + {_LAST}) % 10) END AS division,
    'P' || ({_LAST} % 3) AS audit_phase__c,
    {LATEST} AS _extracted_at
FROM range({{users}}) AS users(u)
WHERE u % 100 <> 0 AND u % 1000 NOT IN (5, 9);
"""

# The baseline: each check its own query, each reading the SCD table again.
_BY_USER = "PARTITION BY user_id ORDER BY valid_from"
BASELINE = {
    "current_record_uniqueness": f"""
        SELECT COUNT(*) FROM (SELECT user_id FROM {SCD} GROUP BY user_id
        HAVING SUM(CASE WHEN valid_to IS NULL THEN 1 ELSE 0 END) <> 1)""",
    "validity_continuity": f"""
        SELECT COUNT(DISTINCT user_id) FROM (
            SELECT user_id, valid_from, valid_to, LEAD(valid_from) OVER ({_BY_USER}) AS nxt
            FROM {SCD})
        WHERE valid_from IS NULL OR (valid_to IS NOT NULL AND valid_to <= valid_from)
            OR (nxt IS NOT NULL AND (valid_to IS NULL OR valid_to <> nxt))""",
    "current_flag_consistency": f"""
        SELECT COUNT(DISTINCT user_id) FROM {SCD}
        WHERE is_current IS NULL OR is_current <> (valid_to IS NULL)""",
    "change_driven_versions": f"""
        SELECT COUNT(DISTINCT user_id) FROM (
            SELECT user_id, division, audit_phase__c, is_deleted,
                LAG(division) OVER ({_BY_USER}) AS pd, LAG(audit_phase__c) OVER ({_BY_USER}) AS pa,
                LAG(is_deleted) OVER ({_BY_USER}) AS px,
                ROW_NUMBER() OVER ({_BY_USER}) AS n
            FROM {SCD})
        WHERE n > 1 AND division IS NOT DISTINCT FROM pd
            AND audit_phase__c IS NOT DISTINCT FROM pa AND is_deleted = px""",
    "current_matches_source": f"""
        SELECT COUNT(*) FROM (SELECT * FROM {RAW} WHERE _extracted_at =
            (SELECT MAX(_extracted_at) FROM {RAW})) e
        LEFT JOIN (SELECT * FROM {SCD} WHERE valid_to IS NULL) c ON c.user_id = e.user_id
        WHERE c.user_id IS NULL OR c.division IS DISTINCT FROM e.division
            OR c.audit_phase__c IS DISTINCT FROM e.audit_phase__c OR c.is_deleted""",
    "deleted_users_flagged": f"""
        SELECT COUNT(*) FROM {SCD} c
        WHERE c.valid_to IS NULL AND NOT c.is_deleted AND c.user_id NOT IN (
            SELECT user_id FROM {RAW}
            WHERE _extracted_at = (SELECT MAX(_extracted_at) FROM {RAW}))""",
}


def generate(path: Path, rows: int) -> None:
    users = max(1, rows // VERSIONS_PER_USER)
    with duckdb.connect(str(path)) as connection:
        connection.execute(GENERATE.format(users=users))


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_single_pass(path: Path) -> dict[str, int]:
    settings = ValidatorSettings(engine=QueryEngineName.DUCKDB, duckdb_path=str(path))
    [row] = DuckDBEngine(path).run("scd_integrity", scd_query(settings)).rows
    return {name: int(row[name]) for name in BASELINE}


def run_baseline(path: Path) -> dict[str, int]:
    engine = DuckDBEngine(path)
    return {name: _scalar(engine, name, text) for name, text in BASELINE.items()}


def _scalar(engine: DuckDBEngine, name: str, text: str) -> int:
    [row] = engine.run(name, text).rows
    return int(next(iter(row.values())))


VARIANTS = {"single_pass": run_single_pass, "baseline": run_baseline}


def worker(variant: str, path: Path) -> None:
    started = time.perf_counter()
    counts = VARIANTS[variant](path)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_rss_mb": _peak_rss_mb(), "counts": counts}))


def _measure(variant: str, path: Path) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.validator_scd", "--worker", variant, "--db", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="SCD versions to generate")
    parser.add_argument("--worker", choices=list(VARIANTS), help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.db)
        return 0
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "scd_bench.duckdb"
        started = time.perf_counter()
        generate(path, args.rows)
        print(f"generated {args.rows:,} SCD versions in {time.perf_counter() - started:.1f} s")
        single = _measure("single_pass", path)
        baseline = _measure("baseline", path)
    print(f"{'variant':<12} {'seconds':>8} {'peak RSS MB':>12}")
    for name, result in (("single_pass", single), ("baseline", baseline)):
        print(f"{name:<12} {result['seconds']:>8.2f} {result['peak_rss_mb']:>12.0f}")
    time_ratio = baseline["seconds"] / single["seconds"]
    memory_ratio = baseline["peak_rss_mb"] / single["peak_rss_mb"]
    print(f"baseline / single-pass: time x{time_ratio:.2f}, peak memory x{memory_ratio:.2f}")
    single_sql = scd_query(ValidatorSettings(engine=QueryEngineName.DUCKDB, duckdb_path="-"))
    print(
        "SCD table reads (what Athena bills as bytes scanned):"
        f" single-pass {single_sql.count('dim_sf_user_scd')},"
        f" baseline {sum(text.count('dim_sf_user_scd') for text in BASELINE.values())}"
    )
    print(f"violating users per check: {single['counts']}")
    if single["counts"] != baseline["counts"]:
        print(f"MISMATCH: baseline found {baseline['counts']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
