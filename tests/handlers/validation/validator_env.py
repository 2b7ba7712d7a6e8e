"""The validator's settings from an environment map, in a stack environment (ENVIRONMENT is
required: a validator that guessed it could publish into another environment's metrics)."""

from collections.abc import Mapping
from typing import Final

from handlers.contract import Environment, EnvVar
from handlers.settings import load
from handlers.validation.settings import ValidatorSettings

DEV: Final = {EnvVar.ENVIRONMENT.value: Environment.DEV.value}


def validator_settings(environ: Mapping[str, str] | None = None) -> ValidatorSettings:
    """`load(ValidatorSettings, environ)` in dev unless `environ` names the environment."""
    return load(ValidatorSettings, {**DEV, **(environ or {})})
