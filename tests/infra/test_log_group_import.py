"""The log-group import file adopts exactly the log groups the program registers: same type,
Pulumi name, parent and physical name, in the file format `pulumi import --file` reads."""

import json
import shutil

import pytest

from components.config_loading import secret_aliases
from components.log_group_import import LOG_GROUP_TYPE, import_file, main
from components.stack_file import PROJECT_ROOT, stack_settings
from tests.infra.configurations import configured_run
from tests.infra.conftest import settings_of
from tests.infra.pulumi_harness import STACKS, StackRun

# pulumi import's file format (pkg/cmd/pulumi/operations/import.go, importSpec)
SPEC_KEYS = {"type", "name", "id", "parent", "provider", "version", "properties", "component",
             "remote", "logicalName", "pluginDownloadUrl"}  # fmt: skip


def _registered(run: StackRun) -> dict[tuple[str, str, str], str]:
    """(Pulumi name, parent type, parent name) -> physical name of each registered log group."""
    return {
        (r.name, r.parent_type, r.parent_name): r.inputs["name"]
        for r in run.of_type(LOG_GROUP_TYPE)
    }


def _imported(document: dict) -> dict[tuple[str, str, str], str]:
    by_name = {entry["name"]: entry for entry in document["resources"]}
    found = {}
    for entry in document["resources"]:
        assert set(entry) <= SPEC_KEYS, entry
        if entry.get("component"):
            assert "id" not in entry, entry  # Pulumi creates an empty component, nothing to read
            continue
        parent = by_name[entry["parent"]]  # a parent imported in the same file
        assert parent.get("component") is True, parent
        found[(entry["name"], parent["type"], parent["name"])] = entry["id"]
    return found


@pytest.mark.parametrize("stack", [*STACKS, "local"])
def test_the_import_file_names_every_log_group_as_the_program_registers_it(stack):
    run = configured_run(stack)
    document = import_file(settings_of(run))
    assert _imported(document) == _registered(run)
    assert {entry["type"] for entry in document["resources"]} >= {LOG_GROUP_TYPE}


def test_a_chosen_group_is_imported_alone(capsys):
    assert main(["dev", "--group", "state-machine"]) == 0
    document = json.loads(capsys.readouterr().out)
    [group] = _imported(document).values()
    assert group == "/aws/stepfunctions/sf-user-pipeline-dev"


def test_a_group_the_stack_does_not_manage_is_named_with_the_ones_it_does(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["staging", "--group", "glue-job"])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert "no log group ['glue-job']" in error and "'pipeline-validator'" in error


def test_encrypted_secrets_in_the_stack_file_do_not_stop_it(tmp_path):
    shutil.copy(PROJECT_ROOT / "Pulumi.prod.yaml", tmp_path / "Pulumi.prod.yaml")
    with (tmp_path / "Pulumi.prod.yaml").open("a", encoding="utf-8") as stack_file:
        stack_file.write(
            "  sf-user-monitoring:criticalAlertEmails:\n    - secure: v1:AAAAencrypted==\n"
        )
    settings = stack_settings("prod", root=tmp_path, without=secret_aliases())
    assert _imported(import_file(settings)) == _registered(configured_run("prod"))
