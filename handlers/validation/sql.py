"""The validation queries: one SQL text that runs unchanged on Athena (Trino) and DuckDB.

Each validation is ONE query that returns ONE row of aggregates; every check reads a column of
that row. The SCD query reads the SCD table once (one window pass partitioned by user, folded
into per-user flags, then counted); both queries find the latest raw extract with a MAX over
the one timestamp column and then read only that extract's rows.

The SCD query also counts the latest load's records in the same pass (`RecordCount`): the rows
of the latest extract, and the dimension versions opened, closed and newly deleted at or after
that extract's `_extracted_at` (the seed's model stamps versions with the extract time; a dbt
snapshot stamps the later snapshot time). The one extra cost is a second MAX over the raw
table's timestamp column, cross-joined as a one-row CTE.

A rule is one `Rule` definition (name, description, scope and the SQL condition it is violated
under) in `INGESTION_RULES` or `SCD_RULES`; the queries are assembled from those lists: one
violation column per rule, its count, and the passing rows or users (violating none).

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
from enum import StrEnum
from typing import Final

from handlers.contract import EnvVar
from handlers.validation import identifiers
from handlers.validation.settings import ValidatorSettings

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


class Scope(StrEnum):
    """What one rule judges, and the names its SQL condition may use."""

    # One row of the latest extract: `user_id`, `extracted_at`, `required_present` (every
    # required field present); window functions over these are allowed.
    ROW = "row"
    # One dimension version (a user violates the rule when any version does): `user_id`,
    # `valid_from`, `valid_to`, `division`, `audit_phase`, `is_deleted`, `current_flag`, and by
    # user in `valid_from` order `next_valid_from`, `previous_division`, `previous_audit_phase`,
    # `previous_is_deleted` (NULL only on a user's first version).
    VERSION = "version"
    # One user of the history (`u`: `user_id`, `versions`, `open_versions`, `current_division`,
    # `current_audit_phase`, `current_is_deleted`) or of the latest extract (`e`: `user_id`,
    # `division`, `audit_phase`); either side is NULL when the user is missing there.
    USER = "user"


@dataclass(frozen=True)
class Rule:
    """One rule: the query counts its violations in a result column named after it.

    `violated` is a SQL condition over the names its `scope` provides; `requires_column` names
    a column (a `Columns` field) that must be configured for the rule to apply.
    """

    name: str
    description: str
    scope: Scope
    violated: str
    requires_column: str | None = None


# Row-level rules over the latest extract; together they define DataQualityScore.
INGESTION_RULES: Final = (
    Rule(
        "required_fields_present",
        "rows missing a required field (NULL or blank)",
        Scope.ROW,
        "NOT required_present",
    ),
    Rule(
        "unique_user_id",
        "rows whose user id appears more than once",
        Scope.ROW,
        "user_id IS NOT NULL AND COUNT(*) OVER (PARTITION BY user_id) > 1",
    ),
)

# Per-user rules over the SCD table; together they define SCDIntegrityScore.
SCD_RULES: Final = (
    Rule(
        "current_record_uniqueness",
        "users without exactly one current (open) version",
        Scope.USER,
        "u.user_id IS NOT NULL AND u.open_versions <> 1",
    ),
    Rule(
        "validity_continuity",
        "users with a gap, an overlap or an empty range between consecutive versions",
        Scope.VERSION,
        """valid_from IS NULL
                OR (valid_to IS NOT NULL AND valid_to <= valid_from)
                OR (next_valid_from IS NOT NULL
                    AND (valid_to IS NULL OR valid_to <> next_valid_from))""",
    ),
    Rule(
        "current_flag_consistency",
        "users with is_current disagreeing with an open valid_to",
        Scope.VERSION,
        "current_flag IS NULL OR current_flag <> (valid_to IS NULL)",
        requires_column="is_current",
    ),
    Rule(
        "change_driven_versions",
        "users with a version whose division, audit phase and deleted flag did not change",
        Scope.VERSION,
        """previous_is_deleted IS NOT NULL
                AND division IS NOT DISTINCT FROM previous_division
                AND audit_phase IS NOT DISTINCT FROM previous_audit_phase
                AND is_deleted = previous_is_deleted""",
    ),
    Rule(
        "current_matches_source",
        "users in the latest extract whose current version is missing, differs or is deleted",
        Scope.USER,
        """e.user_id IS NOT NULL
                AND (u.user_id IS NULL
                    OR (u.open_versions = 1
                        AND (u.current_division IS DISTINCT FROM e.division
                            OR u.current_audit_phase IS DISTINCT FROM e.audit_phase
                            OR u.current_is_deleted = 1)))""",
    ),
    Rule(
        "deleted_users_flagged",
        "users missing from the latest extract whose current version is not flagged deleted",
        Scope.USER,
        "e.user_id IS NULL AND u.open_versions = 1 AND u.current_is_deleted = 0",
    ),
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


def _latest_extract_filter(
    settings: ValidatorSettings, alias: str, since: datetime | None = None
) -> str:
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


def _violation(rule: Rule) -> str:
    """1 where `rule` is violated, else 0."""
    return f"CASE WHEN {rule.violated} THEN 1 ELSE 0 END"


def _totals(rules: tuple[Rule, ...], passing: str) -> str:
    """Per rule the number of violators, and `passing`: how many violate none of the rules."""
    counts = [f"COALESCE(SUM({rule.name}), 0) AS {rule.name}" for rule in rules]
    any_violation = " + ".join(rule.name for rule in rules)
    return _list(
        [*counts, f"COALESCE(SUM(CASE WHEN {any_violation} = 0 THEN 1 ELSE 0 END), 0) AS {passing}"]
    )


def _list(items: list[str], indent: int = 4) -> str:
    return f",\n{' ' * indent}".join(items)


def ingestion_rules() -> tuple[Rule, ...]:
    return INGESTION_RULES


def ingestion_query(settings: ValidatorSettings, now: datetime) -> str:
    """One row: total_rows, latest_extracted_at, one violation count per rule, passing_rows.

    Only extracts since `extraction_window_start(now, settings.ingestion_lookback_days)` are
    read; an older latest extract reads as no rows (and fails freshness, as it would anyway).
    """
    since = extraction_window_start(now, settings.ingestion_lookback_days)
    raw = identifiers.table(EnvVar.RAW_TABLE, settings.raw_table)
    present = " AND ".join(
        _present("r." + identifiers.column(EnvVar.REQUIRED_FIELDS, name))
        for name in settings.effective_required_fields
    )
    rules = ingestion_rules()
    return f"""
