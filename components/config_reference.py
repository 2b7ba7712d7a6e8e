"""Generate the config defaults in Pulumi.yaml and docs/configuration.md from the Settings model.

The per-handler objects (`pipelineValidator: {...}`), which Pulumi's project schema cannot
declare, are documented from the model alone.

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

from .config_loading import deprecated_keys, field_aliases, is_object_field
from .settings import HandlerConfig, Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PULUMI_YAML = PROJECT_ROOT / "Pulumi.yaml"
CONFIGURATION_MD = PROJECT_ROOT / "docs" / "configuration.md"
_CONFIG_KEY_INDENT = "  "
_DEFAULT_LINE = "    default: "
JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string"}


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
    """Config key (alias) -> default, for every optional setting Pulumi.yaml declares."""
    return {
        alias: config_value(alias, Settings.model_fields[name].get_default())
        for name, alias in field_aliases().items()
        if not Settings.model_fields[name].is_required() and not is_object_field(name)
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


def _handler_objects(name: str) -> list[str]:
    """One row per field of each handler's config object, defaults from the model, and the
    deprecated flat keys."""
    objects, rows = [], []
    for field_name, alias in field_aliases().items():
        if not is_object_field(field_name):
            continue
        objects.append(f"`{alias}`")
        config = Settings.model_fields[field_name].get_default()
        for sub_name, field in type(config).model_fields.items():
            described = HandlerConfig.model_fields.get(sub_name, field).description
            kind = JSON_TYPES.get(field.annotation, "string")
            default = json.dumps(getattr(config, sub_name))
            rows.append(f"| `{alias}.{field.alias}` | {kind} | `{default}` | {described} |")
    deprecated = [
        f"| `{old}` | `{obj}.{part}` |" for old, (obj, part) in sorted(deprecated_keys().items())
    ]
    return [
        "",
        "## Per-handler objects",
        "",
        f"Each monitoring function has one object ({', '.join(objects)}). Pulumi's project",
        "schema has no object type, so these are not in `Pulumi.yaml`; `components/settings.py`",
        "(`HandlerConfig`) validates them and holds their defaults. Set one field with",
        f"`pulumi config set --path '{name}:<object>.<field>' <value>`.",
        "",
        "| Key | Type | Default | Description |",
        "| --- | --- | --- | --- |",
        *rows,
        "",
        "The flat keys they replace still work, with a warning naming the new key; setting both",
        "is an error.",
        "",
        "| Deprecated key | Use instead |",
        "| --- | --- |",
        *deprecated,
    ]


def render(project: dict[str, Any]) -> str:
    name = project["name"]
    lines = [
        "# Configuration reference",
        "",
        "Generated from the settings model and the config schema in `Pulumi.yaml` by `make docs`",
        "(`python -m components.config_reference`); a test keeps it in sync. Keys are set per",
        f"stack as `pulumi config set {name}:<key> <value>`; lists with",
        f"`--path '{name}:<key>[0]'`. Alert emails and webhooks are secrets: add `--secret`.",
        "`aws:region` must match the region of `stateMachineArn` and `powertoolsLayerArn`;",
        "`aws:allowedAccountIds` must list exactly the account of `stateMachineArn`, so that the",
        "provider refuses credentials of any other account (`components/deploy_account.py`).",
        "",
        "| Key | Type | Default | Description |",
        "| --- | --- | --- | --- |",
    ]
    for key, schema in project["config"].items():
        kind = schema["type"]
        if kind == "array":
            kind = f"array of {schema['items']['type']}"
        lines.append(f"| `{key}` | {kind} | {_default(schema)} | {schema['description']} |")
    lines.extend(_handler_objects(name))
    return "\n".join(lines) + "\n"


def main() -> None:
    PULUMI_YAML.write_text(sync_defaults(PULUMI_YAML.read_text(), settings_defaults()))
    CONFIGURATION_MD.write_text(render(yaml.safe_load(PULUMI_YAML.read_text())))


if __name__ == "__main__":
    main()
