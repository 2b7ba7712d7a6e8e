"""Each function's environment: its handler's own settings model, instantiated from stack settings.

The stack never writes environment variables by hand. It fills the handler's model (handlers/) and
dumps it by alias (`handlers.settings.environment_variables`), so whatever the Lambda would refuse
at its first invocation is refused here, before any resource is registered, naming the config
keys that caused it (`SettingsError`).

A model field takes its value, in this order, from: what the handler's builder derives (names,
ARNs, the column layout); the handler's own config object under the same field name
(`pipelineValidator: {...}`); a top-level stack setting under the same name (`freshnessHours` ->
`freshness_hours`); else the model's default. Adding a handler setting is therefore one model
field plus one same-named stack-side value.

Every value is known before deployment: names and ARNs are derived from settings (`arns`), the
alert topics' included, so the whole model is validated at preview rather than inside an
`Output.apply`, which a preview of a new stack would never run.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple, TypeVar

from pydantic import ValidationError

from handlers.contract import HandlerKey
from handlers.settings import HandlerSettings, alias, problems

from .config_loading import SettingsError, field_aliases
from .config_values import config_path
from .settings import Settings

SettingsT = TypeVar("SettingsT", bound=HandlerSettings)


class Sourced(NamedTuple):
    value: Any
    config_key: str  # `sf-user-monitoring:<key>` or a path inside a handler's object


def stack_values(settings: Settings, config_field: str) -> dict[str, Sourced]:
    """Every stack setting by field name; the handler's own object (`config_field`) overrides
    top-level settings of the same name."""
    found = {
        name: Sourced(getattr(settings, name), config_path(key))
        for name, key in field_aliases().items()
    }
    config = getattr(settings, config_field)
    config_alias = field_aliases()[config_field]
    for name, field in type(config).model_fields.items():
        found[name] = Sourced(getattr(config, name), config_path(config_alias, field.alias or name))
    return found


def handler_settings(
    model: type[SettingsT],
    handler: HandlerKey,
    settings: Settings,
    config_field: str,
    **derived: Any,
) -> SettingsT:
    """`model` filled from `derived`, then the same-named stack values (`stack_values`)."""
    unknown = set(derived) - set(model.model_fields)
    if unknown:  # the model would ignore them: a misspelt name must not fall back to a default
        raise TypeError(f"{model.__name__} has no fields {sorted(unknown)}")
    sources = {
        name: source
        for name, source in stack_values(settings, config_field).items()
        if name in model.model_fields
    }
    values = {name: source.value for name, source in sources.items()}
    values.update(
        service_name=handler.value, trace_disabled=not settings.tracing_enabled, **derived
    )
    try:
        return model.model_validate(values)
    except ValidationError as error:
        lines = _refusals(model, handler, error, sources, values)
        raise SettingsError("invalid stack configuration:\n  " + "\n  ".join(lines)) from error


def _refusals(
    model: type[HandlerSettings],
    handler: HandlerKey,
    error: ValidationError,
    sources: dict[str, Sourced],
    values: dict[str, Any],
) -> list[str]:
    """One line per problem, led by the config keys behind it."""
    lines = []
    for variable, message in problems(model, error):
        if variable:
            fields = [name for name in model.model_fields if alias(model, name) == variable]
            value = f"={values[fields[0]]!r}" if fields and fields[0] in values else ""
            refused = f"{variable}{value} would be refused by the {handler.value} function"
        else:  # a rule across fields: its message names their variables
            fields = [
                name
                for name in model.model_fields
                if re.search(rf"\b{alias(model, name)}\b", message)
            ]
            refused = f"refused by the {handler.value} function"
        keys = [sources[name].config_key for name in fields if name in sources]
        lines.append(f"{', '.join(keys) or 'derived settings'}: {refused}: {message}")
    return lines
