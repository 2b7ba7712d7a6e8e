import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.alerting.message import (
    MAX_SUBJECT_CHARS,
    attributes_bytes,
    raw_text,
    sanitise_subject,
    truncate_utf8,
)


def _utf8(text: str) -> int:
    return len(text.encode("utf-8"))


def test_text_that_fits_is_untouched():
    assert truncate_utf8("abc", 3) == "abc"


def test_one_byte_over_is_truncated_with_the_marker_and_fits():
    text = "x" * 1001
    result = truncate_utf8(text, 1000)
    assert _utf8(result) <= 1000
    assert "truncated" in result
    assert result.startswith("x" * 900)


def test_marker_reports_the_bytes_left_out():
    result = truncate_utf8("a" * 10_000, 1000, marker="[-{omitted}]")
    kept = result.index("[")
    assert result == "a" * kept + f"[-{10_000 - kept}]"


def test_multibyte_characters_are_never_split():
    result = truncate_utf8("é" * 1000, 501, marker="|")
    result.encode("utf-8")  # valid UTF-8
    assert set(result[:-1]) == {"é"}
    assert _utf8(result) <= 501


@given(st.text(), st.integers(min_value=0, max_value=400))
def test_truncation_never_exceeds_the_budget(text, budget):
    assert _utf8(truncate_utf8(text, budget)) <= max(budget, 0)


def test_causes_larger_than_sns_allows_are_cut_below_the_limit():
    huge = "€" * 100_000  # 300,000 bytes
    result = truncate_utf8(huge, 262_144)
    assert 262_000 < _utf8(result) <= 262_144


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("[HIGH] glue\nfailed\r\n\tnow", "[HIGH] glue failed now"),
        ("Überprüfung fehlgeschlagen \u2013 café", "Uberprufung fehlgeschlagen cafe"),
        ("bell\x07 and \x1b[31mescape", "bell and [31mescape"),
        ("emoji 🚨 alert", "emoji alert"),
    ],
)
def test_subject_is_printable_ascii_on_one_line(raw, expected):
    assert sanitise_subject(raw) == expected


@given(st.text())
def test_any_subject_satisfies_the_sns_rules(raw):
    subject = sanitise_subject("[HIGH] " + raw)
    assert len(subject) <= MAX_SUBJECT_CHARS < 100
    assert all(0x20 <= ord(char) <= 0x7E for char in subject)


def test_long_subject_is_shortened_with_an_ellipsis():
    subject = sanitise_subject("word " * 50)
    assert len(subject) == MAX_SUBJECT_CHARS or subject.endswith("...")
    assert subject.endswith("...")
    assert len(subject) <= MAX_SUBJECT_CHARS


def test_attribute_bytes_count_name_type_and_value():
    assert (
        attributes_bytes({"severity": {"DataType": "String", "StringValue": "HIGH"}}) == 8 + 6 + 4
    )


def test_raw_text_unfolds_json_strings_and_survives_anything():
    assert '"errorMessage": "boom"' in raw_text({"Cause": '{"errorMessage": "boom"}'})
    assert raw_text(object()).startswith('"<object object')
    loop: list = []
    loop.append(loop)
    assert raw_text(loop)  # a circular structure still renders
