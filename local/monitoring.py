"""The real monitoring handlers, configured as MonitoringLambdas configures them, for a local run.

The environment is the deployed one (each handler's settings model as `handler_table` builds it
from the stack's settings) with four local differences: the validator queries DuckDB over the
local warehouse instead of Athena, the alert topics are the emulator's, the canary's test alert
is only logged, and handler logs below WARNING are dropped. The result is validated by the
handler's own model again, so a local run also proves the environment is one it accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

from components.handler_table import HANDLERS
from components.idempotency_table import EXPIRY_ATTRIBUTE, KEY_ATTRIBUTE
from components.settings import Settings
from handlers.contract import EnvVar, HandlerKey, SelfTestAlerts
from handlers.settings import environment_variables, load
from handlers.validation.settings import QueryEngineName
from local.emulator import AlertInbox, Emulator
from local.lambda_runtime import LocalFunction, resolve_handler

LOCAL_ENVIRONMENT: Final = "local"
LOCAL_LOG_LEVEL: Final = "WARNING"


def handler_path(handler: HandlerKey) -> str:
    """`handlers.error_handler.handler`: the dotted path the Lambda runtime would import."""
    return HANDLERS[handler].entry_point


def handler_environment(
    settings: Settings, handler: HandlerKey, inbox: AlertInbox, warehouse: Path
) -> dict[str, str]:
    """Environment variables of `handler` for a local run of the stack `settings` describe."""
    spec = HANDLERS[handler]
    local = {
        **environment_variables(spec.handler_settings(settings)),
        **inbox.handler_environment(),
        EnvVar.QUERY_ENGINE: QueryEngineName.DUCKDB.value,
        EnvVar.DUCKDB_PATH: str(warehouse),
        EnvVar.POWERTOOLS_LOG_LEVEL: LOCAL_LOG_LEVEL,
        # The inbox holds pipeline alerts only; the canary's test alert is logged instead.
        EnvVar.SELF_TEST_ALERTS: SelfTestAlerts.LOG.value,
    }
    return environment_variables(load(spec.model, local))


def local_function(
    settings: Settings, handler: HandlerKey, inbox: AlertInbox, warehouse: Path
) -> LocalFunction:
    """The real `handler`, with its local environment."""
    return LocalFunction(
        resolve_handler(handler_path(handler)),
        handler_environment(settings, handler, inbox, warehouse),
    )


def create_handler_tables(emulator: Emulator, environment: Mapping[str, str]) -> None:
    """The DynamoDB tables the environment names (the error handler's de-duplication table)."""
    table = environment.get(EnvVar.IDEMPOTENCY_TABLE)
    if not table:
        return
    dynamodb = emulator.client("dynamodb")
    dynamodb.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": KEY_ATTRIBUTE, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": KEY_ATTRIBUTE, "AttributeType": "S"}],
    )
    dynamodb.update_time_to_live(
        TableName=table,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": EXPIRY_ATTRIBUTE},
    )
