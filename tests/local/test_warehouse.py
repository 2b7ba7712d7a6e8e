"""The generated warehouse is a correct SCD2 history of its extracts; planters break one thing.

Every expectation is computed here with its own SQL over the raw extracts, independent of the
SQL that builds the dimension (and of the validator's).
"""

import itertools
from datetime import timedelta

import duckdb
import pytest

from local.salesforce_users import ExtractPlan, UserRecord, generate_extracts, salesforce_id_18
from local.warehouse import (
    RAW_TABLE,
    SCD_TABLE,
    append_raw,
    build_scd,
    build_warehouse,
    latest_extract,
    load_raw,
    plant_duplicate_current_row,
    plant_overlapping_history,
    plant_partial_extract,
    plant_stale_extract,
)
from tests.frozen_time import FROZEN_NOW, naive

LATEST = naive(FROZEN_NOW)
PLAN = ExtractPlan(users=120, days=5, null_division_rate=0.05)

USERS_WITHOUT_ONE_CURRENT_ROW = f"""
    SELECT user_id FROM {SCD_TABLE} GROUP BY user_id
    HAVING count(*) FILTER (WHERE is_current) <> 1"""
OVERLAPPING_VERSIONS = f"""
    SELECT a.user_id, a.valid_from, b.valid_from
    FROM {SCD_TABLE} a JOIN {SCD_TABLE} b
      ON a.user_id = b.user_id AND a.valid_from < b.valid_from
     AND b.valid_from < coalesce(a.valid_to, TIMESTAMP '9999-12-31')"""
# Version starts the raw data implies: a user's first row, a tracked change between two present
# consecutive extracts, and (generated users never return) the extract after a user's last one.
EXPECTED_VERSION_STARTS = f"""
    WITH ordered AS (
        SELECT user_id, _extracted_at, division, audit_phase__c,
               lag(division) OVER w AS prev_division, lag(audit_phase__c) OVER w AS prev_phase,
               row_number() OVER w AS n
        FROM {RAW_TABLE} WINDOW w AS (PARTITION BY user_id ORDER BY _extracted_at)
    ),
    extract_times AS (SELECT DISTINCT _extracted_at FROM {RAW_TABLE}),
    last_seen AS (SELECT user_id, max(_extracted_at) AS last_at FROM {RAW_TABLE} GROUP BY 1)
    SELECT user_id, _extracted_at, FALSE AS is_deleted FROM ordered
    WHERE n = 1 OR NOT (division IS NOT DISTINCT FROM prev_division
                        AND audit_phase__c IS NOT DISTINCT FROM prev_phase)
    UNION ALL
    SELECT l.user_id, min(e._extracted_at), TRUE
    FROM last_seen l JOIN extract_times e ON e._extracted_at > l.last_at
    GROUP BY l.user_id"""


def _warehouse(plan: ExtractPlan = PLAN) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    build_warehouse(connection, plan, LATEST)
    return connection


