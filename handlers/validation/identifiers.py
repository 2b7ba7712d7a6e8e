"""SQL identifiers from configuration: validated against a strict pattern, then quoted.

Table and column names come from environment variables, so they are untrusted text that ends up
inside SQL. Only plain names pass (`[A-Za-z_][A-Za-z0-9_]*`, a table optionally `schema.table`);
anything with quotes, semicolons, spaces or comment markers is rejected with an error naming the
setting. Double-quoted identifiers mean the same in Trino (Athena) and DuckDB.
"""

from __future__ import annotations

import re
from typing import Final

from handlers.settings import ConfigurationError

_NAME: Final = r"[A-Za-z_][A-Za-z0-9_]*"
_COLUMN_PATTERN: Final = re.compile(_NAME)
_TABLE_PATTERN: Final = re.compile(rf"{_NAME}(?:\.{_NAME})?")
RULE: Final = (
    "letters, digits and underscores only, not starting with a digit"
    " (no quotes, semicolons, spaces or comment markers)"
)


class InvalidIdentifierError(ConfigurationError):
    """A configured table or column name is not a plain SQL identifier."""

    def __init__(self, setting: str, value: str, expected: str) -> None:
        super().__init__(f"{setting}: {problem(value, expected)}", variables=[setting])
        self.setting = setting


def problem(value: str, expected: str) -> str:
    """Why `value` is not a valid `expected` ("column name" or "table name")."""
    shape = " (optionally schema.table)" if expected == "table name" else ""
    return f"{value!r} is not a valid {expected}{shape}: use {RULE}"


def is_column(value: str) -> bool:
    return _COLUMN_PATTERN.fullmatch(value) is not None


def is_table(value: str) -> bool:
    return _TABLE_PATTERN.fullmatch(value) is not None


def column(setting: str, value: str) -> str:
    """The quoted column name, or InvalidIdentifierError naming `setting`."""
    if not is_column(value):
        raise InvalidIdentifierError(setting, value, "column name")
    return f'"{value}"'


def table(setting: str, value: str) -> str:
    """The quoted `"schema"."table"` (or `"table"`), or InvalidIdentifierError naming `setting`."""
    if not is_table(value):
        raise InvalidIdentifierError(setting, value, "table name")
    return ".".join(f'"{part}"' for part in value.split("."))
