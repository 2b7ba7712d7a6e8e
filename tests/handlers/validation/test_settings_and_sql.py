"""Settings from the environment, identifier safety, and the portable-SQL guard."""

import pytest

from handlers.contract import DEFAULT_THRESHOLDS, EnvVar
from handlers.settings import ConfigurationError
from handlers.validation import identifiers, schema, sql
from handlers.validation.identifiers import InvalidIdentifierError
from handlers.validation.settings import QueryEngineName, ValidatorSettings
from tests.handlers.validation.validator_env import validator_settings

from .conftest import DBT_COLUMNS, NOW, complete_schema

DBT_ENV = {
    EnvVar.COLUMN_USER_ID: "id",
    EnvVar.COLUMN_VALID_FROM: "dbt_valid_from",
    EnvVar.COLUMN_VALID_TO: "dbt_valid_to",
    EnvVar.COLUMN_IS_DELETED: "dbt_is_deleted",
    EnvVar.COLUMN_IS_CURRENT: "",
}


def test_defaults_follow_the_seed_and_the_contract():
    settings = validator_settings()
    assert settings.engine is QueryEngineName.ATHENA
    assert (settings.raw_table, settings.scd_table) == (
        "salesforce_raw.sf_user",
        "salesforce_curated.dim_sf_user_scd",
    )
    assert settings.columns.configured() == {
        "user_id": "user_id",
        "valid_from": "valid_from",
        "valid_to": "valid_to",
        "is_current": "is_current",
        "is_deleted": "is_deleted",
        "division": "division",
        "audit_phase": "audit_phase__c",
        "extracted_at": "_extracted_at",
    }
    assert settings.data_quality_threshold == DEFAULT_THRESHOLDS.data_quality_percent
    assert settings.scd_integrity_threshold == DEFAULT_THRESHOLDS.scd_integrity_percent
    assert settings.freshness_hours == DEFAULT_THRESHOLDS.freshness_hours
    assert settings.min_record_count == DEFAULT_THRESHOLDS.min_record_count


def test_dbt_snapshot_columns_and_other_settings_come_from_the_environment():
    settings = validator_settings(
        {
            **DBT_ENV,
            EnvVar.QUERY_ENGINE: "duckdb",
            EnvVar.DUCKDB_PATH: "/tmp/w.duckdb",
            EnvVar.REQUIRED_FIELDS: " id , division,",
            EnvVar.FRESHNESS_HOURS: "12",
            EnvVar.MIN_RECORD_COUNT: "7",
            EnvVar.DATA_QUALITY_THRESHOLD: "90.5",
            EnvVar.SCD_INTEGRITY_THRESHOLD: "99",
            EnvVar.RAW_TABLE: "raw.users",
        },
    )
    assert settings.columns == DBT_COLUMNS
    assert settings.required_fields == ("id", "division")
    assert (settings.freshness_hours, settings.min_record_count) == (12.0, 7)
    assert (settings.data_quality_threshold, settings.scd_integrity_threshold) == (90.5, 99.0)
    assert settings.raw_table == "raw.users"


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({EnvVar.QUERY_ENGINE: "presto"}, "QUERY_ENGINE"),
        ({EnvVar.QUERY_ENGINE: "duckdb"}, "DUCKDB_PATH"),
        ({EnvVar.MIN_RECORD_COUNT: "many"}, "MIN_RECORD_COUNT"),
        ({EnvVar.FRESHNESS_HOURS: "-1"}, "FRESHNESS_HOURS"),
        ({EnvVar.DATA_QUALITY_THRESHOLD: "120"}, "DATA_QUALITY_THRESHOLD"),
        ({EnvVar.COLUMN_VALID_TO: " "}, "COLUMN_VALID_TO"),
    ],
)
def test_bad_settings_name_the_variable(environ, named):
    with pytest.raises(ConfigurationError, match=named):
        validator_settings(environ)


HOSTILE = [
    'user_id"; DROP TABLE x; --',
    "user_id;",
    "user_id -- comment",
    "user id",
    "user_id/*x*/",
    "'user_id'",
    '"user_id"',
    "1user",
]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("setting", [EnvVar.COLUMN_USER_ID, EnvVar.REQUIRED_FIELDS])
def test_hostile_column_names_are_rejected_naming_the_setting(setting, value):
    with pytest.raises(ConfigurationError, match=setting.value) as raised:
        validator_settings({setting: value})
    assert raised.value.variables == (setting,)


@pytest.mark.parametrize("value", [*HOSTILE, "a.b.c", "schema.", ".table", "s.t;"])
def test_hostile_table_names_are_rejected(value):
    with pytest.raises(ConfigurationError, match=r"SCD_TABLE: .* is not a valid table name"):
        validator_settings({EnvVar.SCD_TABLE: value})


def test_a_trailing_newline_is_not_an_identifier():
    # Settings strip values; the pattern itself must not accept what `$` would.
    with pytest.raises(InvalidIdentifierError):
        identifiers.column("C", "user_id\n")


def test_plain_names_are_quoted():
    assert identifiers.table("T", "salesforce_raw.sf_user") == '"salesforce_raw"."sf_user"'
    assert identifiers.table("T", "sf_user") == '"sf_user"'
    assert identifiers.column("C", "_extracted_at") == '"_extracted_at"'


def _ingestion_query(settings: ValidatorSettings) -> str:
    complete = complete_schema(settings)
    return sql.ingestion_query(settings, NOW, complete, read_dimension=True, tag="0123abcd")


@pytest.mark.parametrize("environ", [{}, DBT_ENV], ids=["seed", "dbt_snapshot"])
def test_queries_use_only_the_portable_subset(environ):
    settings = validator_settings(environ)
    texts = (_ingestion_query(settings), schema.columns_query(settings), sql.scd_query(settings))
    for text in texts:
        upper = text.upper()
        assert not [banned for banned in sql.BANNED_CONSTRUCTS if banned in upper]


RAW = '"salesforce_raw"."sf_user"'
SCD = '"salesforce_curated"."dim_sf_user_scd"'


def test_scd_query_reads_the_scd_table_once():
    text = sql.scd_query(validator_settings())
    assert text.count(SCD) == 1


def test_ingestion_query_reads_the_dimensions_open_versions_once_and_the_raw_rows_once():
    text = _ingestion_query(validator_settings())
    assert text.count(SCD) == 1
    assert 'WHERE s."valid_to" IS NULL' in text
    # One read of the extraction times (the newest two), one of those two extracts' rows.
    assert text.count(f"FROM {RAW} newest") == 1
    assert text.count(f"FROM {RAW} r\n") == 1
    assert text.count(RAW) == 2


def test_the_columns_query_looks_up_each_table_by_exact_lower_case_name():
    text = schema.columns_query(validator_settings({EnvVar.RAW_TABLE: "Salesforce_Raw.SF_User"}))
    raw, dimension = text.split("UNION ALL")
    assert "table_schema = 'salesforce_raw' AND table_name = 'sf_user'" in raw
    assert "table_schema = 'salesforce_curated' AND table_name = 'dim_sf_user_scd'" in dimension
    assert " OR " not in text.upper()  # an OR of both pairs would look up their cross product


def test_configured_names_appear_quoted_in_the_sql():
    text = sql.scd_query(validator_settings(DBT_ENV))
    for name in ("id", "dbt_valid_from", "dbt_valid_to", "dbt_is_deleted"):
        assert f'"{name}"' in text
    assert '"is_current"' not in text
