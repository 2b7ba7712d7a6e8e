"""A small, clean sf_user warehouse in DuckDB, and helpers to plant one defect at a time.

Six users in the SCD table (several versions each; u4 deleted the dbt-snapshot way: its current
version is flagged deleted and it is missing from the latest extract). Two raw extracts; the
latest (one hour before NOW) has five rows: u1, u2, u3, u5, u6.
"""

import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from moto.athena.models import QueryResults, athena_backends
from moto.core import DEFAULT_ACCOUNT_ID

from handlers.contract import Environment
from handlers.validation.engines.duckdb import DuckDBEngine
from handlers.validation.schema import NAME_COLUMN, TABLE_COLUMN, Schema, expected_columns
from handlers.validation.settings import Columns, QueryEngineName, ValidatorSettings
from tests.frozen_time import FROZEN_NOW, ago, naive, sql_timestamp

NOW = FROZEN_NOW
LATEST_AT = naive(ago(hours=1))
PREVIOUS_AT = LATEST_AT - timedelta(days=1)
LATEST = sql_timestamp(LATEST_AT)  # the latest extract, as a literal for planting rows


def days_ago(days: int) -> datetime:
    return naive(ago(days=days))


# user, division, audit phase, valid_from, valid_to, deleted
SCD_VERSIONS = [
    ("u1", "Sales", "P1", days_ago(330), days_ago(178), False),
    ("u1", "Finance", "P1", days_ago(178), None, False),
    ("u2", "Sales", "P1", days_ago(330), None, False),
    ("u3", "Sales", "P1", days_ago(330), days_ago(270), False),
    ("u3", "Sales", "P2", days_ago(270), days_ago(86), False),
    ("u3", "Ops", "P2", days_ago(86), None, False),
    ("u4", "Sales", "P3", days_ago(330), days_ago(56), False),
    ("u4", "Sales", "P3", days_ago(56), None, True),
    ("u5", "Finance", "P1", days_ago(298), days_ago(209), False),
    ("u5", "Finance", "P2", days_ago(209), None, False),
    ("u6", "Ops", None, days_ago(239), None, False),
]
# user, username, division, audit phase, extracted at
RAW_ROWS = [
    ("u1", "ann", "Finance", "P1", PREVIOUS_AT),
    ("u2", "bob", "Sales", "P1", PREVIOUS_AT),
    ("u3", "cy", "Ops", "P2", PREVIOUS_AT),
    ("u4", "di", "Sales", "P3", PREVIOUS_AT),
    ("u1", "ann", "Finance", "P1", LATEST_AT),
    ("u2", "bob", "Sales", "P1", LATEST_AT),
    ("u3", "cy", "Ops", "P2", LATEST_AT),
    ("u5", "eve", "Finance", "P2", LATEST_AT),
    ("u6", "fay", "Ops", None, LATEST_AT),
]

DBT_COLUMNS = Columns(
    user_id="id",
    valid_from="dbt_valid_from",
    valid_to="dbt_valid_to",
    is_current=None,
    is_deleted="dbt_is_deleted",
)


@dataclass
class Warehouse:
    path: Path
    columns: Columns

    def execute(self, statement: str) -> None:
        with duckdb.connect(str(self.path)) as connection:
            connection.execute(statement)

    def settings(self, **overrides: object) -> ValidatorSettings:
        values: dict[str, object] = {
            "environment": Environment.DEV,
            "engine": QueryEngineName.DUCKDB,
            "duckdb_path": str(self.path),
            "raw_table": "salesforce_raw.sf_user",
            "scd_table": "salesforce_curated.dim_sf_user_scd",
            **{f"column_{name}": value or "" for name, value in asdict(self.columns).items()},
            "required_fields": (
                "user_id" if self.columns.user_id == "user_id" else "id",
                "division",
            ),
            "min_record_count": 5,
        }
        values.update(overrides)
        return ValidatorSettings.model_validate(values)

    def engine(self) -> DuckDBEngine:
        return DuckDBEngine(self.path)


