"""The resource view the stack-level rules read, independent of where the resources come from."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class StackResource:
    """One resource: its type token, a unique name, its properties and what it depends on.

    `dependencies` and `property_dependencies` hold the unique names of other resources (URNs
    under CrossGuard, logical names under the mocks harness). They identify a referenced resource
    when the reference itself is not known yet (a new resource's ARN during preview).
    """

    type: str
    name: str
    props: Mapping[str, Any]
    dependencies: frozenset[str] = frozenset()
    property_dependencies: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def references(self, prop: str) -> frozenset[str]:
        """What `prop` points at: its string value and the resources it was computed from."""
        value = self.props.get(prop)
        found = set(self.property_dependencies.get(prop, frozenset()))
        if isinstance(value, str) and value:
            found.add(value)
        return frozenset(found)


def as_document(value: Any) -> dict[str, Any] | None:
    """A policy document given as a JSON string or a dict; None when unknown (preview)."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip():
        parsed = json.loads(value)
        return parsed if isinstance(parsed, dict) else None
    return None


def as_list(value: Any) -> list[Any]:
    """IAM elements and Pulumi list inputs may be one value or a list of them."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
