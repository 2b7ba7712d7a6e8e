"""Cost-guard and canary settings: defaults, derived values, one clear message per key."""

import pytest

from components import arns
from components.config_loading import SettingsError
from components.config_values import schedule_interval_seconds
from components.handler_table import HANDLERS, configured_handlers
from tests.unit.settings_fixtures import make_settings

P = "sf-user-monitoring"


def test_defaults_create_a_guarded_workgroup_and_run_the_canary_daily():
    settings = make_settings()
    assert settings.creates_athena_workgroup
    assert arns.validator_workgroup(settings) == "sf-user-pipeline-dev-validator"
    assert arns.athena_results_uri(settings) == "s3://athena-results-111122223333/validator/"
    assert settings.athena_bytes_scanned_cutoff == 10 * 1024**3
    assert (settings.athena_result_reuse_minutes, settings.ingestion_lookback_days) == (60, 2)
    assert settings.manage_results_lifecycle is False  # replaces a bucket's lifecycle: opt in
    assert settings.canary_enabled and settings.canary_interval_seconds == 86_400
    assert all(spec.config(settings).reserved_concurrency == -1 for spec in HANDLERS.values())


def test_a_named_workgroup_is_used_as_it_is():
    settings = make_settings(athenaWorkgroup="analytics")
    assert not settings.creates_athena_workgroup
    assert arns.validator_workgroup(settings) == "analytics"


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(12 hours)", 43_200),
     ("rate(1 day)", 86_400), ("rate(3 days)", 259_200)],
)  # fmt: skip
def test_schedule_interval(expression, seconds):
    assert schedule_interval_seconds(expression) == seconds


def test_accepted_edges():
    settings = make_settings(
        athenaBytesScannedCutoff=str(10 * 1024**2),
        athenaResultReuseMinutes="10080",
        ingestionLookbackDays="1",
        pipelineValidator='{"reservedConcurrency": 1}',
    )
    assert configured_handlers(settings)
    assert settings.pipeline_validator.reserved_concurrency == 1
    assert make_settings(athenaResultReuseMinutes="0").athena_result_reuse_minutes == 0


BAD_VALUES = [
    ("athenaBytesScannedCutoff", str(10 * 1024**2 - 1),
     f"{P}:athenaBytesScannedCutoff: must be at least 10485760 bytes (10 MB, Athena's minimum)"),
    ("canarySchedule", "cron(0 6 * * ? *)",
     f"{P}:canarySchedule: must be an EventBridge rate expression"),
    ("canarySchedule", "rate(0 days)", f"{P}:canarySchedule: must be an EventBridge rate"),
    ("canarySchedule", "rate(1 days)", f"{P}:canarySchedule: must use a singular unit for 1"),
    ("canarySchedule", "rate(2 hour)", f"{P}:canarySchedule: must use a singular unit for 1"),
    ("canarySchedule", "rate(4 days)", f"{P}:canarySchedule: must run at least every 3.5 days"),
    ("athenaResultsExpirationDays", "-3",
     f"{P}:athenaResultsExpirationDays: must be greater than 0, got -3"),
    ("athenaResultsPrefix", "/validator/", f"{P}:athenaResultsPrefix: must be a non-empty S3"),
    ("athenaResultsPrefix", "", f"{P}:athenaResultsPrefix: must be a non-empty S3"),
    ("athenaWorkgroup", "bad name", f"{P}:athenaWorkgroup: String should match pattern"),
    ("metricsPublisher", '{"reservedConcurrency": 0}',
     f"{P}:metricsPublisher.reservedConcurrency: 0 would stop the function from ever running"),
    ("errorHandler", '{"reservedConcurrency": -2}',
     f"{P}:errorHandler.reservedConcurrency: must be -1 (unreserved) or a positive number"),
    ("canaryAlerts", "email", f"{P}:canaryAlerts: Input should be 'publish' or 'log'"),
    ("athenaResultsKmsKeyArn", "alias/results",
     f"{P}:athenaResultsKmsKeyArn: must be empty (SSE_S3) or a KMS key ARN"),
    ("athenaResultsKmsKeyArn", "arn:aws:kms:eu-west-1:111122223333:key/abc-123",
     f"{P}:athenaResultsKmsKeyArn: is in region eu-west-1 but the stack deploys to us-east-1"),
]  # fmt: skip


@pytest.mark.parametrize(("key", "value", "message"), BAD_VALUES)
def test_bad_values_name_their_key(key, value, message):
    with pytest.raises(SettingsError) as error:
        make_settings(**{key: value})
    assert message in str(error.value)


VALIDATOR = "the pipeline-validator function"
VALIDATOR_REFUSES = [
    ("athenaResultReuseMinutes", "10081", f"ATHENA_RESULT_REUSE_MINUTES=10081 would be refused by"
     f" {VALIDATOR}: Input should be less than or equal to 10080"),
    ("athenaResultReuseMinutes", "-1", f"ATHENA_RESULT_REUSE_MINUTES=-1 would be refused by"
     f" {VALIDATOR}: Input should be greater than or equal to 0"),
    ("ingestionLookbackDays", "0", f"refused by {VALIDATOR}: INGESTION_LOOKBACK_DAYS=0 days must"
     " cover FRESHNESS_HOURS=6 hours"),
    ("ingestionLookbackDays", "-2", f"refused by {VALIDATOR}: INGESTION_LOOKBACK_DAYS=-2 days"
     " must cover FRESHNESS_HOURS=6 hours"),
]  # fmt: skip


@pytest.mark.parametrize(("key", "value", "refusal"), VALIDATOR_REFUSES)
def test_values_the_validator_refuses_name_their_key(key, value, refusal):
    with pytest.raises(SettingsError) as error:
        configured_handlers(make_settings(**{key: value}))
    (line,) = str(error.value).splitlines()[1:]
    assert f"{P}:{key}" in line.split(": ")[0]
    assert line.endswith(refusal)


def test_lookback_must_cover_the_freshness_window():
    with pytest.raises(SettingsError) as error:
        configured_handlers(make_settings(ingestionLookbackDays="1", freshnessHours="30"))
    (line,) = str(error.value).splitlines()[1:]
    assert line.strip() == (
        f"{P}:freshnessHours, {P}:ingestionLookbackDays: refused by the pipeline-validator"
        " function: INGESTION_LOOKBACK_DAYS=1 days must cover FRESHNESS_HOURS=30 hours"
    )
    assert configured_handlers(make_settings(ingestionLookbackDays="2", freshnessHours="30"))
