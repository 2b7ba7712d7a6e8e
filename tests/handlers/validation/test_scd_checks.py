"""SCD integrity on DuckDB: a clean history passes; each planted defect fails exactly its rule.

The warehouse has 6 users, so one bad user scores round(5 / 6 * 100, 2) = 83.33.
"""

import pytest

from handlers.validation.runner import validate_scd
from tests.frozen_time import sql_timestamp

from .conftest import LATEST, days_ago

SCD = "salesforce_curated.dim_sf_user_scd"
RAW = "salesforce_raw.sf_user"
U3_SECOND_VERSION = sql_timestamp(days_ago(270))  # valid_from of u3's second version
A_DAY_LATER = sql_timestamp(days_ago(269))
TWO_WEEKS_EARLIER = sql_timestamp(days_ago(284))
LAST_MONTH = sql_timestamp(days_ago(25))
LAST_SUMMER = sql_timestamp(days_ago(117))
ONE_BAD_OF_SIX = 83.33


def _plant(warehouse, *statements: str) -> None:
    names = warehouse.columns.configured()
    for statement in statements:
        warehouse.execute(statement.format(**names))


def _failed(report) -> set[str]:
    return set(report.failed_checks)


def test_clean_history_passes_every_check(warehouse):
    report = validate_scd(warehouse.settings(), warehouse.engine())
    assert report.passed
    assert report.scd_integrity_score == 100.0
    assert all(check.observed == 0 for check in report.checks[:-1])


def test_dbt_snapshot_without_is_current_skips_the_flag_check(warehouse):
    report = validate_scd(warehouse.settings(), warehouse.engine())
    names = [check.name for check in report.checks]
    assert ("current_flag_consistency" in names) == (warehouse.columns.is_current is not None)


DEFECTS = {
    "no_current_version": (
        {"current_record_uniqueness"},
        [f"UPDATE {SCD} SET {{valid_to}} = {LAST_MONTH} WHERE {{user_id}} = 'u2'"],
    ),
    "two_open_versions": (
        {"current_record_uniqueness", "validity_continuity"},
        [
            f"INSERT INTO {SCD} ({{user_id}}, {{division}}, {{audit_phase}}, {{valid_from}},"
            f" {{valid_to}}, {{is_deleted}}) VALUES ('u2', 'Ops', 'P1', {LAST_SUMMER}, NULL, false)"
        ],
    ),
    "gap_between_versions": (
        {"validity_continuity"},
        [
            f"UPDATE {SCD} SET {{valid_from}} = {A_DAY_LATER}"
            f" WHERE {{user_id}} = 'u3' AND {{valid_from}} = {U3_SECOND_VERSION}"
        ],
    ),
    "overlapping_versions": (
        {"validity_continuity"},
        [
            f"UPDATE {SCD} SET {{valid_from}} = {TWO_WEEKS_EARLIER}"
            f" WHERE {{user_id}} = 'u3' AND {{valid_from}} = {U3_SECOND_VERSION}"
        ],
    ),
    "version_without_a_change": (
        {"change_driven_versions"},
        [
            f"UPDATE {SCD} SET {{valid_to}} = {LAST_SUMMER}"
            f" WHERE {{user_id}} = 'u5' AND {{valid_to}} IS NULL",
            f"INSERT INTO {SCD} ({{user_id}}, {{division}}, {{audit_phase}}, {{valid_from}},"
            f" {{valid_to}}, {{is_deleted}}) VALUES ('u5', 'Finance', 'P2', {LAST_SUMMER}, NULL,"
            " false)",
        ],
    ),
    "current_differs_from_latest_extract": (
        {"current_matches_source"},
        [
            f"UPDATE {RAW} SET {{division}} = 'Legal'"
            f" WHERE {{user_id}} = 'u1' AND {{extracted_at}} = {LATEST}"
        ],
    ),
    "extracted_user_flagged_deleted": (
        {"current_matches_source"},
        [f"UPDATE {SCD} SET {{is_deleted}} = true WHERE {{user_id}} = 'u2'"],
    ),
    "deleted_user_not_flagged": (
        {"deleted_users_flagged"},
        [f"DELETE FROM {RAW} WHERE {{user_id}} = 'u6' AND {{extracted_at}} = {LATEST}"],
    ),
}