WITH latest_rows AS (
    SELECT
        r.{settings.columns.quoted("user_id")} AS user_id,
        r.{settings.columns.quoted("extracted_at")} AS extracted_at,
        {present} AS required_present
    FROM {raw} r
    WHERE {_latest_extract_filter(settings, "r", since)}
),
row_rules AS (
    SELECT
        extracted_at,
        {_list([f"{_violation(rule)} AS {rule.name}" for rule in rules], 8)}
    FROM latest_rows
)
SELECT
    COUNT(*) AS total_rows,
    MAX(extracted_at) AS latest_extracted_at,
    {_totals(rules, "passing_rows")}
FROM row_rules
""".strip()


class RecordCount:
    """Result columns of the SCD query that count the latest load's records (not rules)."""

    PROCESSED: Final = "records_processed"
    CREATED: Final = "records_created"
    UPDATED: Final = "records_updated"
    DELETED: Final = "records_deleted"


def scd_rules(settings: ValidatorSettings) -> tuple[Rule, ...]:
    """The rules that apply: those needing a column only when that column is configured."""
    configured = settings.columns.configured()
    return tuple(
        rule
        for rule in SCD_RULES
        if rule.requires_column is None or rule.requires_column in configured
    )


def _scd_sources(settings: ValidatorSettings) -> str:
    """The CTEs every SCD rule reads: the latest load's time, and each version with its
    neighbours (`Scope.VERSION` names), in one pass over the SCD table."""
    columns = settings.columns
    raw = identifiers.table(EnvVar.RAW_TABLE, settings.raw_table)
    scd = identifiers.table(EnvVar.SCD_TABLE, settings.scd_table)
    extracted_at = columns.quoted("extracted_at")
    current_flag = (
        _flag("s." + columns.quoted("is_current"))
        if columns.is_current is not None
        else f"s.{columns.quoted('valid_to')} IS NULL"
    )
    by_user = "PARTITION BY user_id ORDER BY valid_from ASC NULLS LAST, valid_to ASC NULLS LAST"
    return f"""
latest_load AS (
    SELECT MAX(newest.{extracted_at}) AS loaded_at FROM {raw} newest
),
flagged AS (
    SELECT
        l.loaded_at,
        s.{columns.quoted("user_id")} AS user_id,
        s.{columns.quoted("valid_from")} AS valid_from,
        s.{columns.quoted("valid_to")} AS valid_to,
        s.{columns.quoted("division")} AS division,
        s.{columns.quoted("audit_phase")} AS audit_phase,
        COALESCE({_flag("s." + columns.quoted("is_deleted"))}, FALSE) AS is_deleted,
        {current_flag} AS current_flag
    FROM {scd} s
    CROSS JOIN latest_load l
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
)""".strip()


