"""Functions, roles, log groups and the package, as registered by the real program."""

import pytest

from components import arns
from components.config_values import LOG_RETENTION_DAYS_ALLOWED, LogGroupKind
from components.handler_table import HANDLERS, configured_handlers
from components.iam_policies import UNSCOPED_ACTIONS, XRAY_ACTIONS
from handlers import contract
from handlers.contract import EnvVar, HandlerKey
from handlers.settings import environment_variables, load
from tests.guardrails.programs import role_id, role_of
from tests.infra.pulumi_harness import run_stack

FUNCTION = "aws:lambda/function:Function"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def _functions(run, settings):
    by_name = {f.inputs["name"]: f for f in run.of_type(FUNCTION)}
    return {h: by_name[contract.function_name(settings.environment, h)] for h in HandlerKey}


def _policy(run, handler):
    return run.named(f"handlers-{handler.value}-policy").json_input("policy")


def _actions(statement):
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else actions


def _resources(statement):
    resources = statement["Resource"]
    return [resources] if isinstance(resources, str) else resources


def test_function_configuration(stack_run, stack_settings):
    functions = _functions(stack_run, stack_settings)
    assert len(stack_run.of_type(FUNCTION)) == len(HandlerKey)
    for handler, function in functions.items():
        inputs = function.inputs
        sizing = HANDLERS[handler].config(stack_settings)
        assert inputs["runtime"] == "python3.12"
        assert inputs["handler"] == HANDLERS[handler].entry_point
        assert inputs["memorySize"] == sizing.memory_mb
        assert inputs["timeout"] == sizing.timeout_seconds
        assert inputs["layers"] == [stack_settings.powertools_layer_arn]
        assert inputs["architectures"] == ["x86_64"]
        assert inputs["tracingConfig"] == {"mode": "Active"}
        assert role_of(stack_run, function).name == f"handlers-{handler.value}-role"


def test_validator_is_bigger_by_default(stack_run, stack_settings):
    functions = _functions(stack_run, stack_settings)
    validator = functions[HandlerKey.PIPELINE_VALIDATOR].inputs
    assert validator["memorySize"] >= 512 and validator["timeout"] == 300
    assert functions[HandlerKey.ERROR_HANDLER].inputs["memorySize"] == 256


def test_environment_is_the_handlers_own_settings_model(stack_run, stack_settings):
    configured = configured_handlers(stack_settings)
    for handler, function in _functions(stack_run, stack_settings).items():
        env = function.inputs["environment"]["variables"]
        assert env == environment_variables(configured[handler])
        assert set(env) <= {v.value for v in EnvVar}
        # The model accepts it back unchanged: the Lambda reads what the stack meant.
        assert load(HANDLERS[handler].model, env) == configured[handler]
        assert env[EnvVar.ENVIRONMENT] == stack_settings.environment
        assert env[EnvVar.POWERTOOLS_SERVICE_NAME] == handler.value
        assert env[EnvVar.POWERTOOLS_TRACE_DISABLED] == "false"
    env = _functions(stack_run, stack_settings)[HandlerKey.ERROR_HANDLER].inputs["environment"]
    # Derived at preview, and the ARNs the topics report once created.
    assert env["variables"][EnvVar.CRITICAL_TOPIC_ARN] == stack_run.outputs["criticalTopicArn"]
    assert env["variables"][EnvVar.WARNING_TOPIC_ARN] == stack_run.outputs["warningTopicArn"]


