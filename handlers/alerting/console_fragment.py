"""The CloudWatch console's URL-fragment encoding for a Logs Insights query (pure).

The console keeps the query in `#logsV2:logs-insights?queryDetail=<state>`, where `<state>` is
the query's settings serialised with JSURL (objects `~(key~value~...)`, arrays `~(~item...)`,
strings `'` + every character outside `[A-Za-z0-9_.-]` as `*hh` or `**hhhh`, `$` as `!`), then
passed through JavaScript's `escape()`, the whole `?queryDetail=...` through
`encodeURIComponent()`, and every `%` written as `$`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from urllib.parse import quote

JsurlValue = str | int | float | bool | None | Sequence["JsurlValue"] | Mapping[str, "JsurlValue"]

_JSURL_PLAIN = re.compile(r"[A-Za-z0-9_.\-]")
# JavaScript's escape() leaves these unencoded; Python's quote() would also keep '~'.
_JS_ESCAPE_SAFE = "@*_+-./"
# encodeURIComponent() leaves these unencoded.
_URI_COMPONENT_SAFE = "-_.!~*'()"


def _jsurl_text(text: str) -> str:
    def encode(char: str) -> str:
        if _JSURL_PLAIN.fullmatch(char):
            return char
        if char == "$":
            return "!"
        code = ord(char)
        return f"*{code:02x}" if code < 0x100 else f"**{code:04x}"

    return "".join(encode(char) for char in text)


def jsurl(value: JsurlValue) -> str:
    """JSURL serialisation of a JSON-like value."""
    if value is None:
        return "~null"
    if isinstance(value, bool):
        return "~true" if value else "~false"
    if isinstance(value, int | float):
        return f"~{value}"
    if isinstance(value, str):
        return "~'" + _jsurl_text(value)
    if isinstance(value, Mapping):
        return "~(" + "~".join(_jsurl_text(key) + jsurl(item) for key, item in value.items()) + ")"
    return "~(" + ("".join(jsurl(item) for item in value) or "~") + ")"


def _js_escape(text: str) -> str:
    return quote(text, safe=_JS_ESCAPE_SAFE).replace("~", "%7E")


def logs_insights_fragment(query_detail: Mapping[str, JsurlValue]) -> str:
    """`logs-insights$3FqueryDetail$3D...`: append to `.../cloudwatch/home?region=r#logsV2:`."""
    state = "?queryDetail=" + _js_escape(jsurl(query_detail))
    return "logs-insights" + quote(state, safe=_URI_COMPONENT_SAFE).replace("%", "$")