def _rows(connection: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return connection.execute(sql).fetchall()


@pytest.fixture(scope="module")
def warehouse() -> duckdb.DuckDBPyConnection:
    return _warehouse()


def test_salesforce_ids_carry_the_documented_checksum():
    assert salesforce_id_18("001A0000006Vm9r") == "001A0000006Vm9rIAC"
    with pytest.raises(ValueError, match="15 alphanumeric"):
        salesforce_id_18("001A0000006Vm9")


def test_generation_is_deterministic_and_realistic():
    rows = generate_extracts(PLAN, LATEST)
    assert rows == generate_extracts(PLAN, LATEST)
    assert rows != generate_extracts(ExtractPlan(users=120, days=5, seed=1), LATEST)
    ids = {row.user_id for row in rows}
    assert all(len(i) == 18 and i.startswith("005") and salesforce_id_18(i[:15]) == i for i in ids)
    assert {row.extracted_at for row in rows} == {LATEST - timedelta(days=d) for d in range(5)}
    assert {row.audit_phase__c for row in rows} >= {"Not Started", "In Review", "Certified"}
    assert any(row.division is None for row in rows)
    assert all(row.email.endswith("@example.com") for row in rows)


def test_one_current_row_per_user_and_every_user_present(warehouse):
    assert _rows(warehouse, USERS_WITHOUT_ONE_CURRENT_ROW) == []
    missing = f"SELECT user_id FROM {RAW_TABLE} EXCEPT SELECT user_id FROM {SCD_TABLE}"
    assert _rows(warehouse, missing) == []


def test_history_has_no_overlaps_or_gaps_and_consistent_flags(warehouse):
    assert _rows(warehouse, OVERLAPPING_VERSIONS) == []
    gaps = f"""SELECT a.user_id FROM {SCD_TABLE} a WHERE a.valid_to IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM {SCD_TABLE} b WHERE b.user_id = a.user_id AND b.valid_from = a.valid_to)"""
    assert _rows(warehouse, gaps) == []
    inconsistent = f"SELECT * FROM {SCD_TABLE} WHERE is_current <> (valid_to IS NULL)"
    assert _rows(warehouse, inconsistent) == []


def test_versions_start_exactly_when_tracked_columns_change(warehouse):
    actual = f"SELECT user_id, valid_from, is_deleted FROM {SCD_TABLE}"
    assert sorted(_rows(warehouse, actual)) == sorted(_rows(warehouse, EXPECTED_VERSION_STARTS))
    deleted = f"SELECT count(*) FROM {SCD_TABLE} WHERE is_deleted"
    assert _rows(warehouse, deleted) == [(PLAN.deletions_per_day * (PLAN.days - 1),)]


def test_untracked_changes_exist_and_make_no_version(warehouse):
    """Guards the exact-match test above: the data does change untracked columns."""
    untracked_only = f"""
        SELECT count(*) FROM (
            SELECT email <> lag(email) OVER w AS email_changed,
                   division IS NOT DISTINCT FROM lag(division) OVER w
                   AND audit_phase__c = lag(audit_phase__c) OVER w AS tracked_same
            FROM {RAW_TABLE} WINDOW w AS (PARTITION BY user_id ORDER BY _extracted_at))
        WHERE email_changed AND tracked_same"""
    assert _rows(warehouse, untracked_only)[0][0] > 0


def test_null_is_a_tracked_value_and_a_returning_user_gets_a_new_version():
    day = [LATEST - timedelta(days=2 - d) for d in range(3)]
    a, b = "005000000000001AAA", "005000000000002AAA"

    def row(user_id, division, at):
        return UserRecord(user_id, "u", "u@example.com", division, "In Review", True, at)

    connection = duckdb.connect()
    load_raw(
        connection,
        [row(a, None, day[0]), row(a, "Sales NA", day[1]), row(a, None, day[2]),
         row(b, "Finance", day[0]), row(b, "Finance", day[2])],
    )  # fmt: skip
    build_scd(connection)

    versions = _rows(
        connection,
        f"SELECT user_id, division, valid_from, valid_to, is_current, is_deleted FROM {SCD_TABLE}"
        " ORDER BY 1, 3",
    )
    assert versions == [
        (a, None, day[0], day[1], False, False),
        (a, "Sales NA", day[1], day[2], False, False),
        (a, None, day[2], None, True, False),
        (b, "Finance", day[0], day[1], False, False),
        (b, "Finance", day[1], day[2], False, True),
        (b, "Finance", day[2], None, True, False),
    ]


def test_plant_stale_extract_ages_every_extract_by_the_given_hours():
    connection = _warehouse()
    before = _rows(connection, f"SELECT count(*), min(_extracted_at) FROM {RAW_TABLE}")[0]

    latest = plant_stale_extract(connection, hours=30)

    assert latest == LATEST - timedelta(hours=30)
    after = _rows(connection, f"SELECT count(*), min(_extracted_at) FROM {RAW_TABLE}")[0]
    assert after == (before[0], before[1] - timedelta(hours=30))


def test_plant_duplicate_current_row_breaks_only_that_user():
    connection = _warehouse()
    rows_before = _rows(connection, f"SELECT count(*) FROM {SCD_TABLE}")[0][0]

    user_id = plant_duplicate_current_row(connection)

    assert _rows(connection, USERS_WITHOUT_ONE_CURRENT_ROW) == [(user_id,)]
    assert _rows(connection, f"SELECT count(*) FROM {SCD_TABLE}")[0][0] == rows_before + 1
    tracked = f"""SELECT count(DISTINCT (division, audit_phase__c)) FROM {SCD_TABLE}
                  WHERE user_id = '{user_id}' AND is_current"""
    assert _rows(connection, tracked) == [(2,)]


def test_plant_overlapping_history_breaks_only_that_user():
    connection = _warehouse()

    user_id = plant_overlapping_history(connection)

    overlaps = _rows(connection, OVERLAPPING_VERSIONS)
    assert [overlap[0] for overlap in overlaps] == [user_id]
    assert _rows(connection, USERS_WITHOUT_ONE_CURRENT_ROW) == []


def test_plant_partial_extract_truncates_the_latest_extract_and_keeps_the_previous_dimension():
    connection = _warehouse()
    users = f"SELECT user_id FROM {RAW_TABLE} WHERE _extracted_at = ? ORDER BY user_id"
    full = [row[0] for row in connection.execute(users, [LATEST]).fetchall()]
    # The dimension dbt built from the extracts before the latest one.
    expected = duckdb.connect()
    build_warehouse(expected, PLAN, LATEST)
    expected.execute(f"DELETE FROM {RAW_TABLE} WHERE _extracted_at = ?", [LATEST])
    build_scd(expected)

    lost = plant_partial_extract(connection, share=0.4)

    kept = [row[0] for row in connection.execute(users, [LATEST]).fetchall()]
    assert lost == len(full) - len(kept) == len(full) - round(len(full) * 0.6)
    assert kept == full[: len(kept)]  # the first users by id: a truncated page
    dimension = f"SELECT * FROM {SCD_TABLE} ORDER BY ALL"
    assert _rows(connection, dimension) == _rows(expected, dimension)
    with pytest.raises(ValueError, match="between 0 and 1"):
        plant_partial_extract(connection, share=1.0)


def test_a_dimension_of_chosen_extracts_ignores_the_others():
    """An extract dbt never snapshotted (its run stopped before dbt) is in the raw table but
    leaves no trace in the dimension: the users it left out are not marked deleted."""
    day = [LATEST - timedelta(days=2 - d) for d in range(3)]
    a, b = "005000000000001AAA", "005000000000002AAA"

    def row(user_id, at):
        return UserRecord(user_id, "u", "u@example.com", "Finance", "In Review", True, at)

    connection = duckdb.connect()
    load_raw(connection, [row(a, day[0]), row(b, day[0])])
    append_raw(connection, [row(a, day[1])])  # a partial extract: b is missing
    append_raw(connection, [row(a, day[2]), row(b, day[2])])
    snapshotted = [day[0], day[2]]
    build_scd(connection, snapshotted)

    deleted = _rows(connection, f"SELECT count(*) FROM {SCD_TABLE} WHERE is_deleted")
    assert deleted == [(0,)]
    build_scd(connection)  # every extract: b was deleted on day 1 and came back
    assert _rows(connection, f"SELECT user_id FROM {SCD_TABLE} WHERE is_deleted") == [(b,)]
    assert latest_extract(connection) == day[2]


def test_weekends_change_the_org_by_the_weekend_share():
    plan = ExtractPlan(users=120, days=8, weekend_share=0.25, untracked_changes_per_day=0)
    by_day: dict = {}
    for row in generate_extracts(plan, LATEST):
        by_day.setdefault(row.extracted_at, set()).add(row.user_id)
    days = sorted(by_day)
    for before, after in itertools.pairwise(days):
        churn = plan.on(after)
        assert len(by_day[after] - by_day[before]) == churn.hires_per_day
        assert len(by_day[before] - by_day[after]) == churn.deletions_per_day
    saturday = next(day for day in days if day.weekday() == 5)
    assert plan.on(saturday).hires_per_day == round(plan.hires_per_day * 0.25)
    assert plan.on(saturday - timedelta(days=1)) == plan
