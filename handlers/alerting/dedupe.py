"""Do a failure's side effects once per identity and window (Powertools idempotency, DynamoDB).

The table (hash key `id`, TTL on `expiration`) is created by the stack. A record is written
before the action runs and completed with its result; a repeat within the window gets that
result back, marked `duplicate: true`. When the action raises, Powertools deletes the record,
so the caller's retry runs it again: a failed publish never suppresses the retry. A repeat while
the first is still running raises `IdempotencyAlreadyInProgressError`, and its sender retries
later (the in-progress mark expires with the first invocation's remaining time).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import aws_clients

DUPLICATE: Final = "duplicate"


@functools.cache
def _store(table_name: str, dynamodb: Any) -> DynamoDBPersistenceLayer:
    """One persistence layer per table and client. Building one registers a User-Agent hook on
    the client it is given; one per call would pile hooks onto the cached client in a warm
    container, each DynamoDB request running them all and its User-Agent growing without bound."""
    return DynamoDBPersistenceLayer(table_name=table_name, boto3_client=dynamodb)


def _mark_duplicate(response: Any, idempotent_data: DataRecord) -> Any:
    return {**response, DUPLICATE: True} if isinstance(response, dict) else response


@dataclass(frozen=True)
class Deduplicator:
    """`table_name` None turns de-duplication off (local runs): every action runs."""

    table_name: str | None
    window_seconds: int
    lambda_context: LambdaContext | None = None

    @property
    def enabled(self) -> bool:
        return self.table_name is not None

    def once(
        self,
        section: str,
        identity: Mapping[str, str],
        action: Callable[[], dict[str, Any]],
    ) -> dict[str, Any]:
        """`action()` the first time `identity` is seen in `section` within the window."""
        if self.table_name is None:
            return {**action(), DUPLICATE: False}
        store = _store(self.table_name, aws_clients.client("dynamodb"))
        config = IdempotencyConfig(
            expires_after_seconds=self.window_seconds,
            lambda_context=self.lambda_context,
            response_hook=_mark_duplicate,
        )

        @idempotent_function(  # type: ignore[untyped-decorator]
            data_keyword_argument="identity",
            persistence_store=store,
            config=config,
            key_prefix=section,
        )
        def first_time(identity: dict[str, str]) -> dict[str, Any]:
            return {**action(), DUPLICATE: False}

        result: dict[str, Any] = first_time(identity=dict(identity))
        return result
