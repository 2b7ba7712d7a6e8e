"""Do a failure's side effects once per identity and window (Powertools idempotency, DynamoDB).

The table (hash key `id`, TTL on `expiration`) is created by the stack. Powertools writes an
in-progress record before the action runs and completes it with the action's result; a repeat
within the window gets that result back (`Outcome.duplicate`). The result is the alert's
receipt (`handlers.alerting.receipt`), never the alert, so a record stays far below DynamoDB's
400 KB item limit.

- The action raises: Powertools deletes the record, so the caller's retry runs it again (a failed
  publish never suppresses the retry), and the action's own error is raised.
- A repeat while the first is still running: `AlreadyInProgress` is raised. The in-progress mark
  expires with the first invocation's remaining time, so a sender that retries with backoff gets
  through once the first one finished or died.
- The store fails for any other reason (table missing, throttled, access denied, an item it
  rejects, a damaged record): de-duplication fails open. Before the action ran, the action runs
  anyway; after it ran (its result could not be saved), its result is returned and it does not
  run again. Either way `Outcome.store_error` says what failed, for the caller to log and count.
  A de-duplication store must never cost an alert; at worst it costs a duplicate.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import aws_clients

AlreadyInProgress = IdempotencyAlreadyInProgressError


class Store(StrEnum):
    OFF = "off"  # no table configured (local runs)
    ON = "on"
    UNAVAILABLE = "unavailable"  # the store failed; the action ran without it


@dataclass(frozen=True)
class Outcome:
    result: dict[str, Any]  # the action's, or for a duplicate the first one's
    store: Store
    duplicate: bool = False
    store_error: Exception | None = None


@functools.cache
def _store(table_name: str, dynamodb: Any) -> DynamoDBPersistenceLayer:
    """One persistence layer per table and client. Building one registers a User-Agent hook on
    the client it is given; one per call would pile hooks onto the cached client in a warm
    container, each DynamoDB request running them all and its User-Agent growing without bound."""
    return DynamoDBPersistenceLayer(table_name=table_name, boto3_client=dynamodb)


class _Attempt:
    """The action, recording whether it ran and how that ended."""

    def __init__(self, action: Callable[[], dict[str, Any]]) -> None:
        self._action = action
        self.result: dict[str, Any] | None = None
        self.error: Exception | None = None

    @property
    def ran(self) -> bool:
        return self.result is not None or self.error is not None

    def __call__(self) -> dict[str, Any]:
        try:
            self.result = self._action()
        except Exception as error:
            self.error = error
            raise
        return self.result


@dataclass(frozen=True)
class Deduplicator:
    """`table_name` None turns de-duplication off (local runs): every action runs."""

    table_name: str | None
    window_seconds: int
    lambda_context: LambdaContext | None = None

    def once(
        self,
        section: str,
        identity: Mapping[str, str],
        action: Callable[[], dict[str, Any]],
    ) -> Outcome:
        """`action()` the first time `identity` is seen in `section` within the window."""
        if self.table_name is None:
            return Outcome(action(), Store.OFF)
        attempt = _Attempt(action)
        try:
            stored = self._idempotent(section, self.table_name, attempt)(identity=dict(identity))
        except AlreadyInProgress:
            raise
        except Exception as error:
            if attempt.error is not None:  # the action's own failure, even if the store then
                raise attempt.error  # noqa: B904 - failed to delete the in-progress record
            if attempt.result is not None:
                return Outcome(attempt.result, Store.UNAVAILABLE, store_error=error)
            return Outcome(action(), Store.UNAVAILABLE, store_error=error)
        if attempt.ran:
            return Outcome(stored, Store.ON)
        return Outcome(stored if isinstance(stored, dict) else {}, Store.ON, duplicate=True)

    def _idempotent(self, section: str, table_name: str, attempt: _Attempt) -> Callable[..., Any]:
        config = IdempotencyConfig(
            expires_after_seconds=self.window_seconds, lambda_context=self.lambda_context
        )

        @idempotent_function(  # type: ignore[untyped-decorator]
            data_keyword_argument="identity",
            persistence_store=_store(table_name, aws_clients.client("dynamodb")),
            config=config,
            key_prefix=section,
        )
        def first_time(identity: dict[str, str]) -> dict[str, Any]:
            return attempt()

        return first_time  # type: ignore[no-any-return]
