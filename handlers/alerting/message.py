"""SNS-safe alert text: subject sanitising, UTF-8 byte truncation, the email body (pure).

SNS rules: a Subject is ASCII printable text without line breaks or control characters and
less than 100 characters; a Message is at most 256 KB (262,144 bytes) of UTF-8, and message
attributes (name, type and value) count towards that limit.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from handlers.alerting import bounds

MAX_SUBJECT_CHARS = 99
SNS_MAX_MESSAGE_BYTES = 262_144
# Causes can be whole run_results.json files. These budgets keep the email readable; the full
# detail is logged. SNS's 256 KB is kept by `alert.sns_envelope` for the message as a whole, and
# the handler's return value is the receipt, with budgets of its own (`receipt.py`).
ROOT_CAUSE_MAX_BYTES = 4_096
RAW_DETAIL_MAX_BYTES = 32_768
TRUNCATION_MARKER = "\n... [truncated {omitted} bytes; full detail in the error handler's log]"
ELLIPSIS = "..."
MAX_EXPAND_DEPTH = 8

_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]+")
_SPACES = re.compile(r"\s+")


def truncate_utf8(text: str, max_bytes: int, marker: str = TRUNCATION_MARKER) -> str:
    """`text` if it fits in `max_bytes` of UTF-8, else its longest prefix plus the marker.

    The prefix never splits a character; `{omitted}` in the marker is the bytes left out.
    """
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    # The marker's own length depends on the omitted count; reserve the widest it can be.
    reserve = len(marker.format(omitted=len(encoded)).encode("utf-8"))
    keep = max(max_bytes - reserve, 0)
    prefix = encoded[:keep].decode("utf-8", errors="ignore")
    omitted = len(encoded) - len(prefix.encode("utf-8"))
    return (
        (prefix + marker.format(omitted=omitted))
        .encode("utf-8")[:max_bytes]
        .decode("utf-8", errors="ignore")
    )


def sanitise_subject(text: str, max_chars: int = MAX_SUBJECT_CHARS) -> str:
    """ASCII printable, one line, at most `max_chars`, ending in `...` when shortened."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    one_line = _SPACES.sub(" ", _NOT_PRINTABLE_ASCII.sub(" ", ascii_text)).strip()
    if len(one_line) <= max_chars:
        return one_line
    return one_line[: max_chars - len(ELLIPSIS)].rstrip() + ELLIPSIS


def attributes_bytes(attributes: Mapping[str, Mapping[str, str]]) -> int:
    """What SNS counts for message attributes: each name, data type and value, in UTF-8."""
    return sum(
        len(name.encode()) + len(attribute["DataType"].encode())
        + len(attribute.get("StringValue", "").encode())
        for name, attribute in attributes.items()
    )  # fmt: skip


def _expand_json_strings(value: Any, depth: int = 0) -> Any:
    """Causes nest JSON in strings (a Lambda error's message in a Cause); unfold for reading."""
    if depth > MAX_EXPAND_DEPTH:
        return value
    if isinstance(value, str) and value.lstrip().startswith(("{", "[")):
        parsed = bounds.loads(value)
        return value if parsed is None else _expand_json_strings(parsed, depth + 1)
    if isinstance(value, dict):
        return {key: _expand_json_strings(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [_expand_json_strings(item, depth + 1) for item in value]
    return value


def raw_text(value: Any) -> str:
    """A readable dump of any payload, whatever it contains (clipped: see `bounds`)."""
    return json.dumps(_expand_json_strings(bounds.clip(value)), indent=2, ensure_ascii=False)


def raw_detail(value: Any) -> str:
    """`raw_text`, cut to the alert's budget for it."""
    return truncate_utf8(raw_text(value), RAW_DETAIL_MAX_BYTES)


def _numbered(items: Iterable[str]) -> list[str]:
    return [f"  {number}. {item}" for number, item in enumerate(items, start=1)]


def _indented(text: str) -> list[str]:
    return ["  " + line if line else "" for line in text.splitlines()] or ["  (none)"]


def render_body(
    *,
    headline: str,
    facts: Sequence[tuple[str, str]],
    root_cause: str,
    actions: Sequence[str],
    investigation: Sequence[str],
    links: Sequence[tuple[str, str]],
    raw_detail: str,
) -> str:
    """A plain-text email: headline, facts, root cause, what to do, links, raw detail."""
    width = max((len(label) for label, _ in facts), default=0)
    lines = [headline, "=" * min(len(headline), 78), ""]
    lines += [f"{label.ljust(width)} : {value}" for label, value in facts]
    lines += ["", "ROOT CAUSE", *_indented(root_cause)]
    lines += ["", "RECOMMENDED ACTIONS", *_numbered(actions)]
    lines += ["", "INVESTIGATION GUIDE", *_numbered(investigation)]
    lines += ["", "LINKS", *(f"  {label}: {url}" for label, url in links)]
    lines += ["", "RAW DETAIL", *_indented(raw_detail)]
    return "\n".join(lines) + "\n"
