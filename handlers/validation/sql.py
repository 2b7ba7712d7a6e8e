"""The validation queries: one SQL text that runs unchanged on Athena (Trino) and DuckDB.

Each validation is ONE query that returns ONE row of aggregates; every check reads a column of
that row. The SCD query reads the SCD table once (one window pass partitioned by user, folded
into per-user flags, then counted); both queries find the latest raw extract with a MAX over
the one timestamp column and then read only that extract's rows.

Constructs relied on, all in the common subset of Trino and DuckDB:
- CTEs, scalar subqueries, FULL OUTER JOIN, GROUP BY, `COUNT/SUM/MAX`, `CASE WHEN`;
- window functions `LAG`, `LEAD`, `ROW_NUMBER`, `COUNT(*) OVER (PARTITION BY ...)` with an
  explicit `ORDER BY ... NULLS LAST` (no named WINDOW clause);
- `IS [NOT] DISTINCT FROM`, `CAST(x AS VARCHAR)`, `LOWER`, `TRIM`, `COALESCE`;
- double-quoted identifiers (validated in `identifiers`).
Time windows are `TIMESTAMP 'YYYY-MM-DD HH:MM:SS'` literals computed in Python (UTC).
Deliberately avoided: `QUALIFY`, `::` casts, `FILTER (WHERE ...)`, `GROUP BY ALL`, `date_diff` /
`datediff` (argument order differs), interval arithmetic and `now()`: time is compared in Python.
Flags are read as `LOWER(CAST(flag AS VARCHAR)) IN ('true', '1')`, so a boolean column and dbt's
string `'True'`/`'False'` (`dbt_is_deleted`) both work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from handlers.contract import EnvVar
from handlers.validation import identifiers
from handlers.validation.settings import Settings

BANNED_CONSTRUCTS: Final = (
    "QUALIFY",
    "::",
    "FILTER (",
    "GROUP BY ALL",
    "DATE_DIFF",
    "DATEDIFF",
    "INTERVAL",
    "NOW()",
    "EPOCH(",
    "STRFTIME",
    "REGEXP_MATCHES",
    "ILIKE",
    "EXCLUDE",
    "WINDOW ",
)


@dataclass(frozen=True)
class Rule:
    """A rule whose violations the query counts in a result column named after the rule."""

    name: str
    description: str


class IngestionRule:
    """Row-level rules over the latest extract; together they define DataQualityScore."""

    REQUIRED_FIELDS_PRESENT: Final = Rule(
        "required_fields_present", "rows missing a required field (NULL or blank)"
    )
    UNIQUE_USER_ID: Final = Rule("unique_user_id", "rows whose user id appears more than once")


class ScdRule:
    """Per-user rules over the SCD table; together they define SCDIntegrityScore."""

    CURRENT_RECORD_UNIQUENESS: Final = Rule(
        "current_record_uniqueness", "users without exactly one current (open) version"
    )
    VALIDITY_CONTINUITY: Final = Rule(
        "validity_continuity",
        "users with a gap, an overlap or an empty range between consecutive versions",
    )
    CURRENT_FLAG_CONSISTENCY: Final = Rule(
        "current_flag_consistency", "users with is_current disagreeing with an open valid_to"
    )
    CHANGE_DRIVEN_VERSIONS: Final = Rule(
        "change_driven_versions",
        "users with a version whose division, audit phase and deleted flag did not change",
    )
    CURRENT_MATCHES_SOURCE: Final = Rule(
        "current_matches_source",
        "users in the latest extract whose current version is missing, differs or is deleted",
    )
    DELETED_USERS_FLAGGED: Final = Rule(
        "deleted_users_flagged",
        "users missing from the latest extract whose current version is not flagged deleted",
    )


def _flag(expression: str) -> str:
    """A boolean from a boolean, 0/1 or 'True'/'False' column; NULL stays NULL."""
    return f"LOWER(CAST({expression} AS VARCHAR)) IN ('true', '1')"


def _present(expression: str) -> str:
    return f"({expression} IS NOT NULL AND TRIM(CAST({expression} AS VARCHAR)) <> '')"


def extraction_window_start(now: datetime, lookback_days: int) -> datetime:
    """Midnight UTC `lookback_days` before `now`'s day: the oldest extract ingestion reads.

    Whole days keep the query text identical all day, so Athena can reuse a retry's result.
    """
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=lookback_days)


def timestamp_literal(moment: datetime) -> str:
    """A UTC `TIMESTAMP '...'` literal that Trino and DuckDB both read."""
    return f"TIMESTAMP '{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S}'"


def _latest_extract_filter(settings: Settings, alias: str, since: datetime | None = None) -> str:
    """`alias.extracted_at = the newest extracted_at`: the rows of the latest extract.

    A Glue (Spark) job stamps `current_timestamp()` once per run, so one extract shares one
    timestamp. With `since`, both reads also filter on it, so a table partitioned by extraction
    date is pruned to the window's partitions.
    """
    raw = identifiers.table(EnvVar.RAW_TABLE, settings.raw_table)
    extracted_at = settings.columns.quoted("extracted_at")
    if since is None:
        return f"{alias}.{extracted_at} = (SELECT MAX(newest.{extracted_at}) FROM {raw} newest)"
    window = timestamp_literal(since)
    newest = f"SELECT MAX(newest.{extracted_at}) FROM {raw} newest"
    return (
        f"{alias}.{extracted_at} >= {window}\n"
        f"        AND {alias}.{extracted_at} = ({newest} WHERE newest.{extracted_at} >= {window})"
    )


def ingestion_rules() -> tuple[Rule, ...]:
    return (IngestionRule.REQUIRED_FIELDS_PRESENT, IngestionRule.UNIQUE_USER_ID)


def ingestion_query(settings: Settings, now: datetime) -> str:
    """One row: total_rows, latest_extracted_at, one violation count per rule, passing_rows.

    Only extracts since `extraction_window_start(now, settings.ingestion_lookback_days)` are
    read; an older latest extract reads as no rows (and fails freshness, as it would anyway).
    """
    since = extraction_window_start(now, settings.ingestion_lookback_days)
    raw = identifiers.table(EnvVar.RAW_TABLE, settings.raw_table)
    user_id = settings.columns.quoted("user_id")
    extracted_at = settings.columns.quoted("extracted_at")
    present = " AND ".join(
        _present("r." + identifiers.column(EnvVar.REQUIRED_FIELDS, name))
        for name in settings.effective_required_fields
    )
    required = IngestionRule.REQUIRED_FIELDS_PRESENT.name
    unique = IngestionRule.UNIQUE_USER_ID.name
    return f"""
