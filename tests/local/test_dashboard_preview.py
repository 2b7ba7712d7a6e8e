"""The preview's y-axis shows every value and threshold: a drop below zero is not clipped."""

from components.dashboard_body import widget_specs
from components.stack_file import stack_settings
from local.dashboard_preview import ANNOTATION_HEADROOM, y_limits

SPECS = {spec.title: spec for spec in widget_specs(stack_settings("local"))}
VOLUME = next(spec for title, spec in SPECS.items() if "extract volume change" in title)


def test_a_volume_drop_and_its_threshold_below_zero_are_inside_the_axis():
    (threshold,) = VOLUME.annotations
    assert threshold.value < 0  # the largest allowed drop, negated
    low, high = y_limits(VOLUME, -31.0, 45.0)
    assert low <= -31.0 and low <= threshold.value * ANNOTATION_HEADROOM and high >= 45.0
    # No drop yet: still down to the threshold, so its line and label are drawn.
    low, _ = y_limits(VOLUME, 0.5, 2.0)
    assert low == threshold.value * ANNOTATION_HEADROOM


def test_counts_start_at_zero_with_room_above_the_highest_threshold():
    counts = next(spec for spec in SPECS.values() if spec.annotations and not spec.y_range
                  and min(a.value for a in spec.annotations) > 0)  # fmt: skip
    highest = max(annotation.value for annotation in counts.annotations)
    assert y_limits(counts, 0.2, 0.5) == (0.0, highest * ANNOTATION_HEADROOM)


def test_a_fixed_range_keeps_its_margins():
    scores = next(spec for spec in SPECS.values() if spec.y_range is not None)
    assert y_limits(scores, -50.0, 500.0) == (scores.y_range[0] - 2, scores.y_range[1] + 5)
