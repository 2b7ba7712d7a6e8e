"""A local stand-in for the pipeline's warehouse: the raw extract table and the SCD2 dimension,
as DuckDB tables with the names and columns the validator reads by default.

`build_scd` derives `salesforce_curated.dim_sf_user_scd` from the extracts the way dbt's snapshot
`check` strategy (check_cols = division, audit_phase__c; hard_deletes = new_record) would if it ran
after each of them: a new version only when a tracked column changed (NULL counts as a value),
the extract time as `valid_from`, and a deleted current row for a user missing from an extract.
By default every extract in the raw table counts; given `extracts`, only those do (the ones dbt
snapshotted: a run stopped before dbt leaves its extract in the raw table but not in the history).
The `plant_*` functions break a built warehouse in one specific way each, for the broken demo run
and the state machine's partial-extract proof.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

import duckdb

from handlers.contract import DEFAULT_RAW_TABLE, DEFAULT_SCD_TABLE
from local.salesforce_users import ExtractPlan, UserRecord, generate_extracts

RAW_TABLE: Final = DEFAULT_RAW_TABLE
SCD_TABLE: Final = DEFAULT_SCD_TABLE
_INSERT_CHUNK_ROWS: Final = 500
# The extracts one SCD build reads, when not all of them (a temporary copy of their rows).
_SNAPSHOTTED_EXTRACTS: Final = "snapshotted_extracts"


class Column(StrEnum):
    USER_ID = "user_id"
    USERNAME = "username"
    EMAIL = "email"
    DIVISION = "division"
    AUDIT_PHASE = "audit_phase__c"
    IS_ACTIVE = "is_active"
    EXTRACTED_AT = "_extracted_at"
    VALID_FROM = "valid_from"
    VALID_TO = "valid_to"
    IS_CURRENT = "is_current"
    IS_DELETED = "is_deleted"


_RAW_DDL: Final = f"""
CREATE SCHEMA IF NOT EXISTS {RAW_TABLE.split(".")[0]};
CREATE OR REPLACE TABLE {RAW_TABLE} (
    {Column.USER_ID} VARCHAR NOT NULL,
    {Column.USERNAME} VARCHAR,
    {Column.EMAIL} VARCHAR,
    {Column.DIVISION} VARCHAR,
    {Column.AUDIT_PHASE} VARCHAR,
    {Column.IS_ACTIVE} BOOLEAN,
    {Column.EXTRACTED_AT} TIMESTAMP NOT NULL
)"""

# One row per user per extract from the user's first extract on; a missing user is a deleted
# state that keeps its last tracked values. A version starts where that state changes.
_SCD_SQL_TEMPLATE: Final = f"""
CREATE SCHEMA IF NOT EXISTS {SCD_TABLE.split(".")[0]};
CREATE OR REPLACE TABLE {SCD_TABLE} AS
WITH extracts AS (
    SELECT DISTINCT {Column.EXTRACTED_AT} AS extracted_at FROM {{source}}
),
first_seen AS (
    SELECT {Column.USER_ID} AS user_id, min({Column.EXTRACTED_AT}) AS first_at
    FROM {{source}} GROUP BY 1
),
states AS (
    SELECT
        f.user_id,
        e.extracted_at,
        r.{Column.USER_ID} IS NULL AS is_deleted,
        last_value(r.{Column.DIVISION} IGNORE NULLS) OVER user_history AS carried_division,
        r.{Column.DIVISION} AS division,
        last_value(r.{Column.AUDIT_PHASE} IGNORE NULLS) OVER user_history AS carried_phase,
        r.{Column.AUDIT_PHASE} AS audit_phase
    FROM first_seen AS f
    JOIN extracts AS e ON e.extracted_at >= f.first_at
    LEFT JOIN {{source}} AS r
        ON r.{Column.USER_ID} = f.user_id AND r.{Column.EXTRACTED_AT} = e.extracted_at
    WINDOW user_history AS (
        PARTITION BY f.user_id ORDER BY e.extracted_at ROWS UNBOUNDED PRECEDING
    )
),
resolved AS (
    -- A present row's values are taken as they are (NULL included); a deleted one carries.
    SELECT
        user_id,
        extracted_at,
        is_deleted,
        CASE WHEN is_deleted THEN carried_division ELSE division END AS division,
        CASE WHEN is_deleted THEN carried_phase ELSE audit_phase END AS audit_phase
    FROM states
),
changes AS (
    SELECT
        *,
        lag(extracted_at) OVER by_user IS NULL
        OR is_deleted IS DISTINCT FROM lag(is_deleted) OVER by_user
        OR (NOT is_deleted AND (
            division IS DISTINCT FROM lag(division) OVER by_user
            OR audit_phase IS DISTINCT FROM lag(audit_phase) OVER by_user
        )) AS starts_version
    FROM resolved
    WINDOW by_user AS (PARTITION BY user_id ORDER BY extracted_at)
),
versions AS (
    SELECT
        user_id,
        division,
        audit_phase,
        extracted_at AS valid_from,
        lead(extracted_at) OVER (PARTITION BY user_id ORDER BY extracted_at) AS valid_to,
        is_deleted
    FROM changes
    WHERE starts_version
)
SELECT
    user_id AS {Column.USER_ID},
    division AS {Column.DIVISION},
    audit_phase AS {Column.AUDIT_PHASE},
    valid_from AS {Column.VALID_FROM},
    valid_to AS {Column.VALID_TO},
    valid_to IS NULL AS {Column.IS_CURRENT},
    is_deleted AS {Column.IS_DELETED}