def build_warehouse(path: Path, columns: Columns) -> Warehouse:
    c = columns
    flag_type = "VARCHAR" if c is DBT_COLUMNS else "BOOLEAN"
    current_column = f", {c.is_current} BOOLEAN" if c.is_current else ""
    with duckdb.connect(str(path)) as connection:
        connection.execute("CREATE SCHEMA salesforce_raw; CREATE SCHEMA salesforce_curated")
        connection.execute(
            f"CREATE TABLE salesforce_raw.sf_user ({c.user_id} VARCHAR, username VARCHAR,"
            f" {c.division} VARCHAR, {c.audit_phase} VARCHAR, {c.extracted_at} TIMESTAMP)"
        )
        connection.executemany(
            "INSERT INTO salesforce_raw.sf_user VALUES (?, ?, ?, ?, ?)", RAW_ROWS
        )
        connection.execute(
            f"CREATE TABLE salesforce_curated.dim_sf_user_scd ({c.user_id} VARCHAR,"
            f" {c.division} VARCHAR, {c.audit_phase} VARCHAR, {c.valid_from} TIMESTAMP,"
            f" {c.valid_to} TIMESTAMP, {c.is_deleted} {flag_type}{current_column})"
        )
        for user, division, phase, start, end, deleted in SCD_VERSIONS:
            flag: object = ("True" if deleted else "False") if flag_type == "VARCHAR" else deleted
            values: list[object] = [user, division, phase, start, end, flag]
            if c.is_current:
                values.append(end is None)
            marks = ", ".join("?" for _ in values)
            connection.execute(
                f"INSERT INTO salesforce_curated.dim_sf_user_scd VALUES ({marks})", values
            )
    return Warehouse(path, columns)


COLUMNS = {"seed": Columns(), "dbt_snapshot": DBT_COLUMNS}


@pytest.fixture(scope="session")
def clean_warehouses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Warehouse]:
    """Each clean warehouse built once; tests get a copy of the file (building costs ~80 ms)."""
    folder = tmp_path_factory.mktemp("clean-warehouses")
    return {
        name: build_warehouse(folder / f"{name}.duckdb", columns)
        for name, columns in COLUMNS.items()
    }


def _copy(clean: Warehouse, tmp_path: Path) -> Warehouse:
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(clean.path, path)
    return Warehouse(path, clean.columns)


@pytest.fixture(params=list(COLUMNS))
def warehouse(
    request: pytest.FixtureRequest, clean_warehouses: dict[str, Warehouse], tmp_path: Path
) -> Warehouse:
    return _copy(clean_warehouses[request.param], tmp_path)


@pytest.fixture
def seed_warehouse(clean_warehouses: dict[str, Warehouse], tmp_path: Path) -> Warehouse:
    return _copy(clean_warehouses["seed"], tmp_path)


WarehouseFactory = Callable[[Columns], Warehouse]


def athena_row(*values: str | None) -> dict:
    return {"Data": [{} if value is None else {"VarCharValue": value} for value in values]}


def _expected_rows(settings: ValidatorSettings) -> list[tuple[str, str]]:
    return [(column.source.value, column.name.lower()) for column in expected_columns(settings)]


def complete_schema(settings: ValidatorSettings) -> Schema:
    """Every column the ingestion checks need, as the columns query would find them."""
    rows = _expected_rows(settings)
    return Schema.from_rows({TABLE_COLUMN: role, NAME_COLUMN: name} for role, name in rows)


def queue_columns_result(settings: ValidatorSettings, region: str = "us-east-1") -> None:
    """Queue an information_schema answer listing every column the ingestion checks need."""
    columns = [(TABLE_COLUMN, "varchar"), (NAME_COLUMN, "varchar")]
    queue_athena_result(columns, _expected_rows(settings), region)


def queue_athena_result(
    columns: list[tuple[str, str]], rows: list[tuple[str | None, ...]], region: str = "us-east-1"
) -> None:
    """Queue the result set (header row first, as Athena returns it) of moto's next query."""
    backend = athena_backends[DEFAULT_ACCOUNT_ID][region]
    backend.query_results_queue.append(
        QueryResults(
            rows=[athena_row(*(name for name, _ in columns)), *(athena_row(*r) for r in rows)],
            column_info=[{"Name": name, "Label": name, "Type": kind} for name, kind in columns],
        )
    )
