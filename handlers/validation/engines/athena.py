"""Athena engine: start the query, poll with capped exponential backoff, page through results.

Results come back as strings; `convert` turns each into a Python value by the column's Athena
type. A FAILED or CANCELLED query, or one still running at the deadline, raises QueryEngineError
naming the state and Athena's reason, so the Lambda fails and Step Functions retries.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

from handlers import aws_clients
from handlers.validation.engines.base import QueryResult, QueryStats, Row
from handlers.validation.errors import QueryEngineError
from handlers.validation.settings import ValidatorSettings

RESULTS_PREFIX: Final = "validator/"
_TERMINAL_FAILURES: Final = frozenset({"FAILED", "CANCELLED"})


@dataclass(frozen=True)
class Backoff:
    """Poll delays: `initial`, doubling, never above `cap`; give up after `deadline` seconds."""

    initial: float = 0.25
    cap: float = 5.0
    deadline: float = 300.0

    def delays(self) -> list[float]:
        delays: list[float] = []
        delay = self.initial
        while sum(delays) + delay <= self.deadline:
            delays.append(delay)
            delay = min(delay * 2, self.cap)
        return delays


def _timestamp(text: str) -> datetime:
    """'2026-11-26 02:00:00.000' (naive: UTC by convention), or with a zone: '... UTC',
    '... Europe/Paris', '... +01:00'."""
    day, clock, *zone = text.split(" ")
    if not zone:
        return datetime.fromisoformat(text)
    if zone[0][0] in "+-":
        return datetime.fromisoformat(f"{day} {clock}{zone[0]}")
    local = datetime.fromisoformat(f"{day} {clock}")
    return local.replace(tzinfo=UTC if zone[0] == "UTC" else ZoneInfo(zone[0]))


_PARSERS: Final[dict[str, Callable[[str], Any]]] = {
    **dict.fromkeys(("tinyint", "smallint", "integer", "int", "bigint"), int),
    **dict.fromkeys(("double", "float", "real"), float),
    "decimal": Decimal,
    "boolean": lambda text: text.lower() == "true",
    "timestamp": _timestamp,
    "date": date.fromisoformat,
}


def convert(value: str | None, athena_type: str) -> Any:
    """One result cell as a Python value by its Athena type; a missing VarCharValue is NULL.

    `timestamp(6) with time zone` -> `timestamp`; unknown types stay strings.
    """
    if value is None:
        return None
    base = athena_type.lower().split("(")[0].split(" ")[0].strip()
    parser = _PARSERS.get(base)
    return value if parser is None else parser(value)


class AthenaEngine:
    name = "athena"

    def __init__(
        self,
        client: Any,
        *,
        workgroup: str,
        database: str | None = None,
        output_location: str | None = None,
        result_reuse_minutes: int = 0,
        backoff: Backoff = Backoff(),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._result_reuse_minutes = result_reuse_minutes
        self._workgroup = workgroup
        self._database = database
        self._output_location = output_location
        self._backoff = backoff
        self._sleep = sleep

    @classmethod
    def from_settings(cls, settings: ValidatorSettings) -> AthenaEngine:
        output = (
            f"s3://{settings.s3_results_bucket}/{RESULTS_PREFIX}"
            if settings.s3_results_bucket
            else None
        )
        return cls(
            aws_clients.client("athena"),
            workgroup=settings.athena_workgroup,
            database=settings.athena_database,
            output_location=output,
            result_reuse_minutes=settings.athena_result_reuse_minutes,
        )

    def run(self, name: str, sql: str) -> QueryResult:
        query_id = self._start(sql)
        execution = self._wait(name, query_id)
        statistics = execution.get("Statistics", {})
        stats = QueryStats(
            name=name,
            engine=self.name,
            engine_ms=int(statistics.get("EngineExecutionTimeInMillis", 0)),
            bytes_scanned=int(statistics.get("DataScannedInBytes", 0)),
            query_id=query_id,
            result_reused=bool(
                statistics.get("ResultReuseInformation", {}).get("ReusedPreviousResult", False)
            ),
        )
        return QueryResult(self._rows(query_id), stats)

    def _start(self, sql: str) -> str:
        request: dict[str, Any] = {"QueryString": sql, "WorkGroup": self._workgroup}
        if self._database:
            request["QueryExecutionContext"] = {"Database": self._database}
        if self._output_location:
            request["ResultConfiguration"] = {"OutputLocation": self._output_location}
        if self._result_reuse_minutes > 0:
            # A retried validation of the same execution sends the same text: Athena answers
            # from the earlier result without scanning again.
            request["ResultReuseConfiguration"] = {
                "ResultReuseByAgeConfiguration": {
                    "Enabled": True,
                    "MaxAgeInMinutes": self._result_reuse_minutes,
                }
            }
        return str(self._client.start_query_execution(**request)["QueryExecutionId"])

    def _wait(self, name: str, query_id: str) -> dict[str, Any]:
        for delay in [*self._backoff.delays(), None]:
            execution: dict[str, Any] = self._client.get_query_execution(QueryExecutionId=query_id)[
                "QueryExecution"
            ]
            status = execution["Status"]
            state = status["State"]
            if state == "SUCCEEDED":
                return execution
            if state in _TERMINAL_FAILURES:
                reason = status.get("StateChangeReason") or status.get("AthenaError", {}).get(
                    "ErrorMessage", "no reason given"
                )
                raise QueryEngineError(f"Athena query {name} ({query_id}) {state}: {reason}")
            if delay is not None:
                self._sleep(delay)
        self._client.stop_query_execution(QueryExecutionId=query_id)
        raise QueryEngineError(
            f"Athena query {name} ({query_id}) still {state} after"
            f" {self._backoff.deadline:.0f} s; stopped it"
        )

    def _rows(self, query_id: str) -> list[Row]:
        paginator = self._client.get_paginator("get_query_results")
        rows: list[Row] = []
        columns: list[tuple[str, str]] = []
        for page_number, page in enumerate(paginator.paginate(QueryExecutionId=query_id)):
            result_set = page["ResultSet"]
            page_rows = result_set.get("Rows", [])
            if page_number == 0:
                columns = [
                    (info["Name"], info["Type"])
                    for info in result_set["ResultSetMetadata"]["ColumnInfo"]
                ]
                page_rows = page_rows[1:]  # the header row repeats the column names
            for row in page_rows:
                cells = [cell.get("VarCharValue") for cell in row["Data"]]
                rows.append(
                    {
                        column: convert(cell, athena_type)
                        for (column, athena_type), cell in zip(columns, cells, strict=True)
                    }
                )
        return rows
