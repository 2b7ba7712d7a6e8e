"""The real monitoring handlers, configured the way MonitoringLambdas would for a local run:
the validator on DuckDB over the local warehouse, the error handler on the local alert topics.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from handlers.contract import HANDLER_ENTRY_POINTS, EnvVar, HandlerKey, resource_prefix
from handlers.validation.settings import QueryEngineName
from local.emulator import AlertInbox

LOCAL_ENVIRONMENT: Final = "local"


def handler_path(handler: HandlerKey) -> str:
    """`handlers.error_handler.handler`: the dotted path the Lambda runtime would import."""
    return HANDLER_ENTRY_POINTS[handler]


def handler_environment(
    inbox: AlertInbox, warehouse: Path, environment: str = LOCAL_ENVIRONMENT
) -> dict[str, str]:
    """Environment variables of the three handlers for a local run."""
    return {
        **inbox.handler_environment(),
        EnvVar.ENVIRONMENT: environment,
        EnvVar.QUERY_ENGINE: QueryEngineName.DUCKDB.value,
        EnvVar.DUCKDB_PATH: str(warehouse),
        EnvVar.DASHBOARD_NAME: resource_prefix(environment),
    }
