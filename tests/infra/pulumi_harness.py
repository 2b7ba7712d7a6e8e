"""Run the real `__main__.py` under Pulumi mocks and record every resource it registers.

Usage:

    from tests.infra.pulumi_harness import run_stack
    run = run_stack("dev")                        # config from Pulumi.yaml + Pulumi.dev.yaml
    run = run_stack("prod", overrides={"sf-user-monitoring:logRetentionDays": "7"})
    alarms = run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    rules = run.of_type("aws:cloudwatch/eventRule:EventRule", parent="sfuser:monitoring:Canary")
    alarms[0].inputs["metricName"]                # inputs use Pulumi's camelCase wire names
    run.outputs["dashboardUrl"]                   # resolved stack exports

Config is assembled the way the Pulumi CLI does it: the project defaults declared in
`Pulumi.yaml`, then the stack file's values, then `overrides`; values are strings, lists and
objects JSON-encoded. Each run is isolated: a fresh event loop, mock monitor, root stack and
config map; the program runs in a fresh module namespace (`runpy`). The mocks give every
resource a realistic ARN built from the stack's region and the pipeline's account, so policies
that embed ARNs (topic policies, IAM documents) can be asserted on.

If the program raises (e.g. invalid config), `run_stack` raises `StackRunError`, chained to
the program's exception and carrying the resources registered before it failed.
"""

from __future__ import annotations

import asyncio
import json
import re
import runpy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pulumi
import yaml
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROGRAM = PROJECT_ROOT / "__main__.py"
STACKS = ("dev", "staging", "prod")
DEFAULT_ACCOUNT = "123456789012"
_STATE_MACHINE = re.compile(r"^arn:[\w-]+:states:[\w-]+:(\d{12}):")


@dataclass(frozen=True)
class RegisteredResource:
    type: str
    name: str  # the Pulumi logical name
    inputs: dict[str, Any]
    custom: bool  # False for ComponentResources
    parent_type: str  # type token of the parent ("pulumi:pulumi:Stack" at the top)
    dependencies: frozenset[str]  # logical names it depends on (depends_on and inputs)
    state: dict[str, Any] = field(default_factory=dict)  # inputs plus mocked outputs
    delete_before_replace: bool = False  # the resource option
    parent_name: str = ""  # the parent's Pulumi name

    def json_input(self, key: str) -> Any:
        """An input that holds a JSON document (policies, dashboard bodies), parsed."""
        return json.loads(self.inputs[key])


