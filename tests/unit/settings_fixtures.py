"""A valid raw settings map (field aliases -> config strings) for pure-spec unit tests."""

import json

from components.config_loading import parse_settings
from components.handler_table import HANDLERS
from components.settings import Settings
from handlers.contract import HandlerKey
from handlers.settings import environment_variables

VALID_RAW: dict[str, str] = {
    "region": "us-east-1",
    "environment": "dev",
    "stateMachineArn": "arn:aws:states:us-east-1:111122223333:stateMachine:sf-user-pipeline-dev",
    "glueJobName": "sf-user-extract-dev",
    "dbtRunnerFunctionName": "sf-user-pipeline-dev-dbt-runner",
    "athenaResultsBucket": "athena-results-111122223333",
    "dataLocations": json.dumps(["s3://lake-111122223333/raw/sf_user/", "s3://curated-bkt/scd"]),
    "dbtArtifactsS3Uri": "s3://dbt-artifacts-111122223333/sf_user/",
    "powertoolsLayerArn": (
        "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:28"
    ),
    "runbookBaseUrl": "https://runbooks.example.com/sf-user",
}


def make_settings(**overrides: str) -> Settings:
    return parse_settings({**VALID_RAW, **overrides})


def function_environment(settings: Settings, handler: HandlerKey) -> dict[str, str]:
    """The environment the stack gives `handler`'s function: its settings model, dumped."""
    return environment_variables(HANDLERS[handler].handler_settings(settings))
