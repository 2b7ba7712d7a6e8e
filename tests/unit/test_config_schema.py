"""Pulumi.yaml's config schema, the Settings model and docs/configuration.md agree."""

import yaml

from components.config_reference import PROJECT_ROOT, render
from components.settings import PROJECT, Settings, field_aliases, is_list_field

PULUMI_TYPES = {bool: "boolean", int: "integer", float: "integer", str: "string"}


def _project():
    return yaml.safe_load((PROJECT_ROOT / "Pulumi.yaml").read_text())


def test_project_runtime():
    project = _project()
    assert project["name"] == PROJECT
    assert project["runtime"] == {
        "name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}
    }  # fmt: skip


def test_every_setting_has_a_schema_entry_with_matching_type_and_default():
    schema = _project()["config"]
    aliases = {a: n for n, a in field_aliases().items() if a != "region"}
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
        if field.is_required():
            assert "default" not in entry, alias
        else:
            default = field.get_default()
            if is_list_field(name):
                assert sorted(entry["default"]) == sorted(default), alias
            else:
                assert entry["default"] == default, alias


def test_configuration_reference_is_generated_from_pulumi_yaml():
    generated = render(_project())
    assert (PROJECT_ROOT / "docs" / "configuration.md").read_text() == generated
    for key in _project()["config"]:
        assert f"| `{key}` |" in generated
