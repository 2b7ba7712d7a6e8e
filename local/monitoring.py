"""The real monitoring handlers, configured as MonitoringLambdas configures them, for a local run.

The environment is the deployed one (`components.lambda_environment`, from the stack's settings)
with three local differences: the validator queries DuckDB over the local warehouse instead of
Athena, the alert topics are the emulator's, and handler logs below WARNING are dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

from components.idempotency_table import EXPIRY_ATTRIBUTE, KEY_ATTRIBUTE
from components.lambda_environment import lambda_environment
from components.settings import Settings
from handlers.contract import HANDLER_ENTRY_POINTS, EnvVar, HandlerKey, SelfTestAlerts
from handlers.validation.settings import QueryEngineName
from local.emulator import AlertInbox, Emulator

LOCAL_ENVIRONMENT: Final = "local"
LOCAL_LOG_LEVEL: Final = "WARNING"


def handler_path(handler: HandlerKey) -> str:
    """`handlers.error_handler.handler`: the dotted path the Lambda runtime would import."""
    return HANDLER_ENTRY_POINTS[handler]


def handler_environment(
    settings: Settings, handler: HandlerKey, inbox: AlertInbox, warehouse: Path
) -> dict[str, str]:
    """Environment variables of `handler` for a local run of the stack `settings` describe."""
    deployed = lambda_environment(settings, handler, inbox.topic_arns)
    return {
        **{name: str(value) for name, value in deployed.items()},
        EnvVar.QUERY_ENGINE: QueryEngineName.DUCKDB.value,
        EnvVar.DUCKDB_PATH: str(warehouse),
        EnvVar.POWERTOOLS_LOG_LEVEL: LOCAL_LOG_LEVEL,
        # The inbox holds pipeline alerts only; the canary's test alert is logged instead.
        EnvVar.SELF_TEST_ALERTS: SelfTestAlerts.LOG.value,
    }


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