WITH row_rules AS (
    SELECT
        r.{extracted_at} AS extracted_at,
        CASE WHEN {present} THEN 0 ELSE 1 END AS {required},
        CASE
            WHEN r.{user_id} IS NOT NULL AND COUNT(*) OVER (PARTITION BY r.{user_id}) > 1
            THEN 1 ELSE 0
        END AS {unique}
    FROM {raw} r
    WHERE {_latest_extract_filter(settings, "r", since)}
)
SELECT
    COUNT(*) AS total_rows,
    MAX(extracted_at) AS latest_extracted_at,
    COALESCE(SUM({required}), 0) AS {required},
    COALESCE(SUM({unique}), 0) AS {unique},
    COALESCE(SUM(CASE WHEN {required} + {unique} = 0 THEN 1 ELSE 0 END), 0) AS passing_rows
FROM row_rules
""".strip()


def scd_rules(settings: Settings) -> tuple[Rule, ...]:
    """The rules that apply: the is_current check only when that column is configured."""
    rules = [ScdRule.CURRENT_RECORD_UNIQUENESS, ScdRule.VALIDITY_CONTINUITY]
    if settings.columns.is_current is not None:
        rules.append(ScdRule.CURRENT_FLAG_CONSISTENCY)
    rules += [
        ScdRule.CHANGE_DRIVEN_VERSIONS,
        ScdRule.CURRENT_MATCHES_SOURCE,
        ScdRule.DELETED_USERS_FLAGGED,
    ]
    return tuple(rules)


def scd_query(settings: Settings) -> str:
    """One row: users, versions, one violating-user count per rule, passing_users.

    "Current" means an open `valid_to` (NULL); `is_current`, when configured, must agree.
    """
    columns = settings.columns
    raw = identifiers.table(EnvVar.RAW_TABLE, settings.raw_table)
    scd = identifiers.table(EnvVar.SCD_TABLE, settings.scd_table)
    user_id, valid_from, valid_to = (
        columns.quoted(n) for n in ("user_id", "valid_from", "valid_to")
    )
    division, audit_phase = columns.quoted("division"), columns.quoted("audit_phase")
    current_flag = (
        _flag("s." + columns.quoted("is_current"))
        if columns.is_current is not None
        else f"s.{valid_to} IS NULL"
    )
    by_user = "PARTITION BY user_id ORDER BY valid_from ASC NULLS LAST, valid_to ASC NULLS LAST"
    all_rules = " + ".join(r.name for r in scd_rules(settings))
    counts = ",\n    ".join(f"COALESCE(SUM({r.name}), 0) AS {r.name}" for r in scd_rules(settings))
    return f"""
