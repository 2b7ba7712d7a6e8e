"""Settings: defaults from the contract, derived values, and one clear message per bad key."""

import json

import pytest

from components.config_loading import SettingsError, parse_settings
from components.config_values import LOG_RETENTION_DAYS_ALLOWED, LogGroupKind
from handlers.contract import DEFAULT_THRESHOLDS, AlertRoute, HandlerKey
from handlers.settings import load
from handlers.validation.settings import ValidatorSettings
from tests.unit.settings_fixtures import VALID_RAW, function_environment, make_settings

P = "sf-user-monitoring"


def test_defaults_come_from_the_contract():
    settings = make_settings()
    assert settings.data_quality_threshold == DEFAULT_THRESHOLDS.data_quality_percent
    assert settings.scd_integrity_threshold == DEFAULT_THRESHOLDS.scd_integrity_percent
    assert settings.min_record_count == DEFAULT_THRESHOLDS.min_record_count
    assert settings.freshness_hours == DEFAULT_THRESHOLDS.freshness_hours
    assert settings.log_retention_days in LOG_RETENTION_DAYS_ALLOWED
    assert settings.create_log_groups == {LogGroupKind.LAMBDAS}
    assert settings.alert_emails(AlertRoute.CRITICAL) == ()


def test_derived_values():
    settings = make_settings(scdTable="dim_sf_user_scd", athenaDatabase="curated")
    assert settings.account_id == "111122223333"
    assert settings.partition == "aws"
    assert settings.state_machine_name == "sf-user-pipeline-dev"
    assert settings.table(settings.scd_table).qualified == "curated.dim_sf_user_scd"
    assert settings.table(settings.raw_table).qualified == "salesforce_raw.sf_user"
    assert settings.pipeline_validator.memory_mb == 512
    assert settings.error_handler.timeout_seconds == 120


def test_config_strings_are_coerced():
    settings = make_settings(
        dataQualityThreshold="97.5",
        minRecordCount="250",
        lakeFormationGoverned="true",
        createLogGroups=json.dumps(["lambdas", "glueJob"]),
        criticalAlertEmails=json.dumps(["oncall@example.com"]),
    )
    assert settings.data_quality_threshold == 97.5
    assert settings.min_record_count == 250
    assert settings.lake_formation_governed is True
    assert settings.create_log_groups == {LogGroupKind.LAMBDAS, LogGroupKind.GLUE_JOB}
    (email,) = settings.alert_emails(AlertRoute.CRITICAL)
    assert email.get_secret_value() == "oncall@example.com"
    assert "oncall" not in repr(settings)


