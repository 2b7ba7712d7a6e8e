"""Hostile identifiers and invalid values are refused up front, in the stack and the validator."""

from __future__ import annotations

import json

import pytest

from components.config_loading import SettingsError
from handlers.contract import EnvVar
from handlers.settings import ConfigurationError
from handlers.validation.settings import ValidatorSettings
from tests.handlers.validation.validator_env import validator_settings
from tests.infra.pulumi_harness import StackRunError, run_stack

P = "sf-user-monitoring"
HOSTILE_IDENTIFIERS = [
    'sf_user"; DROP TABLE x; --',
    "sf_user; DELETE FROM y",
    "sf_user -- comment",
    "sf_user /* comment */",
    "sf_'user'",
    'a."b"',
    "a.b.c",
    "1table",
    "",
]


# Existing alert topics: another region, account or partition, a FIFO topic, not an ARN, a key
# without its topic (the dev stack deploys to us-east-1 in account 123456789012).
TOPIC = "arn:aws:sns:us-east-1:123456789012:org-paging"
INVALID_TOPIC_SETTINGS = [
    ("criticalTopicArn", "arn:aws:sns:eu-west-1:123456789012:org-paging"),
    ("warningTopicArn", "arn:aws:sns:us-east-1:210987654321:org-paging"),
    ("criticalTopicArn", "arn:aws-us-gov:sns:us-east-1:123456789012:org-paging"),
    ("criticalTopicArn", "arn:aws:sns:us-east-1:123456789012:org-paging.fifo"),
    ("warningTopicArn", "org-paging"),
    ("warningTopicArn", "arn:aws:sns:us-east-1:123456789012:org paging"),
    ("criticalTopicArn", "arn:aws:sns:us-east-1:123456789012:" + "x" * 257),
    ("warningTopicKmsKeyArn", "arn:aws:kms:us-east-1:123456789012:key/k"),
    ("criticalTopicKmsKeyArn", "alias/aws/sns"),
    ("criticalTopicArn", TOPIC),  # dev subscribes an email to the critical route
]


@pytest.mark.parametrize("value", [v for v in HOSTILE_IDENTIFIERS if v])  # "" = the default
@pytest.mark.parametrize("setting", [EnvVar.RAW_TABLE, EnvVar.SCD_TABLE])
def test_validator_rejects_hostile_table_names_naming_the_setting(setting, value):
    with pytest.raises(
        ConfigurationError, match=f"{setting}: .* is not a valid table name"
    ) as raised:
        validator_settings({setting: value})
    assert raised.value.variables == (setting,)


@pytest.mark.parametrize("value", [v for v in HOSTILE_IDENTIFIERS if "." not in v and v])
@pytest.mark.parametrize("setting", sorted(ValidatorSettings.KEEP_EMPTY | {EnvVar.REQUIRED_FIELDS}))
def test_validator_rejects_hostile_column_names_naming_the_setting(setting, value):
    with pytest.raises(ConfigurationError, match=f"{setting}"):
        validator_settings({setting: value})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        *((f"{P}:rawTable", v) for v in HOSTILE_IDENTIFIERS),
        *((f"{P}:scdTable", v) for v in HOSTILE_IDENTIFIERS if v),
        *((f"{P}:requiredFields", json.dumps([v])) for v in HOSTILE_IDENTIFIERS),
        (f"{P}:athenaDatabase", "raw; drop"),
        (f"{P}:athenaWorkgroup", "wg'--"),
        (f"{P}:dataQualityThreshold", "101"),
        (f"{P}:logRetentionDays", "8"),
        (f"{P}:pipelineValidator", '{"timeoutSeconds": 901}'),
        (f"{P}:pipelineValidatorTimeoutSeconds", "901"),  # deprecated, still validated
        (f"{P}:runbookBaseUrl", "http://example.com/runbooks"),
        (f"{P}:stateMachineArn", "arn:aws:states:eu-west-1:123456789012:stateMachine:x"),
        (f"{P}:criticalAlertWebhooks", '["http://hooks.example.com"]'),
        (f"{P}:dataLocations", '["not-an-s3-uri"]'),
        ("aws:region", "mars-1"),
        *((f"{P}:{key}", value) for key, value in INVALID_TOPIC_SETTINGS),
    ],
)
def test_invalid_stack_config_is_rejected_before_any_resource_is_registered(key, value):
    with pytest.raises(StackRunError) as raised:
        run_stack("dev", overrides={key: value})
    assert raised.value.resources == []
    cause = raised.value.__cause__
    assert isinstance(cause, SettingsError)
    assert key.removeprefix("aws:").split(":")[-1] in str(cause)


def test_a_plain_identifier_is_accepted_by_both():
    run = run_stack("dev", overrides={f"{P}:rawTable": "raw_2.sf_user", f"{P}:requiredFields":
                                      '["Id", "Division__c"]'})  # fmt: skip
    assert run.resources
