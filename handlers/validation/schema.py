"""The columns the ingestion checks need, and which of them the tables have.

Both engines list a table's columns in `information_schema.columns`: DuckDB from its own catalog,
Athena from the Glue Data Catalog (for an Iceberg table, from the table's current metadata on
S3). The columns query filters each table with `table_schema = '...' AND table_name = '...'`
equalities, one SELECT per table joined by UNION ALL: Trino (Athena) then looks up exactly those
two tables (glue:GetTable, which the validator's role holds for them) instead of listing every
database and table; an OR of both pairs would make it look up the cross product. Trino only
looks up lower-case names, and the Glue catalog stores them so: names are compared in lower case.

A dimension that does not exist yet (the first run, before dbt built it) is not drift: it has no
current users to lose. A raw table that does not exist is a configuration error, not a check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from handlers.contract import EnvVar
from handlers.validation import identifiers
from handlers.validation.errors import QueryEngineError
from handlers.validation.settings import ValidatorSettings

TABLE_COLUMN: Final = "table_role"
NAME_COLUMN: Final = "column_name"


class Source(StrEnum):
    """The two tables the ingestion validation reads."""

    RAW = "raw"
    DIMENSION = "dimension"


@dataclass(frozen=True)
class ExpectedColumn:
    source: Source
    name: str  # as configured
    purpose: str  # what the checks use it for, for the message that names it

    @property
    def key(self) -> tuple[Source, str]:
        return self.source, self.name.lower()


def table_name(settings: ValidatorSettings, source: Source) -> str:
    return settings.raw_table if source is Source.RAW else settings.scd_table


def expected_columns(settings: ValidatorSettings) -> tuple[ExpectedColumn, ...]:
    """Every column a check needs, each once (the first purpose named wins).

    Raw table: the user key, the extraction time, the required fields and the tracked columns
    (dbt builds the dimension's versions from them). Dimension: the user key, the validity
    columns and the flags.
    """
    c = settings.columns
    raw = [
        (c.user_id, "user key"),
        (c.extracted_at, "extraction time"),
        *((name, "required field") for name in settings.effective_required_fields),
        (c.division, "tracked column"),
        (c.audit_phase, "tracked column"),
    ]
    dimension = [
        (c.user_id, "user key"),
        (c.valid_from, "validity start"),
        (c.valid_to, "validity end"),
        (c.is_deleted, "deleted flag"),
        *([(c.is_current, "current flag")] if c.is_current is not None else []),
    ]
    found: dict[tuple[Source, str], ExpectedColumn] = {}
    for source, columns in ((Source.RAW, raw), (Source.DIMENSION, dimension)):
        for name, purpose in columns:
            column = ExpectedColumn(source, name, purpose)
            found.setdefault(column.key, column)
    return tuple(found.values())


def _literal(text: str) -> str:
    # Only validated identifiers reach here (letters, digits, underscores): nothing to escape.
    assert identifiers.is_column(text), text
    return f"'{text.lower()}'"


def columns_query(settings: ValidatorSettings, tag: str | None = None) -> str:
    """`table_role, column_name` of both tables, one row per column (names in lower case).

    `tag` (see `sql.run_tag`) makes the text unique to one Glue run, so Athena never answers a
    later run from this one's reused result.
    """
    selects = []
    for source, variable in ((Source.RAW, EnvVar.RAW_TABLE), (Source.DIMENSION, EnvVar.SCD_TABLE)):
        configured = table_name(settings, source)
        identifiers.table(variable, configured)  # refuses anything but plain names
        schema, _, table = configured.rpartition(".")
        where = f"table_name = {_literal(table)}"
        if schema:
            where = f"table_schema = {_literal(schema)} AND {where}"
        tagged = f", '{tag}' AS run_tag" if tag else ""
        selects.append(
            f"SELECT '{source.value}' AS {TABLE_COLUMN}, LOWER(column_name) AS {NAME_COLUMN}"
            f"{tagged}\nFROM information_schema.columns\nWHERE {where}"
        )
    return "\nUNION ALL\n".join(selects)


@dataclass(frozen=True)
class Schema:
    """The columns each table has (lower case); a table with none does not exist."""

    columns: Mapping[Source, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> Schema:
        found: dict[Source, set[str]] = {source: set() for source in Source}
        for row in rows:
            found[Source(row[TABLE_COLUMN])].add(str(row[NAME_COLUMN]).lower())
        return cls({source: frozenset(names) for source, names in found.items()})

    def exists(self, source: Source) -> bool:
        return bool(self.columns.get(source))

    def has(self, source: Source, name: str) -> bool:
        return name.lower() in self.columns.get(source, frozenset())

    def missing(self, expected: Iterable[ExpectedColumn]) -> tuple[ExpectedColumn, ...]:
        """The expected columns a table lacks; a dimension that does not exist lacks none."""
        return tuple(
            column
            for column in expected
            if (column.source is Source.RAW or self.exists(column.source))
            and not self.has(column.source, column.name)
        )

    def require_raw_table(self, settings: ValidatorSettings) -> None:
        if not self.exists(Source.RAW):
            raise QueryEngineError(
                f"ingestion: table {settings.raw_table} has no columns in"
                f" information_schema.columns: check {EnvVar.RAW_TABLE} and that the table exists"
            )
