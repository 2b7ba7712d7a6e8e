"""The reference Amazon States Language definition of the sf_user pipeline and its loader.

The definition names no account, region or function: every deploy-time value is a `${Name}`
placeholder, substituted like SAM's `DefinitionSubstitutions`. Substitution walks the parsed JSON
(strings only), so a value can never break the document's structure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from enum import StrEnum
from importlib import resources
from typing import Any, Final

DEFINITION_FILE: Final = "sf_user_pipeline.asl.json"
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


class Placeholder(StrEnum):
    GLUE_JOB_NAME = "GlueJobName"
    PIPELINE_VALIDATOR_FUNCTION_ARN = "PipelineValidatorFunctionArn"
    DBT_RUNNER_FUNCTION_ARN = "DbtRunnerFunctionArn"
    METRICS_PUBLISHER_FUNCTION_ARN = "MetricsPublisherFunctionArn"
    ERROR_HANDLER_FUNCTION_ARN = "ErrorHandlerFunctionArn"


def template() -> dict[str, Any]:
    """The definition with its `${...}` placeholders in place."""
    text = resources.files(__package__).joinpath(DEFINITION_FILE).read_text(encoding="utf-8")
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def placeholders(node: Any) -> set[str]:
    """Every placeholder name used anywhere in a parsed definition."""
    if isinstance(node, str):
        return set(_PLACEHOLDER.findall(node))
    if isinstance(node, dict):
        return set().union(*(placeholders(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(placeholders(value) for value in node))
    return set()


def _substitute(node: Any, values: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return _PLACEHOLDER.sub(lambda match: values[match.group(1)], node)
    if isinstance(node, dict):
        return {key: _substitute(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_substitute(value, values) for value in node]
    return node


def definition(substitutions: Mapping[str, str]) -> dict[str, Any]:
    """The definition with every placeholder replaced; unknown or missing names are an error."""
    parsed = template()
    used = placeholders(parsed)
    missing = sorted(used - substitutions.keys())
    unknown = sorted(substitutions.keys() - used)
    if missing or unknown:
        raise ValueError(
            f"state machine substitutions: missing {missing or 'none'}, unknown {unknown or 'none'}"
            f" (expected exactly {sorted(used)})"
        )
    empty = sorted(name for name, value in substitutions.items() if not value)
    if empty:
        raise ValueError(f"state machine substitutions: empty value for {empty}")
    rendered: dict[str, Any] = _substitute(parsed, substitutions)
    return rendered


def definition_json(substitutions: Mapping[str, str]) -> str:
    """`definition(...)` as the JSON string CreateStateMachine takes."""
    return json.dumps(definition(substitutions), separators=(",", ":"))
