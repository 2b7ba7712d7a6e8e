"""Fixtures over the Pulumi mocks harness: one cached program run per stack file."""

import pytest

from components.alarm_set import alarm_set
from components.config_loading import parse_settings
from components.settings import Settings
from handlers.contract import AlertRoute
from tests.infra.configurations import configured_run
from tests.infra.pulumi_harness import STACKS, StackRun


def pytest_configure(config: pytest.Config) -> None:
    # pulumi_aws warns about its own deprecated resource classes when they are imported.
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:pulumi_aws")


@pytest.fixture(params=STACKS)
def stack_run(request: pytest.FixtureRequest) -> StackRun:
    return configured_run(request.param)


def settings_of(run: StackRun) -> Settings:
    """The settings a run used, parsed independently from the same config map."""
    prefix = "sf-user-monitoring:"
    raw = {k.removeprefix(prefix): v for k, v in run.config.items() if k.startswith(prefix)}
    raw["region"] = run.config["aws:region"]
    return parse_settings(raw)


def alarm_routes(run: StackRun) -> dict[str, AlertRoute]:
    """Alarm name -> the route its spec pages, for every metric alarm of the run's settings."""
    return {spec.name: spec.route for spec in alarm_set(settings_of(run)).metric_alarms}


@pytest.fixture
def stack_settings(stack_run: StackRun) -> Settings:
    return settings_of(stack_run)
