"""Chat-ready alerts: the AWS Chatbot (Amazon Q Developer in chat applications) custom
notification, and the per-protocol SNS message that carries it beside the email text (pure).

Custom notification schema (docs: chatbot/latest/adminguide/custom-notifs.html): `version`
"1.0" and `source` "custom" are required; `content` holds `textType` (only "client-markdown"),
`title`, `description`, `nextSteps` and `keywords` (lists of strings); `metadata` holds
`threadId`, `summary`, `eventType`, `relatedResources` (strings) and `additionalContext`
(string to string).

With `MessageStructure="json"` SNS sends each protocol the string under its key and every
protocol without a key the `default` one. Chatbot subscribes to a topic over HTTPS, so `https`
carries the notification; email, SQS, Lambda and the rest get the readable text from `default`
(no `email` copy: it would only double the text inside SNS's 256 KB).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from handlers.alerting.bounds import MAX_JSON_ESCAPE_GROWTH
from handlers.alerting.message import truncate_utf8

VERSION: Final = "1.0"
SOURCE: Final = "custom"
TEXT_TYPE: Final = "client-markdown"
DEFAULT_PROTOCOL: Final = "default"
CHAT_PROTOCOL: Final = "https"
# Slack renders at most 3,000 characters in one text block; keep the description inside it.
DESCRIPTION_MAX_BYTES: Final = 3_000
MAX_FIT_ROUNDS: Final = 8
CHAT_MARKER: Final = "\n... [truncated; full alert by email and in the error handler's log]"


def notification(
    *,
    title: str,
    description: str,
    next_steps: Sequence[str],
    keywords: Sequence[str],
    thread_id: str,
    summary: str,
    event_type: str,
    related_resources: Sequence[str],
    additional_context: Mapping[str, str],
) -> dict[str, Any]:
    return {
        "version": VERSION,
        "source": SOURCE,
        "content": {
            "textType": TEXT_TYPE,
            "title": title,
            "description": truncate_utf8(description, DESCRIPTION_MAX_BYTES, CHAT_MARKER),
            "nextSteps": list(next_steps),
            "keywords": list(keywords),
        },
        "metadata": {
            "threadId": thread_id,
            "summary": summary,
            "eventType": event_type,
            "relatedResources": list(related_resources),
            "additionalContext": dict(additional_context),
        },
    }


def markdown_description(
    summary: str, facts: Sequence[tuple[str, str]], links: Mapping[str, str]
) -> str:
    """Bold labels and bare URLs: both render as intended in Slack's and Teams' markdown."""
    lines = [summary, "", *(f"*{label}*: {value}" for label, value in facts), ""]
    lines += [f"• {label}: {url}" for label, url in links.items()]
    return "\n".join(lines)


def _envelope(text: str, chat: str) -> str:
    return json.dumps({DEFAULT_PROTOCOL: text, CHAT_PROTOCOL: chat}, ensure_ascii=False)


def _escaped_bytes(text: str) -> int:
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8")) - 2  # minus the quotes


def structured_message(text: str, chat: Mapping[str, Any], max_bytes: int) -> tuple[str, str]:
    """(the SNS JSON message, the text it carries), the whole envelope within `max_bytes`.

    Only the text is shortened (the notification is bounded by DESCRIPTION_MAX_BYTES). JSON
    escaping can grow text up to six-fold (`\\u0001`), so cut in proportion to what escaping
    costs this text, re-measure, and in the last resort keep a sixth of the room.
    """
    chat_text = json.dumps(chat, ensure_ascii=False)
    room = max_bytes - len(_envelope("", chat_text).encode("utf-8"))
    if room <= 0:
        raise ValueError(f"the chat notification alone does not fit in {max_bytes} bytes")
    for _ in range(MAX_FIT_ROUNDS):
        escaped = _escaped_bytes(text)
        if escaped <= room:
            return _envelope(text, chat_text), text
        raw = len(text.encode("utf-8"))
        text = truncate_utf8(text, min(raw * room // escaped, raw - 1))
    text = truncate_utf8(text, room // MAX_JSON_ESCAPE_GROWTH)
    return _envelope(text, chat_text), text
