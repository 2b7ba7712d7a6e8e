"""Render docs/configuration.md from the config schema in Pulumi.yaml.

python -m components.config_reference > docs/configuration.md
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default(schema: dict[str, Any]) -> str:
    if "default" not in schema:
        return "required"
    return f"`{json.dumps(schema['default'])}`"


def render(project: dict[str, Any]) -> str:
    name = project["name"]
    lines = [
        "# Configuration reference",
        "",
        "Generated from `Pulumi.yaml` by `python -m components.config_reference`; a test keeps",
        "it in sync. Keys are set per stack as `pulumi config set "
        f"{name}:<key> <value>`; lists with",
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
    print(render(yaml.safe_load((PROJECT_ROOT / "Pulumi.yaml").read_text())), end="")


if __name__ == "__main__":
    main()
