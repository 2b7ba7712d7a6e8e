"""Policy documents and statements as plain data, and the merge an existing topic's policy needs
(`existing_topic_policy`): one statement put or removed by its Sid, every other one kept as it
was."""

from __future__ import annotations

import copy
from typing import Any

PolicyDocument = dict[str, Any]
Statement = dict[str, Any]


def _statements(policy: PolicyDocument) -> list[Statement]:
    """IAM allows `Statement` to be one object or a list of them."""
    found = policy.get("Statement") or []
    return [found] if isinstance(found, dict) else list(found)


def statement_with_sid(policy: PolicyDocument, sid: str) -> Statement | None:
    return next((s for s in _statements(policy) if s.get("Sid") == sid), None)


def with_statement(policy: PolicyDocument, statement: Statement) -> PolicyDocument:
    """`policy` with `statement` in place of the statement with its Sid, else appended last."""
    sid = statement["Sid"]
    merged = copy.deepcopy(policy)
    kept = [s for s in _statements(policy) if s.get("Sid") != sid]
    merged.setdefault("Version", "2012-10-17")
    merged["Statement"] = [*kept, statement]
    return merged


def without_statement(policy: PolicyDocument, sid: str) -> PolicyDocument | None:
    """`policy` without the statement `sid`; None when no statement would be left (a policy
    needs at least one)."""
    kept = [s for s in _statements(policy) if s.get("Sid") != sid]
    if not kept:
        return None
    remaining = copy.deepcopy(policy)
    remaining["Statement"] = kept
    return remaining
