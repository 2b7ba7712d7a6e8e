"""Cost guards as registered: the validator's workgroup, its IAM and environment, result
clean-up and reserved concurrency, for each stack file and one override run."""

import pytest

from components import arns
from components.config_loading import SettingsError
from handlers import contract
from handlers.contract import EnvVar, HandlerKey
from tests.infra.override_run import RESULTS_KEY, P, override_run
from tests.infra.pulumi_harness import StackRunError, run_stack

WORKGROUP = "aws:athena/workgroup:Workgroup"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
FUNCTION = "aws:lambda/function:Function"


def _function(run, settings, handler):
    name = contract.function_name(settings.environment, handler)
    (function,) = [f for f in run.of_type(FUNCTION) if f.inputs["name"] == name]
    return function


def _validator_statements(run):
    return run.named("handlers-pipeline-validator-policy").json_input("policy")["Statement"]


def _athena_resource(run):
    (athena,) = [
        s for s in _validator_statements(run) if "athena:StartQueryExecution" in s["Action"]
    ]
    return athena["Resource"]


def test_workgroup_is_created_with_its_guards_unless_one_is_named(stack_run, stack_settings):
    workgroups = stack_run.of_type(WORKGROUP)
    if not stack_settings.creates_athena_workgroup:  # staging names an existing one
        assert workgroups == []
        return
    (workgroup,) = workgroups
    s = stack_settings
    assert workgroup.inputs["name"] == f"{s.prefix}-validator"
    assert workgroup.inputs["state"] == "ENABLED"
    config = workgroup.inputs["configuration"]
    assert config["enforceWorkgroupConfiguration"] is True
    assert config["publishCloudwatchMetricsEnabled"] is True
    assert config["bytesScannedCutoffPerQuery"] == s.athena_bytes_scanned_cutoff >= 10 * 1024**2
    assert config["engineVersion"] == {"selectedEngineVersion": "Athena engine version 3"}
    assert config["resultConfiguration"] == {
        "outputLocation": f"s3://{s.athena_results_bucket}/{s.athena_results_prefix}/",
        "encryptionConfiguration": {"encryptionOption": "SSE_S3"},
    }
    assert _athena_resource(stack_run) == (
        f"arn:aws:athena:{s.region}:{s.account_id}:workgroup/{workgroup.inputs['name']}"
    )


def test_validator_queries_in_the_workgroup_with_reuse_and_lookback(stack_run, stack_settings):
    s = stack_settings
    env = _function(stack_run, s, HandlerKey.PIPELINE_VALIDATOR).inputs["environment"]["variables"]
    assert env[EnvVar.ATHENA_WORKGROUP] == arns.validator_workgroup(s)
    assert _athena_resource(stack_run).endswith(f":workgroup/{arns.validator_workgroup(s)}")
    assert int(env[EnvVar.ATHENA_RESULT_REUSE_MINUTES]) == s.athena_result_reuse_minutes
    assert int(env[EnvVar.INGESTION_LOOKBACK_DAYS]) == s.ingestion_lookback_days
    assert stack_run.outputs["athenaWorkgroup"] == arns.validator_workgroup(s)


def test_results_lifecycle_only_where_the_stack_owns_the_bucket(stack_run, stack_settings):
    configurations = stack_run.of_type(LIFECYCLE)
    assert bool(configurations) == stack_settings.manage_results_lifecycle
    assert stack_settings.manage_results_lifecycle == (stack_run.stack == "dev")  # prod: shared
    for configuration in configurations:
        assert configuration.inputs["bucket"] == stack_settings.athena_results_bucket
        assert configuration.inputs["expectedBucketOwner"] == stack_settings.account_id
        (rule,) = configuration.inputs["rules"]
        assert rule["filter"] == {"prefix": f"{stack_settings.athena_results_prefix}/"}
        assert rule["expiration"] == {"days": stack_settings.athena_results_expiration_days}
        assert rule["status"] == "Enabled"


def test_functions_are_unreserved_by_default(stack_run, stack_settings):
    for handler in HandlerKey:
        function = _function(stack_run, stack_settings, handler)
        assert function.inputs["reservedConcurrentExecutions"] == -1


def test_an_existing_workgroup_is_used_with_its_key_and_a_reserved_validator():
    run = override_run()  # an existing workgroup, a results key, a reserved validator
    assert run.of_type(WORKGROUP) == []
    assert (
        _athena_resource(run) == "arn:aws:athena:eu-west-1:345678901234:workgroup/analytics-shared"
    )
    (grant,) = [s for s in _validator_statements(run) if "kms:GenerateDataKey" in s["Action"]]
    assert grant["Resource"] == RESULTS_KEY
    validator = next(f for f in run.of_type(FUNCTION) if f.inputs["name"].endswith("validator"))
    assert validator.inputs["environment"]["variables"][EnvVar.ATHENA_WORKGROUP] == (
        "analytics-shared"
    )
    assert validator.inputs["reservedConcurrentExecutions"] == 2


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("athenaBytesScannedCutoff", "1048576", "athenaBytesScannedCutoff: must be at least"),
        ("canarySchedule", "cron(0 6 * * ? *)", "canarySchedule: must be an EventBridge rate"),
    ],
)
def test_bad_cost_config_fails_before_any_resource(key, value, message):
    with pytest.raises(StackRunError) as failure:
        run_stack("dev", {f"{P}:{key}": value})
    assert failure.value.resources == []
    assert isinstance(failure.value.__cause__, SettingsError)
    assert f"{P}:{message}" in str(failure.value.__cause__)
