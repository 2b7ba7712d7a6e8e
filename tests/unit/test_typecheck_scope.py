"""mypy reads only the pulumi_aws services listed in pyproject.toml (the others are skipped, so
their types would be Any): every service the code reaches must be listed."""

from __future__ import annotations

import ast
import importlib.util
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".venv", "build", "tests", ".git"}


def _services() -> set[str]:
    spec = importlib.util.find_spec("pulumi_aws")
    assert spec and spec.submodule_search_locations
    (package,) = spec.submodule_search_locations
    return {p.name for p in Path(package).iterdir() if (p / "__init__.py").is_file()}


def _followed() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    followed: set[str] = set()
    for override in config["overrides"]:
        if override.get("follow_imports") == "normal":
            modules = override["module"]
            followed.update([modules] if isinstance(modules, str) else modules)
    return followed


def services_reached(source: str) -> set[str]:
    """The pulumi_aws services a module uses: `aws.<service>.…`, `from pulumi_aws import
    <service>`, `import pulumi_aws.<service>`."""
    tree = ast.parse(source)
    aliases: set[str] = set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "pulumi_aws":
                    aliases.add(alias.asname or alias.name)
                elif alias.name.startswith("pulumi_aws."):
                    names.add(alias.name.split(".")[1])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pulumi_aws"):
            parts = (node.module or "").split(".")
            names.update(parts[1:2] or [alias.name for alias in node.names])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            names.add(node.attr)
    return names & _services()


def _sources() -> list[Path]:
    return [
        path for path in ROOT.rglob("*.py") if not SKIPPED_DIRS & set(path.relative_to(ROOT).parts)
    ]


def test_every_service_the_code_reaches_is_type_checked():
    reached = {
        service: path.relative_to(ROOT)
        for path in _sources()
        for service in services_reached(path.read_text())
    }
    assert reached, "the scan found no pulumi_aws service: it is not reading the program"
    missing = {s: str(p) for s, p in reached.items() if f"pulumi_aws.{s}.*" not in _followed()}
    assert missing == {}, "add these to pyproject.toml's followed pulumi_aws modules"


def test_a_service_outside_the_list_is_found_in_each_import_form():
    assert services_reached("import pulumi_aws as aws\naws.ec2.Vpc('v')\naws.Provider('p')") == {
        "ec2"
    }
    assert services_reached("from pulumi_aws import ec2, sns") == {"ec2", "sns"}
    assert services_reached("import pulumi_aws.ec2\nfrom pulumi_aws.rds import Instance") == {
        "ec2",
        "rds",
    }
    assert "pulumi_aws.ec2.*" not in _followed()
