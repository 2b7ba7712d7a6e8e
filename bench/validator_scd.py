"""SCD validation on a generated SCD2 table in DuckDB: the validator's single-pass query against
one query per check (the baseline) and against one hand-written window query.

    python -m bench.validator_scd            # 10,000,000 versions (2,000,000 users x 5)
    python -m bench.validator_scd --rows 1000000

The hand-written query returns the same row as the validator's (every rule's count, the passing
users, the latest load's record counts) from one window pass, written for DuckDB alone (named
WINDOW, FILTER, BOOL_OR, native booleans): the cost floor of the portable, generated SQL, whose
ratio to it is reported against HAND_WRITTEN_BOUND.

The table is generated in SQL (no Python loops) with a few planted defects per rule, so every
variant has something to find; the script checks that they find the same counts. Each variant
runs in its own subprocess, so that its peak RSS (`ru_maxrss`) and CPU time are its own, in
`--rounds` interleaved rounds; the best round of each counts (the machine may be shared). Prints
times, CPU, peak memory and the ratios.
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
from handlers.contract import DEFAULT_RAW_TABLE, DEFAULT_SCD_TABLE, Environment
from handlers.validation.engines.duckdb import DuckDBEngine
from handlers.validation.settings import QueryEngineName, ValidatorSettings
from handlers.validation.sql import scd_query, timestamp_literal

VERSIONS_PER_USER = 5
HAND_WRITTEN_BOUND = 1.25
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


# The same result row as the validator's SCD query, written by hand for DuckDB: one window pass.
HAND_WRITTEN = f"""
WITH loaded AS (SELECT max(_extracted_at) AS loaded_at FROM {RAW}),
v AS (
    SELECT user_id, valid_from, valid_to, division, audit_phase__c, is_deleted, is_current,
        lead(valid_from) OVER w AS next_from, lag(division) OVER w AS prev_division,
        lag(audit_phase__c) OVER w AS prev_phase, lag(is_deleted) OVER w AS prev_deleted
    FROM {SCD}
    WINDOW w AS (PARTITION BY user_id ORDER BY valid_from, valid_to)
),
u AS (
    SELECT user_id, count(*) AS versions,
        count(*) FILTER (WHERE valid_to IS NULL) AS open_versions,
        max(division) FILTER (WHERE valid_to IS NULL) AS division,
        max(audit_phase__c) FILTER (WHERE valid_to IS NULL) AS phase,
        bool_or(valid_to IS NULL AND is_deleted) AS deleted,
        bool_or(valid_from IS NULL OR valid_to <= valid_from
            OR (next_from IS NOT NULL AND (valid_to IS NULL OR valid_to <> next_from))) AS gap,
        bool_or(is_current IS NULL OR is_current <> (valid_to IS NULL)) AS flag,
        bool_or(prev_deleted IS NOT NULL AND division IS NOT DISTINCT FROM prev_division
            AND audit_phase__c IS NOT DISTINCT FROM prev_phase AND is_deleted = prev_deleted)
            AS unchanged,
        count(*) FILTER (WHERE valid_from >= loaded_at) AS opened,
        count(*) FILTER (WHERE valid_to >= loaded_at) AS closed,
        count(*) FILTER (WHERE valid_from >= loaded_at AND is_deleted
            AND NOT coalesce(prev_deleted, false)) AS newly_deleted
    FROM v CROSS JOIN loaded GROUP BY user_id
),
e AS (
    SELECT user_id, max(division) AS division, max(audit_phase__c) AS phase, count(*) AS n
    FROM {RAW} WHERE _extracted_at = (SELECT loaded_at FROM loaded) GROUP BY user_id
),
j AS (
    SELECT u.versions, e.n, u.opened, u.closed, u.newly_deleted,
        u.user_id IS NOT NULL AND u.open_versions <> 1 AS r1, coalesce(u.gap, false) AS r2,
        coalesce(u.flag, false) AS r3, coalesce(u.unchanged, false) AS r4,
        coalesce(e.user_id IS NOT NULL AND (u.user_id IS NULL OR (u.open_versions = 1
            AND (u.division IS DISTINCT FROM e.division OR u.phase IS DISTINCT FROM e.phase
                OR u.deleted))), false) AS r5,
        coalesce(e.user_id IS NULL AND u.open_versions = 1 AND NOT u.deleted, false) AS r6
    FROM u FULL OUTER JOIN e ON u.user_id = e.user_id
)
SELECT count(*) AS users, sum(versions) AS versions,
    count(*) FILTER (WHERE r1) AS current_record_uniqueness,
    count(*) FILTER (WHERE r2) AS validity_continuity,
    count(*) FILTER (WHERE r3) AS current_flag_consistency,
    count(*) FILTER (WHERE r4) AS change_driven_versions,
    count(*) FILTER (WHERE r5) AS current_matches_source,
    count(*) FILTER (WHERE r6) AS deleted_users_flagged,
    count(*) FILTER (WHERE NOT (r1 OR r2 OR r3 OR r4 OR r5 OR r6)) AS passing_users,
    sum(n) AS records_processed, sum(opened) AS records_created,
    sum(closed) AS records_updated, sum(newly_deleted) AS records_deleted
