"""Handler configuration: environment variables named by `contract.EnvVar`, read once and validated.

Each handler declares a pydantic model (`HandlerSettings`) whose field aliases are `EnvVar` values.
The same model works in both directions:

- `load` reads the variables that are set and raises `ConfigurationError` naming every missing or
  malformed variable. An empty value counts as unset, except for the aliases a model lists in
  `KEEP_EMPTY` (where empty means something, e.g. "this table has no is_current column").
- `environment_variables` dumps a model by alias, so the stack builds each function's environment
  by instantiating that handler's own model: an environment the Lambda would refuse is refused
  before it is deployed. `load(type(m), environment_variables(m)) == m` for every model `m`.

Every model also carries the Powertools variables (service name, log level, tracing switch) and
the call budget of its AWS clients (attempts and socket timeouts, `handlers/call_budget.py`), so a
function's whole environment is its model.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Annotated, Any, ClassVar, Final, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from handlers.call_budget import DEFAULT_BUDGET, CallBudget
from handlers.contract import EnvVar

LOG_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_SERVICE_NAME: Final = "service_undefined"  # Powertools' own default


class ConfigurationError(ValueError):
    """A setting is missing or malformed; the message names the setting.

    `variables` lists the offending environment variables (empty when a rule spans several and
    its message names them).
    """

    def __init__(self, message: str, variables: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.variables = tuple(variables)


def _log_level(value: str) -> str:
    level = value.strip().upper()
    if level not in LOG_LEVELS:
        raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
    return level


class HandlerSettings(BaseModel):
    """Base of every handler's settings: what Powertools itself reads from the environment."""

    model_config = ConfigDict(
        extra="ignore", frozen=True, populate_by_name=True, str_strip_whitespace=True
    )

    # Aliases whose empty value is passed to the model instead of meaning "unset".
    KEEP_EMPTY: ClassVar[frozenset[str]] = frozenset()
    # The most AWS calls one invocation makes one after another (each with its retries); the
    # stack sizes the call budget so that they fit the function's timeout.
    AWS_CALLS: ClassVar[int] = 1

    service_name: str = Field(
        default=DEFAULT_SERVICE_NAME, min_length=1, alias=EnvVar.POWERTOOLS_SERVICE_NAME
    )
    log_level: Annotated[str, AfterValidator(_log_level)] = Field(
        default="INFO", alias=EnvVar.POWERTOOLS_LOG_LEVEL
    )
    trace_disabled: bool = Field(default=False, alias=EnvVar.POWERTOOLS_TRACE_DISABLED)
    aws_call_max_attempts: int = Field(
        default=DEFAULT_BUDGET.max_attempts, ge=1, alias=EnvVar.AWS_CALL_MAX_ATTEMPTS
    )
    aws_call_connect_timeout_seconds: float = Field(
        default=DEFAULT_BUDGET.connect_timeout, gt=0, alias=EnvVar.AWS_CALL_CONNECT_TIMEOUT_SECONDS
    )
    aws_call_read_timeout_seconds: float = Field(
        default=DEFAULT_BUDGET.read_timeout, gt=0, alias=EnvVar.AWS_CALL_READ_TIMEOUT_SECONDS
    )

    @property
    def call_budget(self) -> CallBudget:
        return CallBudget(
            max_attempts=self.aws_call_max_attempts,
            connect_timeout=self.aws_call_connect_timeout_seconds,
            read_timeout=self.aws_call_read_timeout_seconds,
        )


SettingsT = TypeVar("SettingsT", bound=HandlerSettings)


def alias(model: type[HandlerSettings], field: str) -> str:
    """The environment variable of one field."""
    return model.model_fields[field].alias or field


def problems(model: type[HandlerSettings], error: ValidationError) -> list[tuple[str, str]]:
    """(variable or "", message) per problem; a rule across fields names its variables itself."""
    found = []
    for problem in error.errors():
        location = problem["loc"]
        name = str(location[0]) if location else ""
        variable = alias(model, name) if name in model.model_fields else name
        found.append((variable, problem["msg"].removeprefix("Value error, ")))
    return found


def load(model: type[SettingsT], environ: Mapping[str, str] | None = None) -> SettingsT:
    """Validate the contract's environment variables into `model`."""
    source = os.environ if environ is None else environ
    values = {
        var.value: source[var.value]
        for var in EnvVar
        if var.value in source and (source[var.value].strip() or var.value in model.KEEP_EMPTY)
    }
    try:
        return model.model_validate(values)
    except ValidationError as error:
        found = problems(model, error)
        described = "; ".join(f"{name}: {message}" if name else message for name, message in found)
        raise ConfigurationError(
            f"invalid {model.__name__} environment: {described}",
            variables=[name for name, _ in found if name],
        ) from error


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return ",".join(_text(item) for item in value)
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def environment_variables(settings: HandlerSettings) -> dict[str, str]:
    """The environment that `load` reads back as `settings`: every field by alias, as text.

    Unset values (None, or empty outside `KEEP_EMPTY`) are left out, so the handler's default
    applies, exactly as `load` treats an empty variable.
    """
    dumped = {name: _text(value) for name, value in settings if value is not None}
    model = type(settings)
    return {
        alias(model, name): text
        for name, text in dumped.items()
        if text or alias(model, name) in model.KEEP_EMPTY
    }
