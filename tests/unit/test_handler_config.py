"""Per-handler config objects: defaults per handler, partial objects, and the deprecated flat keys
(a warning naming the new key; both set is an error naming both)."""

import json
import re
from pathlib import Path

import pytest

from components.config_loading import SettingsError
from components.handler_table import HANDLERS
from components.stack_file import stack_settings as load_stack
from handlers.contract import HandlerKey
from tests.unit.settings_fixtures import make_settings

P = "sf-user-monitoring"


@pytest.fixture
def warnings(monkeypatch):
    said: list[str] = []
    monkeypatch.setattr("pulumi.log.warn", said.append)
    return said


def _sizing(settings, handler):
    config = HANDLERS[handler].config(settings)
    return config.memory_mb, config.timeout_seconds, config.reserved_concurrency


def test_each_handler_has_its_own_defaults():
    settings = make_settings()
    assert _sizing(settings, HandlerKey.METRICS_PUBLISHER) == (256, 60, -1)
    assert _sizing(settings, HandlerKey.ERROR_HANDLER) == (256, 120, -1)
    assert _sizing(settings, HandlerKey.PIPELINE_VALIDATOR) == (512, 300, -1)


def test_a_partial_object_keeps_the_handlers_other_defaults(warnings):
    settings = make_settings(pipelineValidator=json.dumps({"memoryMb": 1024}))
    assert _sizing(settings, HandlerKey.PIPELINE_VALIDATOR) == (1024, 300, -1)
    assert _sizing(settings, HandlerKey.ERROR_HANDLER) == (256, 120, -1)
    assert warnings == []


def test_a_deprecated_flat_key_still_works_and_names_its_replacement(warnings):
    settings = make_settings(pipelineValidatorMemoryMb="1024", errorHandlerTimeoutSeconds="90")
    assert _sizing(settings, HandlerKey.PIPELINE_VALIDATOR) == (1024, 300, -1)
    assert _sizing(settings, HandlerKey.ERROR_HANDLER) == (256, 90, -1)
    assert sorted(warnings) == [
        f"{P}:{old} is deprecated: set {P}:{new} instead"
        for old, new in (
            ("errorHandlerTimeoutSeconds", "errorHandler.timeoutSeconds"),
            ("pipelineValidatorMemoryMb", "pipelineValidator.memoryMb"),
        )
    ]


def test_a_deprecated_key_beside_other_fields_of_its_object_is_merged(warnings):
    settings = make_settings(
        pipelineValidator=json.dumps({"timeoutSeconds": 600}),
        pipelineValidatorReservedConcurrency="2",
    )
    assert _sizing(settings, HandlerKey.PIPELINE_VALIDATOR) == (512, 600, 2)
    assert len(warnings) == 1


def test_a_deprecated_key_is_validated_like_the_new_one(warnings):
    with pytest.raises(SettingsError) as error:
        make_settings(pipelineValidatorMemoryMb="64")
    assert (
        f"{P}:pipelineValidatorMemoryMb (now {P}:pipelineValidator.memoryMb): must be between 128"
    ) in str(error.value)


def test_both_set_is_an_error_naming_both(warnings):
    with pytest.raises(SettingsError) as error:
        make_settings(
            pipelineValidator=json.dumps({"memoryMb": 1024}), pipelineValidatorMemoryMb="2048"
        )
    assert (
        f"{P}:pipelineValidatorMemoryMb and {P}:pipelineValidator.memoryMb: both set; keep only"
        f" {P}:pipelineValidator.memoryMb"
    ) in str(error.value)
    assert warnings == []


def test_the_sizing_guide_states_the_defaults():
    settings = make_settings()
    prod = load_stack("prod")
    rows = re.findall(
        r"^\| (metrics publisher|error handler|pipeline validator) \| (\d+) MB(?: \(prod: (\d+)\))?"
        r" \| (\d+) s \| (-?\d+)",
        (Path(__file__).resolve().parents[2] / "docs" / "sizing.md").read_text(),
        re.MULTILINE,
    )
    assert len(rows) == len(HandlerKey)
    for name, memory, prod_memory, timeout, reserved in rows:
        handler = HandlerKey(name.replace(" ", "-"))
        assert _sizing(settings, handler) == (int(memory), int(timeout), int(reserved))
        assert _sizing(prod, handler)[0] == int(prod_memory or memory)