@dataclass
class StackRun:
    stack: str
    config: dict[str, str]
    resources: list[RegisteredResource]
    outputs: dict[str, Any]

    def of_type(self, type_token: str, parent: str | None = None) -> list[RegisteredResource]:
        """Resources of a type; with `parent` (a component's type token), only its children."""
        return [
            r
            for r in self.resources
            if r.type == type_token and (parent is None or r.parent_type == parent)
        ]

    def named(self, name: str) -> RegisteredResource:
        matches = [r for r in self.resources if r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources named {name!r}")
        return matches[0]


def _urn_type(urn: str) -> str:
    return urn.split("::")[2].rsplit("$", maxsplit=1)[-1] if urn else ""


def _urn_name(urn: str) -> str:
    return urn.rsplit("::", maxsplit=1)[-1]


class RecordingMonitor(pulumi.runtime.mocks.MockMonitor):
    """Keeps what MockResourceArgs drops: each registration's parent, explicit dependencies and
    `delete_before_replace` option."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.recording = mocks

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        self.recording.links[(request.type, request.name)] = Links(
            _urn_type(request.parent),
            frozenset(_urn_name(urn) for urn in request.dependencies),
            bool(request.deleteBeforeReplace),
            _urn_name(request.parent),
        )
        return super().RegisterResource(request)


# ARN resource part per Pulumi module (the module is the ARN's service unless listed below).
ARN_RESOURCE_BY_SERVICE: Final = {
    "kms": "key/key-{}",
    "lambda": "function:{}",
    "cloudwatch": "alarm:{}",
}
# Types whose ARN service is not their Pulumi module, or whose resource part has a prefix.
ARN_BY_TYPE: Final = {
    "aws:cloudwatch/eventRule:EventRule": ("events", "rule/{}"),  # EventBridge, not CloudWatch
    "aws:dynamodb/table:Table": ("dynamodb", "table/{}"),
}


@dataclass(frozen=True)
class Links:
    """What the monitor saw of one registration besides its inputs."""

    parent_type: str = ""
    dependencies: frozenset[str] = frozenset()
    delete_before_replace: bool = False
    parent_name: str = ""


class RecordingMocks(pulumi.runtime.Mocks):
    """Records registrations and returns inputs plus realistic `arn` / `id` / `name` outputs."""

    def __init__(self, project: str, stack: str, region: str, account: str) -> None:
        self.project, self.stack, self.region, self.account = project, stack, region, account
        self.resources: list[RegisteredResource] = []
        self.links: dict[tuple[str, str], Links] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        physical = args.inputs.get("name") or args.inputs.get("alarmName") or args.name
        state = dict(args.inputs)
        state.setdefault("name", physical)
        state["arn"] = self._arn(args.typ, physical)
        if args.typ == "aws:kms/key:Key":
            state["keyId"] = f"key-{args.name}"
        if args.typ == "aws:sqs/queue:Queue":
            state["url"] = f"https://sqs.{self.region}.amazonaws.com/{self.account}/{physical}"
        links = self.links.get((args.typ, args.name), Links())
        self.resources.append(
            RegisteredResource(
                type=args.typ,
                name=args.name,
                inputs=dict(args.inputs),
                custom=args.custom,
                parent_type=links.parent_type,
                dependencies=links.dependencies,
                state=state,
                delete_before_replace=links.delete_before_replace,
                parent_name=links.parent_name,
            )
        )
        resource_id = state.get("keyId", f"{physical}-id")
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        raise AssertionError(f"the program must not invoke provider functions: {args.token}")

    def _arn(self, type_token: str, physical: str) -> str:
        where = f"{self.region}:{self.account}"
        if type_token in ARN_BY_TYPE:
            service, resource = ARN_BY_TYPE[type_token]
            return f"arn:aws:{service}:{where}:{resource.format(physical)}"
        service = type_token.split(":")[1].split("/", maxsplit=1)[0]
        if service == "iam":
            return f"arn:aws:iam::{self.account}:role/{physical}"
        resource = ARN_RESOURCE_BY_SERVICE.get(service, "{}").format(physical)
        return f"arn:aws:{service}:{where}:{resource}"


class StackRunError(Exception):
    """The program raised; `resources` holds what it had registered by then."""

    def __init__(self, stack: str, resources: list[RegisteredResource]) -> None:
        super().__init__(f"stack {stack} failed after registering {len(resources)} resources")
        self.resources = resources


def _config_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def project_file() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "Pulumi.yaml").read_text())


def stack_file(stack: str) -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text())


def stack_config(stack: str, overrides: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """Full config map (`project:key` -> string) as the CLI would hand it to the program.

    An override of None removes the key (to test required keys).
    """
    project = project_file()
    config = {
        f"{project['name']}:{key}": _config_string(schema["default"])
        for key, schema in project.get("config", {}).items()
        if isinstance(schema, dict) and "default" in schema
    }
    for key, value in (stack_file(stack).get("config") or {}).items():
        config[key] = _config_string(value)
    for key, override in (overrides or {}).items():
        if override is None:
            config.pop(key, None)
        else:
            config[key] = override
    return config


def run_stack(stack: str, overrides: Mapping[str, str | None] | None = None) -> StackRun:
    """Run `__main__.py` for `stack` under mocks; return every registered resource and output."""
    project = project_file()["name"]
    config = stack_config(stack, overrides)
    account_match = _STATE_MACHINE.match(config.get(f"{project}:stateMachineArn", ""))
    mocks = RecordingMocks(
        project,
        stack,
        config.get("aws:region", "us-east-1"),
        account_match.group(1) if account_match else DEFAULT_ACCOUNT,
    )
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        runtime_settings.ROOT.set(None)
        pulumi.runtime.set_mocks(
            mocks, project=project, stack=stack, preview=False, monitor=RecordingMonitor(mocks)
        )
        pulumi.runtime.set_all_config(config, [])
        exported: dict[str, Any] = {}

        def program() -> None:
            runpy.run_path(str(PROGRAM), run_name="__main__")
            root = runtime_settings.get_root_resource()
            outputs = dict(getattr(root, "outputs", {}))
            pulumi.Output.from_input(outputs).apply(exported.update)

        try:
            _sync_await(run_pulumi_func(program))
        except Exception as error:
            raise StackRunError(stack, list(mocks.resources)) from error
    finally:
        runtime_settings.ROOT.set(None)
        asyncio.set_event_loop(None)
        loop.close()
    return StackRun(stack, config, list(mocks.resources), exported)


SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"  # Pulumi's secret-value wire marker


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and SECRET_SIGNATURE in value


def unsecret(value: Any) -> Any:
    """The plain value of an input that Pulumi marked secret (others pass through)."""
    return value["value"] if is_secret(value) else value
