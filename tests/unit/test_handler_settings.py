import pytest

from handlers.contract import EnvVar
from handlers.error_handler_settings import ErrorHandlerSettings
from handlers.publishing.settings import PublisherSettings
from handlers.settings import ConfigurationError, load

TOPIC = "arn:aws:sns:us-east-1:123456789012:sf-user-pipeline-dev-critical"


def test_publisher_needs_the_environment():
    with pytest.raises(ConfigurationError, match=EnvVar.ENVIRONMENT.value):
        load(PublisherSettings, {})
    assert load(PublisherSettings, {EnvVar.ENVIRONMENT: "prod"}).environment == "prod"


def test_an_empty_variable_counts_as_missing():
    with pytest.raises(ConfigurationError, match=EnvVar.ENVIRONMENT.value):
        load(PublisherSettings, {EnvVar.ENVIRONMENT: ""})


def test_publisher_rejects_an_environment_outside_the_contract():
    with pytest.raises(ConfigurationError, match=EnvVar.ENVIRONMENT.value):
        load(PublisherSettings, {EnvVar.ENVIRONMENT: "qa"})


def test_error_handler_needs_both_topics_and_names_them():
    with pytest.raises(ConfigurationError) as error:
        load(ErrorHandlerSettings, {})
    assert EnvVar.CRITICAL_TOPIC_ARN.value in str(error.value)
    assert EnvVar.WARNING_TOPIC_ARN.value in str(error.value)


def test_error_handler_rejects_a_malformed_topic():
    with pytest.raises(ConfigurationError, match=EnvVar.WARNING_TOPIC_ARN.value):
        load(
            ErrorHandlerSettings,
            {EnvVar.CRITICAL_TOPIC_ARN: TOPIC, EnvVar.WARNING_TOPIC_ARN: "warning-topic"},
        )


def test_error_handler_optional_settings_default_from_the_contract():
    loaded = load(
        ErrorHandlerSettings,
        {EnvVar.CRITICAL_TOPIC_ARN: TOPIC, EnvVar.WARNING_TOPIC_ARN: TOPIC,
         EnvVar.DATA_QUALITY_THRESHOLD: "90"},
    )  # fmt: skip
    assert loaded.environment == "unknown"
    assert loaded.thresholds.data_quality_percent == 90.0
    assert loaded.dashboard_name is None
