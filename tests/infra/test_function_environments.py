"""Every environment the program gives a function is one its handler's own settings model accepts,
and a value a handler would refuse stops the program before any resource is registered."""

import functools

import pytest

from components.config_loading import SettingsError
from components.handler_table import HANDLERS
from handlers.contract import EnvVar, HandlerKey, function_name
from handlers.settings import environment_variables, load
from tests.infra.pulumi_harness import StackRun, StackRunError, run_stack

P = "sf-user-monitoring"
FUNCTION = "aws:lambda/function:Function"

# Each stack file, and settings that change what reaches a handler.
VARIATIONS = {
    "dev": {},
    "staging": {},
    "prod": {},
    "local": {},
    "dev-dbt-snapshot": {f"{P}:scdColumnLayout": "dbt-snapshot"},
    "dev-no-canary": {f"{P}:canaryEnabled": "false"},
    "dev-canary-logs": {f"{P}:canaryAlerts": "log"},
    "dev-untraced": {f"{P}:tracingEnabled": "false"},
    "dev-required-fields": {f"{P}:requiredFields": '["user_id", "division", "email"]'},
    "dev-tuned": {
        f"{P}:freshnessHours": "30",
        f"{P}:ingestionLookbackDays": "2",
        f"{P}:athenaResultReuseMinutes": "0",
        f"{P}:dataQualityThreshold": "100",
        f"{P}:minRecordCount": "1",
        f"{P}:logLevel": "ERROR",
        f"{P}:pipelineValidator": (
            '{"memoryMb": 2048, "reservedConcurrency": 1, "maxVolumeDropPercent": 35,'
            ' "maxDeletionPercent": 2.5, "volumeHistoryDays": 14}'
        ),
    },
    "prod-shared-workgroup": {f"{P}:athenaWorkgroup": "analytics", f"{P}:scdTable": "dim_scd"},
}


@functools.cache
def _run(variation: str) -> StackRun:
    return run_stack(variation.split("-", maxsplit=1)[0], VARIATIONS[variation])


def _environments(run: StackRun) -> dict[HandlerKey, dict[str, str]]:
    functions = {f.inputs["name"]: f for f in run.of_type(FUNCTION)}
    environment = run.config[f"{P}:environment"]
    return {
        handler: functions[function_name(environment, handler)].inputs["environment"]["variables"]
        for handler in HandlerKey
    }


@pytest.mark.parametrize("variation", list(VARIATIONS))
def test_every_generated_environment_is_accepted_by_its_handler(variation):
    for handler, environment in _environments(_run(variation)).items():
        settings = load(HANDLERS[handler].model, environment)  # raises what the Lambda would
        assert environment_variables(settings) == environment, handler


def test_a_variation_reaches_the_handler_as_configured():
    environments = _environments(_run("dev-dbt-snapshot"))
    validator = load(
        HANDLERS[HandlerKey.PIPELINE_VALIDATOR].model, environments[HandlerKey.PIPELINE_VALIDATOR]
    )
    assert validator.columns.valid_from == "dbt_valid_from"
    assert validator.columns.is_current is None
    untraced = _environments(_run("dev-untraced"))
    assert {env[EnvVar.POWERTOOLS_TRACE_DISABLED] for env in untraced.values()} == {"true"}
    tuned = _environments(_run("dev-tuned"))[HandlerKey.PIPELINE_VALIDATOR]
    assert (
        tuned[EnvVar.MAX_VOLUME_DROP_PERCENT],
        tuned[EnvVar.MAX_DELETION_PERCENT],
        tuned[EnvVar.VOLUME_HISTORY_DAYS],
    ) == ("35", "2.5", "14")


@pytest.mark.parametrize(
    ("overrides", "keys", "refusal"),
    [
        (
            {f"{P}:freshnessHours": "0"},
            [f"{P}:freshnessHours"],
            "FRESHNESS_HOURS=0.0 would be refused by the pipeline-validator function: Input should"
            " be greater than 0",
        ),
        (
            {f"{P}:freshnessHours": "30", f"{P}:ingestionLookbackDays": "1"},
            [f"{P}:freshnessHours", f"{P}:ingestionLookbackDays"],
            "INGESTION_LOOKBACK_DAYS=1 days must cover FRESHNESS_HOURS=30 hours",
        ),
        (
            {f"{P}:pipelineValidator": '{"maxVolumeDropPercent": 120}'},
            [f"{P}:pipelineValidator.maxVolumeDropPercent"],
            "MAX_VOLUME_DROP_PERCENT=120.0 would be refused by the pipeline-validator function:"
            " Input should be less than or equal to 100",
        ),
        (
            {
                f"{P}:ingestionLookbackDays": "3",
                f"{P}:pipelineValidator": '{"volumeHistoryDays": 2}',
            },
            [f"{P}:ingestionLookbackDays", f"{P}:pipelineValidator.volumeHistoryDays"],
            "VOLUME_HISTORY_DAYS=2 days must cover INGESTION_LOOKBACK_DAYS=3 days",
        ),
    ],
)
def test_a_value_a_handler_refuses_stops_the_preview_naming_its_key(overrides, keys, refusal):
    with pytest.raises(StackRunError) as raised:
        run_stack("dev", overrides)
    assert raised.value.resources == []
    cause = raised.value.__cause__
    assert isinstance(cause, SettingsError)
    (line,) = str(cause).splitlines()[1:]
    assert line.strip().startswith(", ".join(keys) + ": ")
    assert line.endswith(refusal)
