import pytest

from handlers.contract import EnvVar
from handlers.error_handler_settings import ErrorHandlerSettings
from handlers.publishing.settings import PublisherSettings
from handlers.settings import ConfigurationError, load
from handlers.validation.settings import ValidatorSettings

TOPIC = "arn:aws:sns:us-east-1:123456789012:sf-user-pipeline-dev-critical"


PUBLISHING = pytest.mark.parametrize("model", [PublisherSettings, ValidatorSettings])


@PUBLISHING
def test_a_handler_that_publishes_metrics_needs_the_environment(model):
    with pytest.raises(ConfigurationError, match=EnvVar.ENVIRONMENT.value) as raised:
        load(model, {})
    assert EnvVar.ENVIRONMENT in raised.value.variables
    assert load(model, {EnvVar.ENVIRONMENT: "prod"}).environment == "prod"


@PUBLISHING
def test_an_empty_variable_counts_as_missing(model):
    with pytest.raises(ConfigurationError, match=EnvVar.ENVIRONMENT.value):
        load(model, {EnvVar.ENVIRONMENT: ""})


@PUBLISHING
def test_an_environment_outside_the_contract_is_refused(model):
    with pytest.raises(ConfigurationError, match=EnvVar.ENVIRONMENT.value):
        load(model, {EnvVar.ENVIRONMENT: "qa"})


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