def test_validator_environment_carries_the_stack_settings(stack_run, stack_settings):
    s = stack_settings
    validator = _functions(stack_run, s)[HandlerKey.PIPELINE_VALIDATOR].inputs["environment"]
    env = validator["variables"]
    assert env[EnvVar.ATHENA_WORKGROUP] == arns.validator_workgroup(s)
    assert env[EnvVar.ATHENA_DATABASE] == s.athena_database
    assert env[EnvVar.S3_RESULTS_BUCKET] == s.athena_results_bucket
    assert env[EnvVar.ATHENA_RESULTS_PREFIX] == s.athena_results_prefix  # where IAM allows
    assert env[EnvVar.RAW_TABLE].endswith(s.raw_table)
    assert env[EnvVar.SCD_TABLE].endswith(s.scd_table)
    assert env[EnvVar.QUERY_ENGINE] == "athena"
    assert float(env[EnvVar.DATA_QUALITY_THRESHOLD]) == s.data_quality_threshold
    assert float(env[EnvVar.SCD_INTEGRITY_THRESHOLD]) == s.scd_integrity_threshold
    assert int(env[EnvVar.MIN_RECORD_COUNT]) == s.min_record_count
    assert float(env[EnvVar.FRESHNESS_HOURS]) == s.freshness_hours


def test_tracing_switch_sets_mode_environment_and_grant():
    run = run_stack("dev", {"sf-user-monitoring:tracingEnabled": "false"})
    for function in run.of_type(FUNCTION):
        assert function.inputs["tracingConfig"] == {"mode": "PassThrough"}
        assert function.inputs["environment"]["variables"][EnvVar.POWERTOOLS_TRACE_DISABLED] == (
            "true"
        )
    for policy in run.of_type(ROLE_POLICY):
        actions = {a for s in policy.json_input("policy")["Statement"] for a in _actions(s)}
        assert not actions & set(XRAY_ACTIONS), policy.name


def test_package_holds_only_handler_sources(stack_run, stack_settings):
    for function in _functions(stack_run, stack_settings).values():
        names = set(function.inputs["code"].assets)
        assert "handlers/contract.py" in names
        for name in names:
            assert name.startswith("handlers/") and name.endswith(".py"), name
            assert "__pycache__" not in name and "/tests/" not in name, name


def test_no_wildcard_actions_and_star_resources_only_where_unavoidable(stack_run):
    for handler in HandlerKey:
        for statement in _policy(stack_run, handler)["Statement"]:
            for action in _actions(statement):
                assert "*" not in action.split(":")[1] or action == "kms:GenerateDataKey*", action
            if "*" in _resources(statement):
                assert set(_actions(statement)) <= UNSCOPED_ACTIONS, statement
            if "cloudwatch:PutMetricData" in _actions(statement):
                assert statement["Condition"] == {
                    "StringEquals": {"cloudwatch:namespace": contract.NAMESPACE}
                }


@pytest.mark.parametrize(
    ("handler", "only_here"),
    [
        (HandlerKey.METRICS_PUBLISHER, set()),
        (HandlerKey.ERROR_HANDLER, {"sns:Publish", "kms:GenerateDataKey"}),
        (HandlerKey.PIPELINE_VALIDATOR, {"athena:StartQueryExecution", "glue:GetTable"}),
    ],
)
def test_each_role_gets_only_its_own_service_actions(stack_run, handler, only_here):
    own = {a for s in _policy(stack_run, handler)["Statement"] for a in _actions(s)}
    assert only_here <= own
    for other in set(HandlerKey) - {handler}:
        others = {a for s in _policy(stack_run, other)["Statement"] for a in _actions(s)}
        assert not only_here & others, other


def test_resources_are_scoped_to_configured_targets(stack_run, stack_settings):
    s = stack_settings
    validator = _policy(stack_run, HandlerKey.PIPELINE_VALIDATOR)["Statement"]
    athena = next(st for st in validator if "athena:StartQueryExecution" in _actions(st))
    assert _resources(athena) == [
        f"arn:aws:athena:{s.region}:{s.account_id}:workgroup/{arns.validator_workgroup(s)}"
    ]
    writes = [st for st in validator if "s3:PutObject" in _actions(st)]
    assert [_resources(st) for st in writes] == [
        [f"arn:aws:s3:::{s.athena_results_bucket}/{s.athena_results_prefix}/*"]
    ]
    lake_formation = [st for st in validator if "lakeformation:GetDataAccess" in _actions(st)]
    assert bool(lake_formation) == s.lake_formation_governed
    handler = _policy(stack_run, HandlerKey.ERROR_HANDLER)["Statement"]
    publish = next(st for st in handler if "sns:Publish" in _actions(st))
    topics = {stack_run.outputs["criticalTopicArn"], stack_run.outputs["warningTopicArn"]}
    assert set(_resources(publish)) == topics
    for handler_key in HandlerKey:
        logs = next(
            st for st in _policy(stack_run, handler_key)["Statement"]
            if "logs:PutLogEvents" in _actions(st)
        )  # fmt: skip
        group = f"/aws/lambda/{contract.function_name(s.environment, handler_key)}"
        assert _resources(logs) == [f"arn:aws:logs:{s.region}:{s.account_id}:log-group:{group}:*"]


