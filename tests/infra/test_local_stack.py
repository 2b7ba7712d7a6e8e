"""Pulumi.local.yaml: a valid stack whose provider reaches an emulator for every service it uses."""

import pytest

from components import arns
from components.alarm_specs import AlarmKey
from components.stack_file import stack_settings
from tests.infra.configurations import configured_run
from tests.infra.pulumi_harness import stack_file

EMULATOR = "http://localhost:4566"
# pulumi-aws module -> provider endpoint key; the cloudwatch module also holds Logs and Events.
ENDPOINT_BY_PREFIX = {"cloudwatch/log": "logs", "cloudwatch/event": "events"}


def endpoint_key(type_token: str) -> str:
    """`aws:cloudwatch/logGroup:LogGroup` -> `logs`; `aws:sns/topic:Topic` -> `sns`."""
    module_and_resource = type_token.split(":")[1]
    for prefix, key in ENDPOINT_BY_PREFIX.items():
        if module_and_resource.startswith(prefix):
            return key
    return module_and_resource.split("/")[0].removesuffix("_")


@pytest.fixture(scope="module")
def config() -> dict:
    return stack_file("local")["config"]


def test_settings_parse_with_the_local_environment_and_account():
    settings = stack_settings("local")
    assert settings.environment == "local"
    assert settings.account_id == "000000000000"  # LocalStack's account
    assert settings.prefix == "sf-user-pipeline-local"


def test_provider_skips_real_aws_checks_but_still_checks_the_account(config):
    for key in ("skipCredentialsValidation", "skipMetadataApiCheck"):
        assert config[f"aws:{key}"] is True
    # It asks the emulator's STS for the account, which must be LocalStack's.
    assert "aws:skipRequestingAccountId" not in config
    assert config["aws:allowedAccountIds"] == ["000000000000"]
    assert config["aws:s3UsePathStyle"] is True
    assert (config["aws:accessKey"], config["aws:secretKey"]) == ("test", "test")


def test_the_program_runs_on_the_local_stack_and_every_service_has_an_endpoint(config):
    run = configured_run("local")
    (endpoints,) = config["aws:endpoints"]
    assert set(endpoints.values()) == {EMULATOR}
    used = {endpoint_key(r.type) for r in run.resources if r.type.startswith("aws:")}
    assert used, "the program registered no AWS resources"
    assert used <= set(endpoints), f"no emulator endpoint for {sorted(used - set(endpoints))}"
    alarms = {r.inputs["name"] for r in run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert arns.alarm_name(stack_settings("local"), AlarmKey.SCD_INTEGRITY) in alarms


def test_endpoint_keys_follow_the_provider_names():
    assert endpoint_key("aws:cloudwatch/logGroup:LogGroup") == "logs"
    assert endpoint_key("aws:cloudwatch/eventRule:EventRule") == "events"
    assert endpoint_key("aws:cloudwatch/metricAlarm:MetricAlarm") == "cloudwatch"
    assert endpoint_key("aws:lambda/function:Function") == "lambda"
