"""Reading the stack's Pulumi config into `Settings`: values as Pulumi hands them over (strings,
lists and objects as JSON), deprecated flat keys folded into their objects, and one error that
names every offending key and never shows a secret."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Annotated, Any, Final, get_args, get_origin

import pulumi
from pydantic import (
    BaseModel,
    SecretStr,
    ValidationError,
)

from components.config_values import (
    PROJECT,
    config_key,
    config_path,
)
from components.settings import HandlerConfig, Settings


class SettingsError(ValueError):
    """Bad stack configuration; the message names every offending config key."""


def field_aliases() -> dict[str, str]:
    """Field name -> alias (config key without the project prefix)."""
    return {name: field.alias or name for name, field in Settings.model_fields.items()}


def _annotation_origin(field_name: str) -> Any:
    annotation = Settings.model_fields[field_name].annotation
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return get_origin(annotation) or annotation


def _holds_secret(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    return any(_holds_secret(arg) for arg in get_args(annotation))


@functools.cache
def secret_aliases() -> frozenset[str]:
    """Config keys whose values are secrets (any `SecretStr` in the field's type): no message
    ever shows their values."""
    return frozenset(
        alias
        for name, alias in field_aliases().items()
        if _holds_secret(Settings.model_fields[name].annotation)
    )


def is_list_field(field_name: str) -> bool:
    return _annotation_origin(field_name) in (tuple, frozenset, list)


def is_object_field(field_name: str) -> bool:
    """A nested object in Pulumi config (a handler's own config)."""
    origin = _annotation_origin(field_name)
    return isinstance(origin, type) and issubclass(origin, BaseModel)


def deprecated_keys() -> dict[str, tuple[str, str]]:
    """Flat key -> (object, field) that replaced it: `pipelineValidatorMemoryMb` ->
    (`pipelineValidator`, `memoryMb`), for each handler's sizing."""
    sizing = [field.alias or name for name, field in HandlerConfig.model_fields.items()]
    return {
        f"{handler}{part[0].upper()}{part[1:]}": (handler, part)
        for name, handler in field_aliases().items()
        if is_object_field(name)
        for part in sizing
    }


SECRET_SHOWN: Final = "<secret>"


def _shown(alias: str, value: Any) -> Any:
    """What a message may show of a config value: never a secret's."""
    return SECRET_SHOWN if isinstance(value, SecretStr) or alias in secret_aliases() else value


def _decoded(name: str, alias: str, text: str) -> Any:
    """A config value as the model takes it: lists and objects arrive as JSON text."""
    kind = list if is_list_field(name) else dict if is_object_field(name) else None
    if kind is None:
        return text
    shape = "a JSON list" if kind is list else "a JSON object"
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(f"must be {shape}, got {_shown(alias, text)}") from None
    if not isinstance(value, kind):
        raise ValueError(f"must be {shape}, got {_shown(alias, text)}")
    return value


def _move_deprecated(
    raw: Mapping[str, str], values: dict[str, Any], problems: list[str]
) -> dict[str, str]:
    """Fold each deprecated flat key into its handler's object (with a warning naming the new
    key); setting both is an error naming both. Returns new path -> the old key it came from."""
    moved = {}
    for old, (handler, part) in deprecated_keys().items():
        if old not in raw or not isinstance(values.setdefault(handler, {}), dict):
            continue
        new = config_path(handler, part)
        if part in values[handler]:
            problems.append(f"{config_key(old)} and {new}: both set; keep only {new}")
            continue
        values[handler][part] = raw[old]
        moved[new] = config_key(old)
        pulumi.log.warn(f"{config_key(old)} is deprecated: set {new} instead")
    return moved


def parse_settings(raw: Mapping[str, str]) -> Settings:
    """Build Settings from config values as Pulumi hands them over (strings; lists and objects
    as JSON).

    `raw` is keyed by config key without the project prefix (`region` for `aws:region`);
    absent keys take defaults.
    """
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, alias in field_aliases().items():
        if alias in raw:
            try:
                values[alias] = _decoded(name, alias, raw[alias])
            except ValueError as error:
                problems.append(f"{config_key(alias)}: {error}")
    moved = _move_deprecated(raw, values, problems)
    try:
        settings = Settings.model_validate(values)
    except ValidationError as error:
        for line in _describe(error):
            key, _, rest = line.partition(": ")
            problems.append(f"{moved[key]} (now {key}): {rest}" if key in moved else line)
    if problems:
        raise SettingsError("invalid stack configuration:\n  " + "\n  ".join(problems))
    return settings


def _describe(error: ValidationError) -> list[str]:
    lines = []
    for problem in error.errors():
        alias, *inside = problem["loc"] or ("?",)
        key = config_path(str(alias), *inside)
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "missing":
            lines.append(f"{key}: is required (pulumi config set {alias} ...)")
            continue
        lines.append(f"{key}: {message}, got {_shown(str(alias), problem.get('input'))}")
    return lines


def load_settings() -> Settings:
    """Read the current stack's config through `pulumi.Config` and validate it.

    Alert emails and webhooks are read as plain values here because their number decides how
    many subscriptions exist and they must be validated before anything is registered; they stay
    `SecretStr` in the model and AlertTopics passes them on as Pulumi secrets, so they are
    encrypted in state and masked in output.
    """
    project = pulumi.Config(PROJECT)
    keys = [*(alias for alias in field_aliases().values() if alias != "region"), *deprecated_keys()]
    raw = {key: project.get(key) for key in keys}
    raw["region"] = pulumi.Config("aws").get("region")
    return parse_settings({key: value for key, value in raw.items() if value is not None})
