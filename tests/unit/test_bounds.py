"""Bounds on what an input can make large: text, nesting depth and item counts."""

import json

from hypothesis import given
from hypothesis import strategies as st

from handlers.alerting import bounds
from tests.handlers import events


def _depth(value) -> int:
    depth = 0
    while isinstance(value, list | dict) and value:
        value = value[0] if isinstance(value, list) else next(iter(value.values()))
        depth += 1
    return depth


def test_text_that_fits_is_unchanged_and_long_text_keeps_its_length_and_digest():
    assert bounds.text("arn:aws:states:x", 100) == "arn:aws:states:x"
    cut = bounds.text("a" * 10_000, 200)
    assert len(cut.encode()) <= 200 and cut.startswith("a" * 100)
    assert "10000 bytes, sha256 " in cut


def test_long_values_with_one_prefix_stay_distinct():
    prefix = "arn:aws:states:us-east-1:1:execution:m:" + "x" * 5_000
    assert bounds.text(prefix + "a") != bounds.text(prefix + "b")


@given(st.text(alphabet=st.characters(codec=None, categories=["Cs", "Lo", "Cc"])),
       st.integers(min_value=0, max_value=300))  # fmt: skip
def test_text_is_valid_utf8_within_the_budget_even_with_lone_surrogates(value, budget):
    bounded = bounds.text(value, max(budget, 80))
    assert len(bounded.encode("utf-8")) <= max(budget, 80)  # encodes: no lone surrogate left


def test_clip_bounds_depth_items_and_integers():
    clipped = bounds.clip(
        {"deep": events.deep_array(5_000), "wide": list(range(5_000)), "n": 2**200}
    )
    assert _depth(clipped["deep"]) == bounds.MAX_DEPTH - 1
    assert len(clipped["wide"]) == bounds.MAX_ITEMS + 1 and clipped["wide"][-1].endswith("omitted]")
    assert clipped["n"] == "[integer of 201 bits]"
    json.dumps(clipped)


def test_clip_survives_cycles_and_objects_that_are_not_json():
    loop: list = []
    loop.append(loop)
    assert _depth(bounds.clip(loop)) == bounds.MAX_DEPTH
    assert bounds.clip(object()).startswith("<object object")


def test_loads_reads_json_and_refuses_what_it_cannot_parse():
    assert bounds.loads('{"a": [1, 2]}') == {"a": [1, 2]}
    assert bounds.loads("{not json") is None
    assert bounds.loads("[" * 100_000 + "]" * 100_000) is None  # the decoder's recursion limit
    assert _depth(bounds.loads("[" * 500 + "]" * 500)) == bounds.MAX_DEPTH


def test_json_text_bounds_the_escaped_form():
    for value in ("\x01" * 5_000, "😀" * 5_000, '"' * 5_000, "plain" * 1_000):
        bounded = bounds.json_text(value, 2_048)
        assert len(json.dumps(bounded)) - 2 <= 2_048
    assert bounds.json_text("short", 2_048) == "short"