WITH flagged AS (
    SELECT
        s.{user_id} AS user_id,
        s.{valid_from} AS valid_from,
        s.{valid_to} AS valid_to,
        s.{division} AS division,
        s.{audit_phase} AS audit_phase,
        COALESCE({_flag("s." + columns.quoted("is_deleted"))}, FALSE) AS is_deleted,
        {current_flag} AS current_flag
    FROM {scd} s
),
versions AS (
    SELECT
        f.*,
        LEAD(valid_from) OVER ({by_user}) AS next_valid_from,
        LAG(division) OVER ({by_user}) AS previous_division,
        LAG(audit_phase) OVER ({by_user}) AS previous_audit_phase,
        -- NULL only on a user's first version: is_deleted itself is never NULL.
        LAG(is_deleted) OVER ({by_user}) AS previous_is_deleted
    FROM flagged f
),
user_flags AS (
    SELECT
        user_id,
        COUNT(*) AS versions,
        SUM(CASE WHEN valid_to IS NULL THEN 1 ELSE 0 END) AS open_versions,
        MAX(CASE
            WHEN valid_from IS NULL
                OR (valid_to IS NOT NULL AND valid_to <= valid_from)
                OR (next_valid_from IS NOT NULL
                    AND (valid_to IS NULL OR valid_to <> next_valid_from))
            THEN 1 ELSE 0
        END) AS broken_continuity,
        MAX(CASE
            WHEN current_flag IS NULL OR current_flag <> (valid_to IS NULL) THEN 1 ELSE 0
        END) AS inconsistent_flags,
        MAX(CASE
            WHEN previous_is_deleted IS NOT NULL
                AND division IS NOT DISTINCT FROM previous_division
                AND audit_phase IS NOT DISTINCT FROM previous_audit_phase
                AND is_deleted = previous_is_deleted
            THEN 1 ELSE 0
        END) AS unchanged_versions,
        MAX(CASE WHEN valid_to IS NULL THEN division END) AS current_division,
        MAX(CASE WHEN valid_to IS NULL THEN audit_phase END) AS current_audit_phase,
        MAX(CASE WHEN valid_to IS NULL AND is_deleted THEN 1 ELSE 0 END) AS current_is_deleted
    FROM versions
    GROUP BY user_id
),
latest_extract AS (
    SELECT
        r.{user_id} AS user_id,
        MAX(r.{division}) AS division,
        MAX(r.{audit_phase}) AS audit_phase
    FROM {raw} r
    WHERE {_latest_extract_filter(settings, "r")}
    GROUP BY r.{user_id}
),
user_rules AS (
    SELECT
        COALESCE(u.versions, 0) AS versions,
        CASE WHEN u.user_id IS NOT NULL AND u.open_versions <> 1 THEN 1 ELSE 0 END
            AS {ScdRule.CURRENT_RECORD_UNIQUENESS.name},
        COALESCE(u.broken_continuity, 0) AS {ScdRule.VALIDITY_CONTINUITY.name},
        COALESCE(u.inconsistent_flags, 0) AS {ScdRule.CURRENT_FLAG_CONSISTENCY.name},
        COALESCE(u.unchanged_versions, 0) AS {ScdRule.CHANGE_DRIVEN_VERSIONS.name},
        CASE
            WHEN e.user_id IS NOT NULL AND u.user_id IS NULL THEN 1
            WHEN e.user_id IS NOT NULL AND u.open_versions = 1
                AND (u.current_division IS DISTINCT FROM e.division
                    OR u.current_audit_phase IS DISTINCT FROM e.audit_phase
                    OR u.current_is_deleted = 1)
            THEN 1 ELSE 0
        END AS {ScdRule.CURRENT_MATCHES_SOURCE.name},
        CASE
            WHEN e.user_id IS NULL AND u.open_versions = 1 AND u.current_is_deleted = 0
            THEN 1 ELSE 0
        END AS {ScdRule.DELETED_USERS_FLAGGED.name}
    FROM user_flags u
    FULL OUTER JOIN latest_extract e ON u.user_id = e.user_id
)
SELECT
    COUNT(*) AS users,
    COALESCE(SUM(versions), 0) AS versions,
    {counts},
    COALESCE(SUM(CASE WHEN {all_rules} = 0 THEN 1 ELSE 0 END), 0) AS passing_users
FROM user_rules
""".strip()
