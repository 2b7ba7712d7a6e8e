"""Render docs/configuration.md from the config schema in Pulumi.yaml and, for the per-handler
objects the project schema cannot declare, from the settings model.

python -m components.config_reference > docs/configuration.md
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from .settings import HandlerConfig, Settings, deprecated_keys, field_aliases, is_object_field

PROJECT_ROOT = Path(__file__).resolve().parent.parent
JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string"}


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
        "Generated from `Pulumi.yaml` and `components/settings.py` by",
        "`python -m components.config_reference`; a test keeps it in sync. Keys are set per",
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
    lines.extend(_handler_objects(name))
    return "\n".join(lines) + "\n"


def main() -> None:
    print(render(yaml.safe_load((PROJECT_ROOT / "Pulumi.yaml").read_text())), end="")


if __name__ == "__main__":
    main()