BAD_VALUES = [
    (
        "scdColumnLayout",
        "snapshot",
        f"{P}:scdColumnLayout: Input should be 'seed' or 'dbt-snapshot'",
    ),
    ("dataQualityThreshold", "-5", f"{P}:dataQualityThreshold: must be between 0 and 100, got -5"),
    ("scdIntegrityThreshold", "101", f"{P}:scdIntegrityThreshold: must be between 0 and 100"),
    ("minRecordCount", "-1", f"{P}:minRecordCount: must be greater than 0, got -1"),
    ("pipelineTimeoutMs", "0", f"{P}:pipelineTimeoutMs: must be greater than 0, got 0"),
    ("logRetentionDays", "10", f"{P}:logRetentionDays: must be one of the CloudWatch Logs"),
    ("logRetentionDays", "ten", f"{P}:logRetentionDays: Input should be a valid integer"),
    ("environment", "qa", f"{P}:environment: Input should be 'local', 'dev', 'staging' or"),
    ("stateMachineArn", "sf-user-pipeline-dev", f"{P}:stateMachineArn: must be a state machine"),
    (
        "stateMachineArn",
        "arn:aws:states:us-west-2:111122223333:stateMachine:sf-user-pipeline-dev",
        f"{P}:stateMachineArn: is in region us-west-2 but the stack deploys to us-east-1",
    ),
    (
        "powertoolsLayerArn",
        "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-x86_64:3",
        f"{P}:powertoolsLayerArn: must be the Powertools layer ARN",
    ),
    (
        "powertoolsLayerArn",
        "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:3",
        f"{P}:powertoolsLayerArn: is in region eu-west-1 but the stack deploys to us-east-1",
    ),
    ("region", "Mars", "aws:region: String should match pattern"),
    (
        "criticalAlertEmails",
        json.dumps(["ok@example.com", "not-an-email"]),
        f"{P}:criticalAlertEmails[1]: must be an email address (name@example.com), got <secret>",
    ),
    (
        "warningAlertWebhooks",
        json.dumps(["http://hooks.example.com/x"]),
        f"{P}:warningAlertWebhooks[0]: must be an https:// URL, got <secret>",
    ),
    ("criticalAlertEmails", "oncall@example.com", f"{P}:criticalAlertEmails: must be a JSON list"),
    ("dataLocations", json.dumps(["/local/path"]), f"{P}:dataLocations[0]: must be an s3://"),
    ("dataLocations", json.dumps([]), f"{P}:dataLocations: Tuple should have at least 1 item"),
    ("dbtArtifactsS3Uri", "https://bucket/x", f"{P}:dbtArtifactsS3Uri: must be an s3://"),
    ("athenaResultsBucket", "Bad_Bucket", f"{P}:athenaResultsBucket: must be an S3 bucket name"),
    ("rawTable", "a.b.c", f"{P}:rawTable: must be `table` or `database.table`"),
    ("runbookBaseUrl", "http://runbooks.example.com", f"{P}:runbookBaseUrl: String should match"),
    ("dbtRunnerFunctionName", "dbt runner", f"{P}:dbtRunnerFunctionName: must be a Lambda"),
    (
        "pipelineValidator",
        json.dumps({"memoryMb": 64}),
        f"{P}:pipelineValidator.memoryMb: must be between 128",
    ),
    (
        "errorHandler",
        json.dumps({"timeoutSeconds": 901}),
        f"{P}:errorHandler.timeoutSeconds: must be between 1",
    ),
    ("errorHandler", json.dumps({"memory": 512}), f"{P}:errorHandler.memory: Extra inputs"),
    ("errorHandler", "512", f"{P}:errorHandler: must be a JSON object, got 512"),
    ("logLevel", "TRACE", f"{P}:logLevel: must be one of DEBUG, INFO"),
    (
        "createLogGroups",
        json.dumps(["bogus"]),
        f"{P}:createLogGroups[0]: Input should be 'lambdas'",
    ),
    ("unknownKey", "x", None),  # unknown config keys are not settings: ignored, not an error
    ("missedRunHours", "0", f"{P}:missedRunHours: must be between 1 and 168"),
    ("missedRunHours", "169", f"{P}:missedRunHours: must be between 1 and 168 (hours; CloudWatch"),
    ("anomalyBandWidth", "0", f"{P}:anomalyBandWidth: must be greater than 0 (standard dev"),
    ("dedupWindowMinutes", "0", f"{P}:dedupWindowMinutes: must be greater than 0, got 0"),
    ("maintenanceSuppressorAlarm", "a\nb", f"{P}:maintenanceSuppressorAlarm: must be `create`"),
    (
        "maintenanceSuppressorAlarm",
        "arn:aws:sns:us-east-1:111122223333:topic",
        f"{P}:maintenanceSuppressorAlarm: must be a CloudWatch alarm ARN",
    ),
    ("maintenanceWaitPeriodSeconds", "-1", f"{P}:maintenanceWaitPeriodSeconds: must be greater"),
    ("maintenanceExtensionPeriodSeconds", "x", f"{P}:maintenanceExtensionPeriodSeconds: Input"),
    (
        "criticalTopicArn",
        "arn:aws:sns:us-east-1:111122223333:paging.fifo",
        f"{P}:criticalTopicArn: names a FIFO topic (.fifo): CloudWatch alarms cannot notify",
    ),
    (
        "warningTopicArn",
        "arn:aws:sns:us-west-2:111122223333:paging",
        f"{P}:warningTopicArn: is in region us-west-2 but the stack deploys to us-east-1",
    ),
    (
        "warningTopicArn",
        "arn:aws:sns:us-east-1:444455556666:paging",
        f"{P}:warningTopicArn: is in account 444455556666: alert topics must be in the "
        "pipeline's account 111122223333",
    ),
    ("criticalTopicArn", "paging", f"{P}:criticalTopicArn: must be empty (the stack creates"),
    (
        "criticalTopicKmsKeyArn",
        "arn:aws:kms:us-east-1:111122223333:key/k",
        f"{P}:criticalTopicKmsKeyArn: applies only with {P}:criticalTopicArn",
    ),
]


