"""The query-engine interface: run one SQL text, get rows as dicts plus what it cost."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol

Row = dict[str, Any]


@dataclass(frozen=True)
class QueryStats:
    """Cost of one query. `bytes_scanned` and `result_reused` are None where the engine does
    not report them; a reused Athena result scans nothing."""

    name: str
    engine: str
    engine_ms: int
    bytes_scanned: int | None = None
    query_id: str | None = None
    result_reused: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class QueryResult:
    rows: list[Row]
    stats: QueryStats


class QueryEngine(Protocol):
    """Runs a query to completion; raises QueryEngineError when the engine cannot.

    `queries_after`: how many queries the caller runs after this one in the same invocation; an
    engine that waits under a deadline keeps their time out of this query's wait.
    """

    name: str

    def run(self, name: str, sql: str, *, queries_after: int = 0) -> QueryResult: ...