FROM j
"""


def generate(path: Path, rows: int) -> None:
    users = max(1, rows // VERSIONS_PER_USER)
    with duckdb.connect(str(path)) as connection:
        connection.execute(GENERATE.format(users=users))


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _row(engine: DuckDBEngine, name: str, text: str) -> dict[str, int]:
    [row] = engine.run(name, text).rows
    return {column: int(value) for column, value in row.items()}


def _duckdb_settings(path: str) -> ValidatorSettings:
    return ValidatorSettings(
        environment=Environment.LOCAL, engine=QueryEngineName.DUCKDB, duckdb_path=path
    )


def run_single_pass(path: Path) -> dict[str, int]:
    settings = _duckdb_settings(str(path))
    return _row(DuckDBEngine(path), "scd_integrity", scd_query(settings))


def run_hand_written(path: Path) -> dict[str, int]:
    return _row(DuckDBEngine(path), "hand_written", HAND_WRITTEN)


def run_baseline(path: Path) -> dict[str, int]:
    engine = DuckDBEngine(path)
    return {name: _scalar(engine, name, text) for name, text in BASELINE.items()}


def _scalar(engine: DuckDBEngine, name: str, text: str) -> int:
    [row] = engine.run(name, text).rows
    return int(next(iter(row.values())))


VARIANTS = {
    "single_pass": run_single_pass,
    "hand_written": run_hand_written,
    "baseline": run_baseline,
}


def worker(variant: str, path: Path) -> None:
    started, cpu = time.perf_counter(), _cpu_seconds()
    counts = VARIANTS[variant](path)
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    result = {"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": _peak_rss_mb()}
    print(json.dumps({**result, "counts": counts}))


def _measure(variant: str, path: Path) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.validator_scd", "--worker", variant, "--db", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout)


def best_of(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest round, with the lowest CPU time and peak RSS seen in any round."""
    fastest = min(rounds, key=lambda result: result["seconds"])
    return {
        **fastest,
        "cpu_seconds": min(result["cpu_seconds"] for result in rounds),
        "peak_rss_mb": min(result["peak_rss_mb"] for result in rounds),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="SCD versions to generate")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per variant")
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
        rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in VARIANTS}
        for _ in range(args.rounds):
            for name in VARIANTS:
                rounds[name].append(_measure(name, path))
    best = {name: best_of(results) for name, results in rounds.items()}
    print(f"best of {args.rounds} interleaved rounds:")
    print(f"{'variant':<13} {'seconds':>8} {'CPU s':>7} {'peak RSS MB':>12}")
    for name, result in best.items():
        print(
            f"{name:<13} {result['seconds']:>8.2f} {result['cpu_seconds']:>7.2f}"
            f" {result['peak_rss_mb']:>12.0f}"
        )
    single, hand, baseline = best["single_pass"], best["hand_written"], best["baseline"]
    time_ratio = baseline["seconds"] / single["seconds"]
    memory_ratio = baseline["peak_rss_mb"] / single["peak_rss_mb"]
    print(f"baseline / single-pass: time x{time_ratio:.2f}, peak memory x{memory_ratio:.2f}")
    hand_ratio = single["seconds"] / hand["seconds"]
    hand_cpu = single["cpu_seconds"] / hand["cpu_seconds"]
    within = "within" if max(hand_ratio, hand_cpu) <= HAND_WRITTEN_BOUND else "OUTSIDE"
    print(
        f"single-pass / hand-written: time x{hand_ratio:.2f}, CPU x{hand_cpu:.2f}"
        f" ({within} the x{HAND_WRITTEN_BOUND} bound)"
    )
    single_sql = scd_query(_duckdb_settings("-"))
    print(
        "SCD table reads (what Athena bills as bytes scanned):"
        f" single-pass {single_sql.count('dim_sf_user_scd')},"
        f" hand-written {HAND_WRITTEN.count('dim_sf_user_scd')},"
        f" baseline {sum(text.count('dim_sf_user_scd') for text in BASELINE.values())}"
    )
    counts = {name: single["counts"][name] for name in BASELINE}
    print(f"violating users per check: {counts}")
    mismatches = [
        f"{name} found {found}"
        for name, found in (
            ("baseline", baseline["counts"]),
            ("hand-written", {k: hand["counts"][k] for k in BASELINE}),
        )
        if found != counts
    ]
    if hand["counts"] != single["counts"]:
        mismatches.append(f"hand-written row {hand['counts']} != single-pass {single['counts']}")
    if mismatches:
        print("MISMATCH: " + "; ".join(mismatches), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
