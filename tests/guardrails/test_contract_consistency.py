"""Infra and handlers agree: alarms watch emitted metrics, functions get the variables read,
handler strings resolve, the asset ships `handlers/` only."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from handlers.contract import NAMESPACE, EnvVar, HandlerKey, function_name
from tests.guardrails.programs import LAMBDA_FUNCTION, function_named, program
from tests.guardrails.world import (
    fault_paths,
    function_environment,
    handler_paths,
    invoke,
    stack_world,
)
from tests.infra.configurations import CONFIGURATIONS
from tests.infra.pulumi_harness import PROJECT_ROOT, StackRun

METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
MetricKey = tuple[str, frozenset[tuple[str, str]]]


def _key(name: str, dimensions: Any) -> MetricKey:
    if isinstance(dimensions, list):  # CloudWatch API shape
        dimensions = {d["Name"]: d["Value"] for d in dimensions}
    return name, frozenset((dimensions or {}).items())


def watched_custom_metrics(run: StackRun) -> dict[str, set[MetricKey]]:
    """Alarm name -> the SfUserPipeline metrics it watches (plain and metric-math alarms)."""
    watched: dict[str, set[MetricKey]] = {}
    for alarm in run.of_type(METRIC_ALARM):
        inputs = alarm.inputs
        found = set()
        if inputs.get("namespace") == NAMESPACE:
            found.add(_key(inputs["metricName"], inputs.get("dimensions")))
        for query in inputs.get("metricQueries") or []:
            metric = query.get("metric") or {}
            if metric.get("namespace") == NAMESPACE:
                found.add(_key(metric["metricName"], metric.get("dimensions")))
        if found:
            watched[inputs["name"]] = found
    return watched


def emitted_metrics(run: StackRun) -> set[MetricKey]:
    with mock_aws(), stack_world(run):
        for path in handler_paths(run):  # the canary's self-tests included
            invoke(run, path)
        for faulty in fault_paths(run):  # what only a fault emits (AlertFallbacks)
            with faulty.fault(run):
                invoke(run, faulty.path)
        paginator = boto3.client("cloudwatch").get_paginator("list_metrics")
        return {
            _key(metric["MetricName"], metric["Dimensions"])
            for page in paginator.paginate(Namespace=NAMESPACE)
            for metric in page["Metrics"]
        }


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_every_custom_metric_alarm_watches_a_metric_the_handlers_emit(configuration):
    run = program(configuration)
    watched = watched_custom_metrics(run)
    assert watched, "no alarm on a custom metric: nothing to check"
    emitted = emitted_metrics(run)
    unmatched = {
        alarm: sorted((name, sorted(dims)) for name, dims in metrics - emitted)
        for alarm, metrics in watched.items()
        if metrics - emitted
    }
    assert unmatched == {}, f"emitted: {sorted((n, sorted(d)) for n, d in emitted)}"


# ---- environment variables --------------------------------------------------------------------

# Read by a handler but deliberately not set by the stack, with the reason.
NOT_SET_BY_THE_STACK = {
    EnvVar.DUCKDB_PATH: "local engine only; the stack sets QUERY_ENGINE=athena",
    EnvVar.REQUIRED_FIELDS: "set only when requiredFields is configured; empty keeps the default",
}
# ... and, without the canary, its self-test topic: the handler then only logs a self-test.
WITHOUT_CANARY = {EnvVar.SELF_TEST_TOPIC_ARN, EnvVar.SELF_TEST_ALERTS}


def not_set_by_the_stack(run: StackRun) -> set[EnvVar]:
    canary = run.config.get("sf-user-monitoring:canaryEnabled", "true") == "true"
    return set(NOT_SET_BY_THE_STACK) | (set() if canary else WITHOUT_CANARY)


def _module_file(module: str) -> Path:
    path = PROJECT_ROOT / Path(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _imported_handler_modules(tree: ast.AST, module: str) -> Iterator[str]:
    package = module if _module_file(module).name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.startswith("handlers"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            if base.startswith("handlers"):
                yield base
                yield from (f"{base}.{alias.name}" for alias in node.names)


def env_vars_read(entry_module: str) -> set[EnvVar]:
    """Every `EnvVar.X` referenced in the modules `entry_module` imports, transitively."""
    seen: set[str] = set()
    pending = [entry_module]
    found: set[EnvVar] = set()
    while pending:
        module = pending.pop()
        if module in seen or not _module_file(module).is_file():
            continue
        seen.add(module)
        tree = ast.parse(_module_file(module).read_text())
        found |= {
            EnvVar[node.attr]
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "EnvVar"
            and node.attr in EnvVar.__members__
        }
        pending.extend(_imported_handler_modules(tree, module))
    return found


def test_the_scan_finds_what_each_handler_declares():
    # Guards the scanner itself: settings models declare these through field aliases.
    assert {EnvVar.CRITICAL_TOPIC_ARN, EnvVar.RUNBOOK_BASE_URL} <= env_vars_read(
        "handlers.error_handler"
    )
    assert {EnvVar.RAW_TABLE, EnvVar.COLUMN_VALID_TO, EnvVar.ATHENA_WORKGROUP} <= env_vars_read(
        "handlers.pipeline_validator"
    )
    assert EnvVar.ENVIRONMENT in env_vars_read("handlers.metrics_publisher")


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_every_variable_a_handler_reads_is_set_for_its_function(configuration):
    run = program(configuration)
    missing = {}
    for handler in HandlerKey:
        environment = function_environment(run, handler)
        function = function_named(
            run, function_name(run.config[f"{'sf-user-monitoring'}:environment"], handler)
        )
        entry_module = function.inputs["handler"].rpartition(".")[0]
        unset = {
            var.value
            for var in env_vars_read(entry_module) - not_set_by_the_stack(run)
            if var.value not in environment
        }
        if unset:
            missing[handler.value] = sorted(unset)
    assert missing == {}


# ---- handler strings and the asset ------------------------------------------------------------


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_every_lambda_handler_string_resolves_to_a_callable(configuration):
    functions = program(configuration).of_type(LAMBDA_FUNCTION)
    assert functions
    for function in functions:
        module, _, attribute = function.inputs["handler"].rpartition(".")
        assert callable(getattr(importlib.import_module(module), attribute)), function.name
        assert f"{module.replace('.', '/')}.py" in function.inputs["code"].assets


def test_the_lambda_asset_is_handlers_and_nothing_else():
    shipped = {
        path.relative_to(PROJECT_ROOT).as_posix()
        for path in (PROJECT_ROOT / "handlers").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    for function in program("dev").of_type(LAMBDA_FUNCTION):
        assets = function.inputs["code"].assets
        assert set(assets) == shipped
        for name, asset in assets.items():
            source = Path(asset.path).resolve()
            assert source == PROJECT_ROOT / name
            assert source.is_relative_to(PROJECT_ROOT / "handlers")
