"""Pulumi.yaml's config schema and defaults, the Settings model and docs/configuration.md agree:
the defaults and the reference are generated from the model."""

import pytest
import yaml

from components.config_loading import deprecated_keys, field_aliases, is_list_field, is_object_field
from components.config_reference import (
    PROJECT_ROOT,
    config_value,
    render,
    settings_defaults,
    sync_defaults,
)
from components.config_values import PROJECT
from components.settings import Settings

PULUMI_TYPES = {bool: "boolean", int: "integer", float: "integer", str: "string"}


def _project():
    return yaml.safe_load((PROJECT_ROOT / "Pulumi.yaml").read_text())


def test_project_runtime():
    project = _project()
    assert project["name"] == PROJECT
    assert project["runtime"] == {
        "name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}
    }  # fmt: skip


def test_every_setting_has_a_schema_entry_with_matching_type():
    schema = _project()["config"]
    aliases = {a: n for n, a in field_aliases().items() if a != "region" and not is_object_field(n)}
    assert set(schema) == set(aliases)
    for alias, name in aliases.items():
        entry, field = schema[alias], Settings.model_fields[name]
        assert entry["description"], alias
        if is_list_field(name):
            assert entry["type"] == "array" and entry["items"] == {"type": "string"}, alias
        else:
            annotation = field.annotation
            expected = PULUMI_TYPES.get(annotation, "string")
            assert entry["type"] == expected, alias
        # Without a default the Pulumi CLI refuses a stack that lacks the key.
        assert ("default" in entry) != field.is_required(), alias


def test_pulumi_yaml_defaults_are_generated_from_the_settings_model():
    text = (PROJECT_ROOT / "Pulumi.yaml").read_text()
    assert sync_defaults(text, settings_defaults()) == text, (
        "run python -m components.config_reference"
    )
    schema = _project()["config"]
    for alias, default in settings_defaults().items():
        written = schema[alias]["default"]
        assert (sorted(written) if isinstance(written, list) else written) == default, alias


def test_a_changed_default_rewrites_only_its_own_line():
    text = (PROJECT_ROOT / "Pulumi.yaml").read_text()
    threshold = settings_defaults()["dataQualityThreshold"]
    defaults = settings_defaults() | {
        "dataQualityThreshold": threshold + 1,
        "createLogGroups": ["glueJob"],
    }
    synced = sync_defaults(text, defaults)
    changed = [
        (a, b) for a, b in zip(text.splitlines(), synced.splitlines(), strict=True) if a != b
    ]
    assert changed == [
        (f"    default: {threshold}", f"    default: {threshold + 1}"),
        ("    default: [lambdas]", '    default: ["glueJob"]'),
    ]
    assert yaml.safe_load(synced)["config"]["dataQualityThreshold"]["default"] == threshold + 1


def test_a_fractional_default_cannot_be_written_as_a_pulumi_integer():
    with pytest.raises(ValueError, match="anomalyBandWidth: Pulumi config has no fractional"):
        config_value("anomalyBandWidth", 2.5)


def test_configuration_reference_is_generated_from_pulumi_yaml():
    generated = render(_project())
    assert (PROJECT_ROOT / "docs" / "configuration.md").read_text() == generated
    for key in _project()["config"]:
        assert f"| `{key}` |" in generated


def test_objects_and_the_flat_keys_they_replace_are_not_declared():
    """Pulumi refuses `type: object` in the project schema, and a declared flat key would carry
    a default, so it would always look set next to its object (an error: both set)."""
    schema = _project()["config"]
    objects = {a for n, a in field_aliases().items() if is_object_field(n)}
    assert objects == {"metricsPublisher", "errorHandler", "pipelineValidator"}
    assert not (objects | set(deprecated_keys())) & set(schema)


def test_the_reference_lists_every_object_field_and_deprecated_key():
    generated = render(_project())
    for name, alias in field_aliases().items():
        if is_object_field(name):
            config = Settings.model_fields[name].get_default()
            for field in type(config).model_fields.values():
                assert f"| `{alias}.{field.alias}` |" in generated
    for old, (obj, part) in deprecated_keys().items():
        assert f"| `{old}` | `{obj}.{part}` |" in generated
