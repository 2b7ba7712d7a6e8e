"""The handler table: one spec per handler, each naming its own config object and model."""

import importlib

import pytest

from components.config_loading import is_object_field
from components.function_environment import handler_settings
from components.handler_table import HANDLERS
from components.settings import HandlerConfig, Settings
from handlers.contract import HandlerKey
from handlers.validation.settings import ValidatorSettings
from tests.unit.settings_fixtures import make_settings


def test_every_handler_has_one_spec_and_one_config_object():
    assert list(HANDLERS) == list(HandlerKey)
    objects = [name for name in Settings.model_fields if is_object_field(name)]
    assert sorted(spec.config_field for spec in HANDLERS.values()) == sorted(objects)
    settings = make_settings()
    for spec in HANDLERS.values():
        assert isinstance(spec.config(settings), HandlerConfig)


def test_entry_points_name_each_handler_in_the_package():
    for key, spec in HANDLERS.items():
        module, _, function = spec.entry_point.rpartition(".")
        assert module.startswith("handlers.")
        assert callable(getattr(importlib.import_module(module), function)), key


def test_a_stack_setting_reaches_the_handler_by_name():
    settings = make_settings(freshnessHours="12", minRecordCount="7")
    validator = HANDLERS[HandlerKey.PIPELINE_VALIDATOR].handler_settings(settings)
    assert isinstance(validator, ValidatorSettings)
    assert (validator.freshness_hours, validator.min_record_count) == (12, 7)
    assert validator.service_name == HandlerKey.PIPELINE_VALIDATOR.value


def test_a_misspelt_derived_value_is_an_error_not_a_silent_default():
    with pytest.raises(TypeError, match="freshnes_hours"):
        handler_settings(
            ValidatorSettings,
            HandlerKey.PIPELINE_VALIDATOR,
            make_settings(),
            "pipeline_validator",
            freshnes_hours=1,
        )