@pytest.mark.parametrize(("key", "value", "expected"), BAD_VALUES)
def test_each_bad_value_names_its_config_key(key, value, expected):
    if expected is None:
        make_settings(**{key: value})
        return
    with pytest.raises(SettingsError) as error:
        make_settings(**{key: value})
    assert expected in str(error.value)


@pytest.mark.parametrize("missing", ["stateMachineArn", "runbookBaseUrl", "dataLocations"])
def test_required_keys_are_reported_when_missing(missing):
    raw = {key: value for key, value in VALID_RAW.items() if key != missing}
    with pytest.raises(SettingsError, match=f"{P}:{missing}: is required"):
        parse_settings(raw)


def test_every_problem_is_reported_at_once():
    with pytest.raises(SettingsError) as error:
        make_settings(dataQualityThreshold="-5", logRetentionDays="10")
    assert "dataQualityThreshold" in str(error.value)
    assert "logRetentionDays" in str(error.value)


def test_a_dbt_snapshot_layout_reaches_the_validator_only():
    settings = make_settings(scdColumnLayout="dbt-snapshot")
    validator = function_environment(settings, HandlerKey.PIPELINE_VALIDATOR)
    columns = load(ValidatorSettings, validator).columns
    assert (columns.valid_from, columns.valid_to, columns.is_deleted, columns.is_current) == (
        "dbt_valid_from",
        "dbt_valid_to",
        "dbt_is_deleted",
        None,
    )
    publisher = function_environment(settings, HandlerKey.METRICS_PUBLISHER)
    assert not any(name.startswith("COLUMN_") for name in publisher)
    seed = function_environment(make_settings(), HandlerKey.PIPELINE_VALIDATOR)
    assert load(ValidatorSettings, seed).columns.valid_from == "valid_from"


PAGING = "arn:aws:sns:us-east-1:111122223333:paging"
PAGING_KEY = "arn:aws:kms:us-east-1:111122223333:key/paging"


def test_an_existing_topic_takes_no_subscriptions_of_its_route():
    with pytest.raises(SettingsError) as error:
        make_settings(
            criticalTopicArn=PAGING,
            criticalAlertEmails=json.dumps(["oncall@example.com"]),
            criticalAlertWebhooks=json.dumps(["https://hooks.example.com/x"]),
        )
    assert (
        f"{P}:criticalTopicArn: {P}:criticalAlertEmails and {P}:criticalAlertWebhooks subscribe "
        "only a topic this stack creates"
    ) in str(error.value)
    assert "oncall" not in str(error.value)
    # The other route's subscriptions stay: its topic is created.
    make_settings(criticalTopicArn=PAGING, warningAlertEmails=json.dumps(["a@example.com"]))


def test_routes_on_one_topic_share_its_key():
    shared = {"criticalTopicArn": PAGING, "warningTopicArn": PAGING}
    settings = make_settings(**shared, criticalTopicKmsKeyArn=PAGING_KEY)
    for route in AlertRoute:
        topic = settings.existing_topic(route)
        assert topic is not None and (topic.arn, topic.kms_key_arn) == (PAGING, PAGING_KEY)
    with pytest.raises(SettingsError, match=f"{P}:warningTopicKmsKeyArn: differs from"):
        make_settings(
            **shared, criticalTopicKmsKeyArn=PAGING_KEY, warningTopicKmsKeyArn=f"{PAGING_KEY}2"
        )


def test_without_existing_topics_every_route_is_created():
    settings = make_settings()
    assert [settings.existing_topic(route) for route in AlertRoute] == [None, None]
