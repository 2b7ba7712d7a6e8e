"""DuckDB engine for local runs and tests: a read-only connection to a database file, in UTC.

`duckdb` is imported here only; the Lambda package does not ship it.
"""

from __future__ import annotations

import time
from pathlib import Path

from handlers.validation.engines.base import QueryResult, QueryStats
from handlers.validation.errors import QueryEngineError


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def run(self, name: str, sql: str, *, queries_after: int = 0) -> QueryResult:
        """In-process and never waiting: `queries_after` changes nothing."""
        import duckdb  # noqa: PLC0415

        if not self.path.is_file():
            raise QueryEngineError(f"DuckDB database {self.path} does not exist")
        started = time.perf_counter()
        try:
            with duckdb.connect(str(self.path), read_only=True) as connection:
                connection.execute("SET TimeZone='UTC'")
                cursor = connection.execute(sql)
                names = [column[0] for column in cursor.description or ()]
                rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
        except duckdb.Error as error:
            raise QueryEngineError(f"DuckDB query {name} failed: {error}") from error
        elapsed_ms = round((time.perf_counter() - started) * 1000)
        return QueryResult(rows, QueryStats(name=name, engine=self.name, engine_ms=elapsed_ms))