@pytest.mark.parametrize("defect", DEFECTS)
def test_each_planted_defect_fails_exactly_its_check(warehouse, defect):
    expected, statements = DEFECTS[defect]
    if warehouse.columns.is_current is not None:
        # Keep is_current true exactly on open versions, so only the planted rule breaks.
        statements = [*statements, f"UPDATE {SCD} SET {{is_current}} = ({{valid_to}} IS NULL)"]
    _plant(warehouse, *statements)
    report = validate_scd(warehouse.settings(), warehouse.engine())
    assert _failed(report) == expected | {"scd_integrity_score"}
    assert report.scd_integrity_score == ONE_BAD_OF_SIX
    failing = {check.name: check for check in report.checks if check.name in expected}
    assert all(check.observed == 1 for check in failing.values())
    assert not report.passed


def test_stale_is_current_flag_fails_flag_consistency(seed_warehouse):
    _plant(
        seed_warehouse,
        f"UPDATE {SCD} SET is_current = true WHERE user_id = 'u1' AND valid_to IS NOT NULL",
    )
    report = validate_scd(seed_warehouse.settings(), seed_warehouse.engine())
    assert _failed(report) == {"current_flag_consistency", "scd_integrity_score"}
    assert report.scd_integrity_score == ONE_BAD_OF_SIX


def test_user_missing_from_the_dimension_counts_as_a_user(warehouse):
    _plant(
        warehouse,
        f"INSERT INTO {RAW} VALUES ('u7', 'gus', 'Ops', 'P1', {LATEST})",
    )
    report = validate_scd(warehouse.settings(), warehouse.engine())
    assert _failed(report) == {"current_matches_source", "scd_integrity_score"}
    assert report.scd_integrity_score == round(6 / 7 * 100, 2)


def test_score_counts_users_not_defects(warehouse):
    # u3: a gap and a mismatch with the extract; u1: a mismatch. Two bad users of six.
    _plant(warehouse, *DEFECTS["gap_between_versions"][1])
    _plant(warehouse, *DEFECTS["current_differs_from_latest_extract"][1])
    _plant(
        warehouse,
        f"UPDATE {RAW} SET {{division}} = 'Legal'"
        f" WHERE {{user_id}} = 'u3' AND {{extracted_at}} = {LATEST}",
    )
    report = validate_scd(warehouse.settings(), warehouse.engine())
    observed = {check.name: check.observed for check in report.checks}
    assert (observed["validity_continuity"], observed["current_matches_source"]) == (1, 2)
    assert report.scd_integrity_score == round(4 / 6 * 100, 2)


def test_violations_within_the_threshold_tolerance_pass(seed_warehouse):
    _plant(seed_warehouse, *DEFECTS["gap_between_versions"][1])
    # 80 % of 6 users tolerates one violating user.
    report = validate_scd(
        seed_warehouse.settings(scd_integrity_threshold=80.0), seed_warehouse.engine()
    )
    continuity = next(c for c in report.checks if c.name == "validity_continuity")
    assert (continuity.observed, continuity.threshold, continuity.passed) == (1, 1, True)
    assert report.passed
    assert report.scd_integrity_score == ONE_BAD_OF_SIX


def test_empty_dimension_and_extract_scores_zero(seed_warehouse):
    _plant(seed_warehouse, f"DELETE FROM {SCD}", f"DELETE FROM {RAW}")
    report = validate_scd(seed_warehouse.settings(), seed_warehouse.engine())
    assert report.scd_integrity_score == 0.0
    assert _failed(report) == {"scd_integrity_score"}
