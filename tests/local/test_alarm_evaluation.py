"""CloudWatch's evaluation of an alarm from its datapoints, as the User Guide's tables give it
("How alarm state is evaluated when data is missing"), and the local band approximation."""

import pytest

from components.alarm_model import Comparison, MissingData
from components.anomaly_band import BandComparison
from local.alarm_evaluation import (
    AlarmState,
    alarm_state,
    breaches,
    evaluation_range,
    outside,
)
from local.band_approximation import MIN_RELATIVE_SPREAD, MIN_TRAINING_POINTS, band

OK, ALARM, INSUFFICIENT = AlarmState.OK, AlarmState.ALARM, AlarmState.INSUFFICIENT_DATA
RETAIN = "retain"  # the table's "Retain current state"
POLICIES = (
    MissingData.MISSING,
    MissingData.IGNORE,
    MissingData.BREACHING,
    MissingData.NOT_BREACHING,
)

# (datapoints oldest first: 0 within the threshold, X breaching, - missing;
#  state for MISSING, IGNORE, BREACHING, NOT_BREACHING)
THREE_OF_THREE = [
    ("0 - X - X", (OK, OK, OK, OK)),
    ("0 - - - -", (OK, OK, OK, OK)),
    ("- - - - -", (INSUFFICIENT, RETAIN, ALARM, OK)),
    ("0 X X - X", (ALARM, ALARM, ALARM, ALARM)),
    ("- - X - -", (ALARM, RETAIN, ALARM, OK)),
]
TWO_OF_THREE = [
    ("0 - X - X", (ALARM, ALARM, ALARM, ALARM)),
    ("0 0 X 0 X", (ALARM, ALARM, ALARM, ALARM)),
    ("0 - X - -", (OK, OK, ALARM, OK)),
    ("- - - - 0", (OK, OK, ALARM, OK)),
    ("- - - X -", (ALARM, RETAIN, ALARM, OK)),
]


def _datapoints(text: str) -> list[bool | None]:
    return [{"0": False, "X": True, "-": None}[point] for point in text.split()]


@pytest.mark.parametrize(
    ("datapoints_to_alarm", "datapoints", "states"),
    [(3, *row) for row in THREE_OF_THREE] + [(2, *row) for row in TWO_OF_THREE],
)
@pytest.mark.parametrize("current", [OK, ALARM])
def test_the_user_guides_tables(datapoints_to_alarm, datapoints, states, current):
    assert evaluation_range(3) == len(datapoints.split())  # the guide retrieves 5 for 3
    for policy, expected in zip(POLICIES, states, strict=True):
        state = alarm_state(
            _datapoints(datapoints),
            evaluation_periods=3,
            datapoints_to_alarm=datapoints_to_alarm,
            treat_missing_data=policy,
            current=current,
        )
        assert state is (current if expected == RETAIN else expected), (datapoints, policy)


def test_an_older_real_datapoint_in_the_range_outweighs_missing_ones():
    """One datapoint within the threshold, even at the far end of the range, keeps an
    all-periods-breaching alarm OK: only the shortfall is filled."""
    in_range = [False] + [None] * (evaluation_range(26) - 1)
    assert alarm_state(
        in_range, evaluation_periods=26, datapoints_to_alarm=26,
        treat_missing_data=MissingData.BREACHING, current=OK,
    ) is OK  # fmt: skip
    assert alarm_state(
        [None] * evaluation_range(26), evaluation_periods=26, datapoints_to_alarm=26,
        treat_missing_data=MissingData.BREACHING, current=OK,
    ) is ALARM  # fmt: skip


@pytest.mark.parametrize(
    ("comparison", "value", "expected"),
    [
        (Comparison.GREATER_OR_EQUAL, 1.0, True),
        (Comparison.GREATER, 1.0, False),
        (Comparison.GREATER, 1.5, True),
        (Comparison.LESS, 0.5, True),
        (Comparison.LESS, 1.0, False),
    ],
)
def test_static_comparisons(comparison, value, expected):
    assert breaches(value, comparison, 1.0) is expected


@pytest.mark.parametrize(
    ("comparison", "value", "expected"),
    [
        (BandComparison.BELOW, 9.0, True),
        (BandComparison.BELOW, 21.0, False),
        (BandComparison.ABOVE, 21.0, True),
        (BandComparison.ABOVE, 9.0, False),
        (BandComparison.OUTSIDE, 9.0, True),
        (BandComparison.OUTSIDE, 21.0, True),
        (BandComparison.OUTSIDE, 15.0, False),
    ],
)
def test_band_comparisons(comparison, value, expected):
    assert outside(value, comparison, (10.0, 20.0)) is expected


def test_the_band_is_the_mean_plus_minus_width_deviations_of_earlier_values():
    training = [90.0, 110.0, 90.0, 110.0, 100.0]
    lower, upper = band(training, 2.0)
    deviation = 10.0  # sample standard deviation of `training`
    assert (lower, upper) == pytest.approx((100 - 2 * deviation, 100 + 2 * deviation))


def test_no_band_until_enough_earlier_values():
    assert band([100.0] * (MIN_TRAINING_POINTS - 1), 2.0) is None
    assert band([100.0] * MIN_TRAINING_POINTS, 2.0) is not None


def test_a_steady_series_keeps_a_band_of_minimum_width():
    lower, upper = band([200.0] * MIN_TRAINING_POINTS, 2.0)
    assert (lower, upper) == pytest.approx(
        (200 * (1 - 2 * MIN_RELATIVE_SPREAD), 200 * (1 + 2 * MIN_RELATIVE_SPREAD))
    )