def test_log_groups_follow_create_log_groups(stack_run, stack_settings):
    groups = {g.inputs["name"]: g for g in stack_run.of_type(LOG_GROUP)}
    env = stack_settings.environment
    expected = set()
    if LogGroupKind.LAMBDAS in stack_settings.create_log_groups:
        expected |= {f"/aws/lambda/{contract.function_name(env, h)}" for h in HandlerKey}
    if LogGroupKind.STATE_MACHINE in stack_settings.create_log_groups:
        expected.add(contract.state_machine_log_group(env))
    if LogGroupKind.GLUE_JOB in stack_settings.create_log_groups:
        expected.add(stack_settings.glue_log_group)
    assert set(groups) == expected
    for group in groups.values():
        assert group.inputs["retentionInDays"] == stack_settings.log_retention_days
        assert group.inputs["retentionInDays"] in LOG_RETENTION_DAYS_ALLOWED


def test_functions_depend_on_their_log_groups(stack_run, stack_settings):
    if LogGroupKind.LAMBDAS not in stack_settings.create_log_groups:
        pytest.skip("this stack does not create the Lambda log groups")
    for handler, function in _functions(stack_run, stack_settings).items():
        assert f"handlers-logs-{handler.value}" in function.dependencies
        assert f"handlers-{handler.value}-policy" in function.dependencies


IDEMPOTENCY_ACTIONS = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                       "dynamodb:DeleteItem"}  # fmt: skip


def _allowed(run, role, resource):
    """Actions any inline policy of the role allows on exactly this resource ARN."""
    statements = [
        statement
        for policy in run.of_type(ROLE_POLICY)
        if policy.inputs["role"] == role_id(role)
        for statement in policy.json_input("policy")["Statement"]
        if statement["Effect"] == "Allow"
    ]
    return {a for s in statements if resource in _resources(s) for a in _actions(s)}


def test_error_handler_may_use_what_its_environment_names(stack_run, stack_settings):
    """Across its role's policies (its own and the canary's), the error handler may use the
    idempotency table and, with the canary on, publish to the encrypted self-test topic."""
    handler = _functions(stack_run, stack_settings)[HandlerKey.ERROR_HANDLER]
    env = handler.inputs["environment"]["variables"]
    role = role_of(stack_run, handler)
    (table,) = [t for t in stack_run.of_type("aws:dynamodb/table:Table")
                if t.inputs["name"] == env[EnvVar.IDEMPOTENCY_TABLE]]  # fmt: skip
    assert _allowed(stack_run, role, table.state["arn"]) >= IDEMPOTENCY_ACTIONS
    assert stack_settings.canary_enabled  # every stack file runs the canary
    topic = env[EnvVar.SELF_TEST_TOPIC_ARN]
    assert _allowed(stack_run, role, topic) == {"sns:Publish"}
    (key,) = stack_run.of_type("aws:kms/key:Key")
    assert {"kms:GenerateDataKey", "kms:Decrypt"} <= _allowed(stack_run, role, key.state["arn"])


def test_a_deprecated_flat_key_still_sizes_its_function():
    run = run_stack("dev", {"sf-user-monitoring:pipelineValidatorMemoryMb": "1024"})
    (validator,) = [f for f in run.of_type(FUNCTION) if f.inputs["name"].endswith("validator")]
    assert (validator.inputs["memorySize"], validator.inputs["timeout"]) == (1024, 300)
