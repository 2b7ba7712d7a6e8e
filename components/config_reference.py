"""Generate the config defaults in Pulumi.yaml and docs/configuration.md from the Settings model.

python -m components.config_reference          # rewrite both (a test keeps them in sync)

Each default is defined once, on its `Settings` field (or in the contract, which the field reads).
The Pulumi CLI applies Pulumi.yaml's defaults, so they are generated from the model: only the
`default:` lines whose value differs are rewritten, the rest of the file stays as written.
docs/configuration.md is then rendered from Pulumi.yaml's config schema.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr

from .settings import Settings, field_aliases

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PULUMI_YAML = PROJECT_ROOT / "Pulumi.yaml"
CONFIGURATION_MD = PROJECT_ROOT / "docs" / "configuration.md"
_CONFIG_KEY_INDENT = "  "
_DEFAULT_LINE = "    default: "


def config_value(alias: str, value: Any) -> Any:
    """A Settings default as Pulumi config holds it (whole numbers, strings, lists)."""
    if isinstance(value, tuple | frozenset | list):
        return sorted(config_value(alias, item) for item in value)
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{alias}: Pulumi config has no fractional numbers, got {value}")
        return int(value)
    return value


def settings_defaults() -> dict[str, Any]:
    """Config key (alias) -> default, for every optional setting."""
    return {
        alias: config_value(alias, Settings.model_fields[name].get_default())
        for name, alias in field_aliases().items()
        if not Settings.model_fields[name].is_required()
    }


def _same(written: Any, default: Any) -> bool:
    if isinstance(written, list) and isinstance(default, list):
        return sorted(written) == default
    return bool(written == default) and type(written) is type(default)


def sync_defaults(text: str, defaults: Mapping[str, Any]) -> str:
    """Pulumi.yaml with each config key's `default:` line set to `defaults[key]`."""
    lines, key = text.splitlines(keepends=True), ""
    for index, line in enumerate(lines):
        if line.startswith(_CONFIG_KEY_INDENT) and line[2] != " " and line.rstrip().endswith(":"):
            key = line.strip().removesuffix(":")
        elif line.startswith(_DEFAULT_LINE) and key in defaults:
            written = yaml.safe_load(line.removeprefix(_DEFAULT_LINE))
            if not _same(written, defaults[key]):
                lines[index] = f"{_DEFAULT_LINE}{json.dumps(defaults[key])}\n"
    return "".join(lines)


def _default(schema: dict[str, Any]) -> str:
    if "default" not in schema:
        return "required"
    return f"`{json.dumps(schema['default'])}`"


def render(project: dict[str, Any]) -> str:
    name = project["name"]
    lines = [
        "# Configuration reference",
        "",
        "Generated from the settings model and the config schema in `Pulumi.yaml` by `make docs`",
        "(`python -m components.config_reference`); a test keeps it in sync. Keys are set per",
        f"stack as `pulumi config set {name}:<key> <value>`; lists with",
        f"`--path '{name}:<key>[0]'`. Alert emails and webhooks are secrets: add `--secret`.",
        "`aws:region` must match the region of `stateMachineArn` and `powertoolsLayerArn`.",
        "",
        "| Key | Type | Default | Description |",
        "| --- | --- | --- | --- |",
    ]
    for key, schema in project["config"].items():
        kind = schema["type"]
        if kind == "array":
            kind = f"array of {schema['items']['type']}"
        lines.append(f"| `{key}` | {kind} | {_default(schema)} | {schema['description']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    PULUMI_YAML.write_text(sync_defaults(PULUMI_YAML.read_text(), settings_defaults()))
    CONFIGURATION_MD.write_text(render(yaml.safe_load(PULUMI_YAML.read_text())))


if __name__ == "__main__":
    main()