FROM versions
ORDER BY 1, 4
"""


@dataclass(frozen=True)
class WarehouseSummary:
    raw_rows: int
    extracts: int
    scd_rows: int
    current_users: int
    latest_extract_at: datetime


def load_raw(connection: duckdb.DuckDBPyConnection, rows: Iterable[UserRecord]) -> None:
    """(Re)create the raw table with `rows`."""
    connection.execute(_RAW_DDL)
    append_raw(connection, rows)


def append_raw(connection: duckdb.DuckDBPyConnection, rows: Iterable[UserRecord]) -> None:
    """Add `rows` (an extract, as the Glue job writes it) to the raw table."""
    values = [astuple(row) for row in rows]
    # One multi-row INSERT per chunk: DuckDB's executemany runs a statement per row.
    for start in range(0, len(values), _INSERT_CHUNK_ROWS):
        chunk = values[start : start + _INSERT_CHUNK_ROWS]
        placeholders = ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
        parameters = [value for row in chunk for value in row]
        connection.execute(f"INSERT INTO {RAW_TABLE} VALUES {placeholders}", parameters)


def build_scd(
    connection: duckdb.DuckDBPyConnection, extracts: Sequence[datetime] | None = None
) -> None:
    """(Re)build the SCD2 dimension from every extract in the raw table, or from `extracts`."""
    if extracts is None:
        connection.execute(_SCD_SQL_TEMPLATE.format(source=RAW_TABLE))
        return
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE {_SNAPSHOTTED_EXTRACTS} AS SELECT * FROM {RAW_TABLE}"
        f" WHERE list_contains(?::TIMESTAMP[], {Column.EXTRACTED_AT})",
        [list(extracts)],
    )
    connection.execute(_SCD_SQL_TEMPLATE.format(source=_SNAPSHOTTED_EXTRACTS))


def summarise(connection: duckdb.DuckDBPyConnection) -> WarehouseSummary:
    row = _first_row(
        connection,
        f"""SELECT
            (SELECT count(*) FROM {RAW_TABLE}),
            (SELECT count(DISTINCT {Column.EXTRACTED_AT}) FROM {RAW_TABLE}),
            (SELECT count(*) FROM {SCD_TABLE}),
            (SELECT count(*) FROM {SCD_TABLE}
                WHERE {Column.IS_CURRENT} AND NOT {Column.IS_DELETED}),
            (SELECT max({Column.EXTRACTED_AT}) FROM {RAW_TABLE})""",
    )
    assert row is not None
    return WarehouseSummary(*row)


def build_warehouse(
    connection: duckdb.DuckDBPyConnection, plan: ExtractPlan, latest_extract_at: datetime
) -> WarehouseSummary:
    """Generate the extracts of `plan`, load them and build the dimension."""
    load_raw(connection, generate_extracts(plan, latest_extract_at))
    build_scd(connection)
    return summarise(connection)


def _first_row(
    connection: duckdb.DuckDBPyConnection, sql: str, parameters: list[object] | None = None
) -> tuple[Any, ...] | None:
    # DuckDB 2 refuses new work on a connection with an unfinished result: fetch all of it.
    rows = connection.execute(sql, parameters).fetchall()
    return rows[0] if rows else None


def _one_user(connection: duckdb.DuckDBPyConnection, sql: str, defect: str) -> str:
    row = _first_row(connection, sql)
    if row is None:
        raise ValueError(f"no user in {SCD_TABLE} qualifies for planting {defect}")
    user_id: str = row[0]
    return user_id


def latest_extract(connection: duckdb.DuckDBPyConnection) -> datetime:
    """The `_extracted_at` of the raw table's latest extract."""
    latest = _first_row(connection, f"SELECT max({Column.EXTRACTED_AT}) FROM {RAW_TABLE}")
    if latest is None or latest[0] is None:
        raise ValueError(f"{RAW_TABLE} holds no extract")
    moment: datetime = latest[0]
    return moment