# Per user over `versions`: what `Scope.USER` rules read as `u`, and the load's record counts.
USER_AGGREGATES: Final = (
    "user_id",
    "COUNT(*) AS versions",
    "SUM(CASE WHEN valid_to IS NULL THEN 1 ELSE 0 END) AS open_versions",
    "MAX(CASE WHEN valid_to IS NULL THEN division END) AS current_division",
    "MAX(CASE WHEN valid_to IS NULL THEN audit_phase END) AS current_audit_phase",
    "MAX(CASE WHEN valid_to IS NULL AND is_deleted THEN 1 ELSE 0 END) AS current_is_deleted",
    "SUM(CASE WHEN valid_from >= loaded_at THEN 1 ELSE 0 END) AS opened_versions",
    "SUM(CASE WHEN valid_to >= loaded_at THEN 1 ELSE 0 END) AS closed_versions",
    """SUM(CASE
            WHEN valid_from >= loaded_at AND is_deleted AND NOT COALESCE(previous_is_deleted, FALSE)
            THEN 1 ELSE 0
        END) AS newly_deleted""",
)


def _scd_users(settings: ValidatorSettings, rules: tuple[Rule, ...]) -> str:
    """Per user: the history's aggregates (`Scope.USER` names of `u`) with one flag per
    version rule, the latest extract (`e`), and the load's record counts."""
    version_flags = [
        f"MAX({_violation(rule)}) AS {rule.name}" for rule in rules if rule.scope is Scope.VERSION
    ]
    user_flags = [
        f"{f'COALESCE(u.{rule.name}, 0)' if rule.scope is Scope.VERSION else _violation(rule)}"
        f" AS {rule.name}"
        for rule in rules
    ]
    columns = settings.columns
    raw = identifiers.table(EnvVar.RAW_TABLE, settings.raw_table)
    user_id = columns.quoted("user_id")
    return f"""
user_flags AS (
    SELECT
        {_list([*USER_AGGREGATES, *version_flags], 8)}
    FROM versions
    GROUP BY user_id
),
latest_extract AS (
    SELECT
        r.{user_id} AS user_id,
        MAX(r.{columns.quoted("division")}) AS division,
        MAX(r.{columns.quoted("audit_phase")}) AS audit_phase,
        COUNT(*) AS extract_rows
    FROM {raw} r
    WHERE {_latest_extract_filter(settings, "r")}
    GROUP BY r.{user_id}
),
user_rules AS (
    SELECT
        COALESCE(u.versions, 0) AS versions,
        COALESCE(e.extract_rows, 0) AS extract_rows,
        COALESCE(u.opened_versions, 0) AS opened_versions,
        COALESCE(u.closed_versions, 0) AS closed_versions,
        COALESCE(u.newly_deleted, 0) AS newly_deleted,
        {_list(user_flags, 8)}
    FROM user_flags u
    FULL OUTER JOIN latest_extract e ON u.user_id = e.user_id
)""".strip()


def scd_query(settings: ValidatorSettings) -> str:
    """One row: users, versions, one violating-user count per rule, passing_users, and the
    latest load's record counts (`RecordCount` columns), from one pass over the SCD table.

    "Current" means an open `valid_to` (NULL); `is_current`, when configured, must agree.
    """
    rules = scd_rules(settings)
    return f"""
WITH {_scd_sources(settings)},
{_scd_users(settings, rules)}
SELECT
    COUNT(*) AS users,
    COALESCE(SUM(versions), 0) AS versions,
    {_totals(rules, "passing_users")},
    COALESCE(SUM(extract_rows), 0) AS {RecordCount.PROCESSED},
    COALESCE(SUM(opened_versions), 0) AS {RecordCount.CREATED},
    COALESCE(SUM(closed_versions), 0) AS {RecordCount.UPDATED},
    COALESCE(SUM(newly_deleted), 0) AS {RecordCount.DELETED}
FROM user_rules
""".strip()
