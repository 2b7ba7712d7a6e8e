"""Bounds on everything an input can make large: text, nesting depth, item counts (pure).

The error handler clips its event once, on entry (`clip`), so nothing downstream can recurse
without limit. Identifiers are bounded tighter (`text`); a cut one keeps its length and a digest
of the whole, so two long values that share a prefix stay distinct (an alert's identity is built
from them). Every string also loses lone surrogates, which JSON can carry (`"\\ud800"`) but
UTF-8, and so SNS, cannot.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Mapping
from typing import Any, Final

MAX_DEPTH: Final = 32  # the pipeline's state nests about 8 deep (dbt run results)
MAX_ITEMS: Final = 1_000  # per object or array
# Lambda's payload limit (synchronous invocation): no string in an event can be longer. Long
# Causes are read whole for evidence; what the alert shows of them has its own, smaller budget.
MAX_TEXT_BYTES: Final = 6_291_456
# ARNs (2,048 at most), execution and job names, run ids, statuses and error names.
IDENTIFIER_MAX_BYTES: Final = 2_048
MAX_INT_BITS: Final = 64
MAX_JSON_ESCAPE_GROWTH: Final = 6  # one control character becomes `\u00XX`
DEEPER: Final = f"[nested deeper than {MAX_DEPTH} levels: omitted]"
MORE_KEY: Final = "..."


def text(value: str, max_bytes: int = IDENTIFIER_MAX_BYTES) -> str:
    """Valid UTF-8 `value` within `max_bytes`; a cut value ends with its length and digest."""
    encoded = value.encode("utf-8", "replace")
    if len(encoded) <= max_bytes:
        return encoded.decode("utf-8")
    digest = hashlib.sha256(encoded).hexdigest()[:16]
    tail = f"... [{len(encoded)} bytes, sha256 {digest}]"
    keep = max(max_bytes - len(tail), 0)
    return encoded[:keep].decode("utf-8", "ignore") + tail


def _more(count: int) -> str:
    return f"[{count} more items omitted]"


def clip(value: Any, depth: int = MAX_DEPTH) -> Any:
    """A JSON-safe copy of `value`: at most MAX_DEPTH levels, MAX_ITEMS items per container,
    MAX_TEXT_BYTES per string; anything that is not JSON becomes its bounded `repr`."""
    if isinstance(value, Mapping | list | tuple):
        return _clip_container(value, depth - 1) if depth > 0 else DEEPER
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        bits = value.bit_length()
        return value if bits <= MAX_INT_BITS else f"[integer of {bits} bits]"
    return text(value if isinstance(value, str) else _repr(value), MAX_TEXT_BYTES)


def _clip_container(value: Mapping[Any, Any] | list[Any] | tuple[Any, ...], depth: int) -> Any:
    more = len(value) - MAX_ITEMS
    if isinstance(value, Mapping):
        clipped = {
            text(key if isinstance(key, str) else _repr(key), MAX_TEXT_BYTES): clip(item, depth)
            for key, item in itertools.islice(value.items(), MAX_ITEMS)
        }
        return {**clipped, MORE_KEY: _more(more)} if more > 0 else clipped
    items = [clip(item, depth) for item in value[:MAX_ITEMS]]
    return [*items, _more(more)] if more > 0 else items


def _repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception:  # a broken __repr__ must not break the alert
        return f"<{type(value).__name__}>"


def loads(document: str) -> Any:
    """The clipped JSON value `document` holds, or None when it is not JSON (or too deep to
    parse: the decoder's recursion limit is the only bound it has)."""
    try:
        return clip(json.loads(document))
    except (ValueError, RecursionError):
        return None


def dumps(value: Any) -> str:
    """Compact JSON of any value, clipped first so it cannot fail."""
    return json.dumps(clip(value), separators=(",", ":"), ensure_ascii=False)


def json_text(value: str, max_json_bytes: int) -> str:
    """`value`, cut when needed so that its JSON string (ASCII-escaped, the largest form;
    without the quotes) takes at most `max_json_bytes`."""
    if len(json.dumps(value)) - 2 <= max_json_bytes:
        return value
    return text(value, max_json_bytes // MAX_JSON_ESCAPE_GROWTH)
