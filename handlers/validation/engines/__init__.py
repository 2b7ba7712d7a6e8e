"""Query engines behind one interface; `create_engine` picks one from settings."""

from __future__ import annotations

from handlers.deadline import Deadline
from handlers.validation.engines.base import QueryEngine, QueryResult, QueryStats
from handlers.validation.settings import QueryEngineName, ValidatorSettings

__all__ = ["QueryEngine", "QueryResult", "QueryStats", "create_engine"]


def create_engine(settings: ValidatorSettings, deadline: Deadline | None = None) -> QueryEngine:
    """The engine QUERY_ENGINE names. DuckDB is imported only when chosen (not in the Lambda).

    `deadline`: when Athena stops waiting for a query (DuckDB runs in-process and never waits).
    """
    if settings.engine is QueryEngineName.DUCKDB:
        from handlers.validation.engines.duckdb import DuckDBEngine  # noqa: PLC0415

        assert settings.duckdb_path is not None  # Settings enforces it
        return DuckDBEngine(settings.duckdb_path)
    from handlers.validation.engines.athena import AthenaEngine  # noqa: PLC0415

    return AthenaEngine.from_settings(settings, deadline)
