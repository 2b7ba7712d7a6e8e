"""Athena engine: start the query, poll with capped exponential backoff, page through results.

Results come back as strings; `convert` turns each into a Python value by the column's Athena type.
A FAILED or CANCELLED query raises QueryEngineError naming the state and Athena's reason. So does a
query still running at the poll deadline, after StopQueryExecution (best effort: a failed stop is
logged, the deadline's error stands): the deadline is the Lambda's remaining time less what must
still run (`handlers/deadline.py`), so the error is raised before Lambda would kill the function. A
call botocore fails (after its retries) raises QueryEngineError naming the call. The Lambda then
fails with that error; the reference state machine does not retry it (its Retry covers Lambda
service errors only) but catches it and sends it to the error handler, which alerts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from handlers import aws_clients
from handlers.contract import LAMBDA_MAX_TIMEOUT_SECONDS
from handlers.deadline import Deadline, ElapsedDeadline
from handlers.validation.engines.base import QueryResult, QueryStats, Row
from handlers.validation.errors import QueryEngineError
from handlers.validation.settings import ValidatorSettings

_TERMINAL_FAILURES: Final = frozenset({"FAILED", "CANCELLED"})
# Outside Lambda (the CLI) nothing kills the process: wait as long as the function may run.
UNBOUNDED_WAIT_SECONDS: Final = float(LAMBDA_MAX_TIMEOUT_SECONDS)

logger = Logger(child=True)


@contextmanager
def _calling(operation: str, name: str) -> Iterator[None]:
    """Raise a botocore failure of `operation` as the validator's declared QueryEngineError."""
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        raise QueryEngineError(f"Athena {operation} for query {name} failed: {error}") from error


@dataclass(frozen=True)
class Backoff:
    """Poll delays: `initial`, doubling, never above `cap`."""

    initial: float = 0.25
    cap: float = 5.0

    def delays(self) -> Iterator[float]:
        delay = self.initial
        while True:
            yield delay
            delay = min(delay * 2, self.cap)


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
        deadline: Deadline | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        """`deadline`: when to stop waiting for a query (default: `UNBOUNDED_WAIT_SECONDS`
        from now); `sleep`: default `time.sleep`, looked up at each wait."""
        self._client = client
        self._result_reuse_minutes = result_reuse_minutes
        self._workgroup = workgroup
        self._database = database
        self._output_location = output_location
        self._backoff = backoff
        self._deadline = deadline or ElapsedDeadline(UNBOUNDED_WAIT_SECONDS)
        self._sleep = sleep

    @classmethod
    def from_settings(
        cls, settings: ValidatorSettings, deadline: Deadline | None = None
    ) -> AthenaEngine:
        return cls(
            aws_clients.client("athena"),
            workgroup=settings.athena_workgroup,
            database=settings.athena_database,
            output_location=settings.athena_results_location,
            result_reuse_minutes=settings.athena_result_reuse_minutes,
            deadline=deadline,
        )

    def run(self, name: str, sql: str, *, queries_after: int = 0) -> QueryResult:
        """The query's rows and stats. Its wait keeps room for the calls of `queries_after`
        later queries: they share the invocation's deadline."""
        with _calling("StartQueryExecution", name):
            query_id = self._start(sql)
        execution = self._wait(name, query_id, queries_after * ValidatorSettings.CALLS_PER_QUERY)
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
        with _calling("GetQueryResults", name):
            rows = self._rows(query_id)
        return QueryResult(rows, stats)

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

    def _wait(self, name: str, query_id: str, calls_after: int) -> dict[str, Any]:
        """Poll until the query ends; stop it when the next poll would end past the deadline
        (less `calls_after` calls of later queries)."""
        for delay in self._backoff.delays():
            with _calling("GetQueryExecution", name):
                execution: dict[str, Any] = self._client.get_query_execution(
                    QueryExecutionId=query_id
                )["QueryExecution"]
            status = execution["Status"]
            state = status["State"]
            if state == "SUCCEEDED":
                return execution
            if state in _TERMINAL_FAILURES:
                reason = status.get("StateChangeReason") or status.get("AthenaError", {}).get(
                    "ErrorMessage", "no reason given"
                )
                raise QueryEngineError(f"Athena query {name} ({query_id}) {state}: {reason}")
            if self._deadline.seconds_left(calls_after) <= delay:
                break
            (self._sleep or time.sleep)(delay)
        stopped = self._stop(name, query_id)
        raise QueryEngineError(
            f"Athena query {name} ({query_id}) still {state} at the poll deadline (the time the"
            f" function has left, less what must run after it); {stopped}"
        )

    def _stop(self, name: str, query_id: str) -> str:
        """Stop the query, best effort: what happened, for the deadline's error."""
        try:
            self._client.stop_query_execution(QueryExecutionId=query_id)
        except (ClientError, BotoCoreError):
            logger.exception("Athena StopQueryExecution failed", query=name, query_id=query_id)
            return "stopping it failed (logged), so it may still be running"
        return "stopped it"

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
