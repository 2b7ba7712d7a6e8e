"""Stack settings from a `Pulumi.<stack>.yaml` file, without the Pulumi CLI.

Values are handed to `config_loading.parse_settings` the way Pulumi hands config to the program
(strings; lists as JSON), so tools outside `pulumi up` (the local demo, the log-group import
file) read the same validated settings a deployment of that stack would use. Keys the file leaves
out take the settings' defaults, which are the project defaults in Pulumi.yaml.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path
from typing import Any, Final

import yaml

from .config_loading import parse_settings
from .config_values import PROJECT, REGION_KEY
from .settings import Settings

PROJECT_ROOT: Final = Path(__file__).resolve().parents[1]


def _as_config_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def stack_settings(
    stack: str, root: Path = PROJECT_ROOT, without: Collection[str] = ()
) -> Settings:
    """The validated settings of `Pulumi.<stack>.yaml`; SettingsError names a bad key.

    `without`: keys (aliases) to leave out, e.g. the secrets, which the file holds encrypted.
    """
    path = root / f"Pulumi.{stack}.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    config: dict[str, Any] = document.get("config") or {}
    raw = {"region": _as_config_string(config[REGION_KEY])} if REGION_KEY in config else {}
    prefix = f"{PROJECT}:"
    raw |= {
        key.removeprefix(prefix): _as_config_string(value)
        for key, value in config.items()
        if key.startswith(prefix) and key.removeprefix(prefix) not in without
    }
    return parse_settings(raw)
