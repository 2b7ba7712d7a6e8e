"""Handler configuration: environment variables named by `contract.EnvVar`, read once and validated.

Each handler declares a small pydantic model whose field aliases are `EnvVar` values; `load` reads
the variables that are set (an empty value counts as unset) and raises `ConfigurationError`
naming every missing or malformed variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from handlers.contract import EnvVar


class ConfigurationError(RuntimeError):
    """The function's environment is missing or has a malformed variable."""


class HandlerSettings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


SettingsT = TypeVar("SettingsT", bound=HandlerSettings)


def load(model: type[SettingsT], environ: Mapping[str, str] | None = None) -> SettingsT:
    """Validate the contract's environment variables into `model`."""
    source = os.environ if environ is None else environ
    values = {var.value: source[var.value] for var in EnvVar if source.get(var.value)}
    try:
        return model.model_validate(values)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()
        )
        raise ConfigurationError(f"invalid {model.__name__} environment: {problems}") from error