def plant_stale_extract(connection: duckdb.DuckDBPyConnection, hours: float) -> datetime:
    """Age every extract by `hours`, as if the Glue job had silently re-loaded old data.

    Returns the new latest `_extracted_at`.
    """
    connection.execute(
        f"UPDATE {RAW_TABLE} SET {Column.EXTRACTED_AT} = {Column.EXTRACTED_AT} - ?",
        [timedelta(hours=hours)],
    )
    return latest_extract(connection)


def plant_duplicate_current_row(connection: duckdb.DuckDBPyConnection, users: int = 1) -> str:
    """Give `users` users a second current row (a re-run MERGE that inserted, not updated).

    Each copy starts an hour after the real current row and has the next audit phase.
    Returns the first (highest) user id.
    """
    rows = connection.execute(
        f"SELECT {Column.USER_ID} FROM {SCD_TABLE} WHERE {Column.IS_CURRENT}"
        # From the highest id down, so that it spares the user plant_overlapping_history picks.
        f" AND NOT {Column.IS_DELETED} ORDER BY {Column.USER_ID} DESC LIMIT ?",
        [users],
    ).fetchall()
    if len(rows) < users or users < 1:
        raise ValueError(
            f"{SCD_TABLE} has {len(rows)} current users; cannot plant {users} duplicate rows"
        )
    user_ids = [row[0] for row in rows]
    connection.execute(
        f"""INSERT INTO {SCD_TABLE}
        SELECT {Column.USER_ID}, {Column.DIVISION},
               CASE WHEN {Column.AUDIT_PHASE} = 'Certified' THEN 'In Review' ELSE 'Certified' END,
               {Column.VALID_FROM} + INTERVAL 1 HOUR, NULL, TRUE, FALSE
        FROM {SCD_TABLE}
        WHERE list_contains(?, {Column.USER_ID}) AND {Column.IS_CURRENT}""",
        [user_ids],
    )
    first: str = user_ids[0]
    return first


def plant_overlapping_history(connection: duckdb.DuckDBPyConnection) -> str:
    """Stretch one user's closed version 12 hours past the start of the next one.

    Returns the user's id.
    """
    user_id = _one_user(
        connection,
        f"SELECT {Column.USER_ID} FROM {SCD_TABLE} WHERE NOT {Column.IS_CURRENT}"
        f" ORDER BY {Column.USER_ID} LIMIT 1",
        "overlapping history",
    )
    connection.execute(
        f"""UPDATE {SCD_TABLE} SET {Column.VALID_TO} = {Column.VALID_TO} + INTERVAL 12 HOUR
        WHERE {Column.USER_ID} = ? AND {Column.VALID_FROM} = (
            SELECT min({Column.VALID_FROM}) FROM {SCD_TABLE}
            WHERE {Column.USER_ID} = ? AND NOT {Column.IS_CURRENT})""",
        [user_id, user_id],
    )
    return user_id


def plant_partial_extract(connection: duckdb.DuckDBPyConnection, share: float) -> int:
    """Cut the latest extract short by `share` of its users (the last ones by id, as a truncated
    page would), and leave the dimension as dbt built it from the extracts before: the ingestion
    validation runs before dbt does.

    Returns how many users the latest extract lost.
    """
    if not 0 < share < 1:
        raise ValueError(f"share must be between 0 and 1 (exclusive), got {share}")
    latest = latest_extract(connection)
    count = _first_row(
        connection, f"SELECT count(*) FROM {RAW_TABLE} WHERE {Column.EXTRACTED_AT} = ?", [latest]
    )
    assert count is not None
    kept = round(count[0] * (1 - share))
    connection.execute(
        f"""CREATE TEMP TABLE partial_extract AS
        SELECT * FROM {RAW_TABLE} WHERE {Column.EXTRACTED_AT} = ?
        ORDER BY {Column.USER_ID} LIMIT ?""",
        [latest, kept],
    )
    connection.execute(f"DELETE FROM {RAW_TABLE} WHERE {Column.EXTRACTED_AT} = ?", [latest])
    build_scd(connection)
    connection.execute(f"INSERT INTO {RAW_TABLE} SELECT * FROM partial_extract")
    connection.execute("DROP TABLE partial_extract")
    lost: int = count[0] - kept
    return lost
