"""Least privilege, proven: each handler runs in moto under IAM enforcement as a principal holding
exactly the policy MonitoringLambdas gives its function (from the mocked program), every path
succeeds, and dropping any single statement breaks something.

"Breaks something" is one of: a handler path fails with AccessDenied in moto, or, for calls AWS
makes with the function's credentials but moto does not simulate (see iam_enforcement), one of
the documented requests in INDIRECT, or Athena's write and read of each query's results where
Athena puts them, is no longer allowed by moto's policy evaluator. A statement that breaks
nothing is an unused permission and fails the test.

Besides the configurations (tests/infra/configurations.py), the validator runs on staging with a
non-default results prefix and an existing workgroup that does not enforce a results location,
so the location the validator itself sends must be where IAM allows.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest
from moto import mock_aws
from moto.iam.access_control import IAMPolicy, PermissionResult

from handlers.contract import AlertRoute, HandlerKey, function_name
from tests.guardrails.iam_enforcement import Principal
from tests.guardrails.programs import function_named, identity_policies, program
from tests.guardrails.world import (
    athena_result_objects,
    forget_alerts,
    handler_paths,
    invoke,
    stack_account,
    stack_world,
)
from tests.infra.configurations import EXISTING_TOPICS
from tests.infra.pulumi_harness import StackRun, run_stack

STACK = "dev"
P = "sf-user-monitoring"
RESULTS_ELSEWHERE = "staging-results-prefix"  # an existing workgroup, a non-default prefix
RESULTS_PREFIX = "monitoring/athena-results"
ACCESS_DENIED = {"AccessDenied", "AccessDeniedException"}
Request = tuple[str, str]  # (action, resource ARN)


def _denied(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, botocore.exceptions.ClientError):
            # CloudWatch speaks a newer protocol than moto's XML error: the code then reads "403".
            return error.response["Error"]["Code"] in ACCESS_DENIED or (
                "<Code>AccessDenied</Code>" in str(error)
            )
        error = error.__cause__ or error.__context__
    return False


def _degraded(result: Any) -> bool:
    """The handler swallowed a failed call: metrics not published, or the error handler alerted
    without its de-duplication store (it fails open)."""
    return isinstance(result, dict) and (
        result.get("metrics_published") is False or result.get("dedupe") == "unavailable"
    )


def _outcomes(run: StackRun, handler: HandlerKey) -> dict[str, str]:
    """Path name -> "ok", "denied" or "degraded" (`_degraded`), up to the first path that is not
    ok. Every run starts with no alert sent yet, so the error handler's paths publish (a
    de-duplicated repeat would need no SNS grant)."""
    forget_alerts(run)
    outcomes: dict[str, str] = {}
    for path in (p for p in handler_paths(run) if p.handler is handler):
        try:
            result = invoke(run, path)
        except Exception as error:
            if not _denied(error):
                raise
            outcomes[path.name] = "denied"
            break
        degraded = _degraded(result)
        outcomes[path.name] = "degraded" if degraded else "ok"
        if degraded:
            break
    return outcomes


# ---- requests AWS makes with the function's credentials that moto does not simulate ---------


def _config(run: StackRun, key: str) -> str:
    return run.config[f"{P}:{key}"]


def _where(run: StackRun) -> str:
    return f"{run.config['aws:region']}:{stack_account(run)}"


def _runtime(run: StackRun, handler: HandlerKey) -> list[Request]:
    """The Lambda runtime writes the function's logs and, with active tracing, its traces."""
    name = function_name(_config(run, "environment"), handler)
    stream = f"arn:aws:logs:{_where(run)}:log-group:/aws/lambda/{name}:log-stream:2026/11/26/x"
    requests = [("logs:CreateLogStream", stream), ("logs:PutLogEvents", stream)]
    tracing = function_named(run, name).inputs.get("tracingConfig") or {}
    if tracing.get("mode") == "Active":
        requests += [("xray:PutTraceSegments", "*"), ("xray:PutTelemetryRecords", "*")]
    return requests


def _alert_key(run: StackRun, handler: HandlerKey) -> list[Request]:
    """Publishing to an SSE topic: SNS uses the topic's KMS key with the publisher's rights.
    The keys: those of the topics the stack creates, and each existing topic's configured key."""
    if handler is not HandlerKey.ERROR_HANDLER:
        return []
    keys = {t.inputs.get("kmsMasterKeyId") for t in run.of_type("aws:sns/topic:Topic")}
    keys |= {run.config.get(f"{P}:{route.value}TopicKmsKeyArn") for route in AlertRoute}
    return [(action, key) for key in sorted(filter(None, keys))
            for action in ("kms:GenerateDataKey", "kms:Decrypt")]  # fmt: skip


def _athena_on_behalf(run: StackRun, handler: HandlerKey) -> list[Request]:
    """Athena reads the catalog and the data and writes results with the caller's credentials
    (Athena user guide, "Access to Amazon S3" / "Access to the AWS Glue Data Catalog"). Both
    validations read both tables; the columns query's exact-name lookups are the same
    glue:GetTable requests (and, for Iceberg, metadata objects under the data locations)."""
    if handler is not HandlerKey.PIPELINE_VALIDATOR:
        return []
    where = _where(run)
    default_db = run.config.get(f"{P}:athenaDatabase", "salesforce_raw")
    requests: list[Request] = []
    for key in ("rawTable", "scdTable"):
        database, _, table = _config(run, key).rpartition(".")
        database = database or default_db
        for resource in ("catalog", f"database/{database}", f"table/{database}/{table}"):
            requests += [("glue:GetTable", f"arn:aws:glue:{where}:{resource}")]
        requests += [("glue:GetPartitions", f"arn:aws:glue:{where}:table/{database}/{table}")]
        requests += [("glue:GetDatabase", f"arn:aws:glue:{where}:database/{database}")]
    for uri in json.loads(_config(run, "dataLocations")):
        bucket, _, prefix = uri.removeprefix("s3://").partition("/")
        requests += [("s3:GetObject", f"arn:aws:s3:::{bucket}/{prefix}part-0.parquet"),
                     ("s3:ListBucket", f"arn:aws:s3:::{bucket}")]  # fmt: skip
    if run.config.get(f"{P}:lakeFormationGoverned") == "true":
        requests.append(("lakeformation:GetDataAccess", "*"))
    return requests


def _async_failure_destination(run: StackRun, handler: HandlerKey) -> list[Request]:
    """An asynchronous invocation that failed after its retries goes to the function's
    on-failure destination; Lambda sends it there with the function's role (Lambda developer
    guide, "Adding a destination")."""
    name = function_name(_config(run, "environment"), handler)
    configs = run.of_type("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")
    destinations = [
        ((c.inputs.get("destinationConfig") or {}).get("onFailure") or {}).get("destination")
        for c in configs
        if c.inputs["functionName"] == name
    ]
    return [("sqs:SendMessage", arn) for arn in destinations if arn]


def athena_results(run: StackRun) -> list[Request]:
    """Athena writes each query's results, and reads them for GetQueryResults, with the caller's
    credentials where it puts them (`athena_result_objects`: moto records the location sent)."""
    requests: list[Request] = []
    for uri in athena_result_objects(run):
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        requests += [("s3:GetBucketLocation", f"arn:aws:s3:::{bucket}"),
                     ("s3:ListBucket", f"arn:aws:s3:::{bucket}")]  # fmt: skip
        for action in ("s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload",
                       "s3:ListMultipartUploadParts"):  # fmt: skip
            requests += [(action, f"arn:aws:s3:::{bucket}/{key}")]
    return requests


INDIRECT: list[Callable[[StackRun, HandlerKey], list[Request]]] = [
    _runtime,
    _alert_key,
    _athena_on_behalf,
    _async_failure_destination,
]


def _allowed(statements: list[dict[str, Any]], request: Request) -> bool:
    document = json.dumps({"Version": "2012-10-17", "Statement": statements})
    return IAMPolicy(document).is_action_permitted(*request) == PermissionResult.PERMITTED


# ---- the tests ---------------------------------------------------------------------------------

# dev creates its topics; the others route alerts to existing topics (tests/infra/configurations).
CONFIGURATIONS = (STACK, *EXISTING_TOPICS)
# Topics reach only the error handler's policy (test_only_the_error_handler_depends_on_topics), so
# the existing-topic configurations run the error handler; the results location reaches only the
# validator's.
TOPIC_HANDLERS = (HandlerKey.ERROR_HANDLER,)
CASES = [
    *((STACK, handler) for handler in HandlerKey),
    *((configuration, handler) for configuration in EXISTING_TOPICS for handler in TOPIC_HANDLERS),
    (RESULTS_ELSEWHERE, HandlerKey.PIPELINE_VALIDATOR),
]


@functools.cache
def _program(name: str) -> StackRun:
    if name == RESULTS_ELSEWHERE:
        return run_stack("staging", {f"{P}:athenaResultsPrefix": RESULTS_PREFIX})
    return program(name)


@pytest.fixture(params=[STACK, RESULTS_ELSEWHERE])
def run(request: pytest.FixtureRequest) -> StackRun:
    return _program(request.param)


def _statements(run: StackRun, handler: HandlerKey) -> list[dict[str, Any]]:
    function = function_named(run, function_name(_config(run, "environment"), handler))
    return [s for document in identity_policies(run, function) for s in document["Statement"]]


# Proves the check can fail: a grant no path and no documented request needs is reported.
SENTINEL = {"Sid": "SentinelUnused", "Effect": "Allow", "Action": ["sqs:SendMessage"],
            "Resource": "arn:aws:sqs:us-east-1:123456789012:nothing"}  # fmt: skip


@pytest.mark.parametrize(("configuration", "handler"), CASES, ids=str)
def test_every_statement_is_needed_and_the_full_policy_runs_every_path(configuration, handler):
    run = _program(configuration)
    statements = [*_statements(run, handler), SENTINEL]
    indirect = [request for requests in INDIRECT for request in requests(run, handler)]
    assert all(_allowed(statements, request) for request in indirect), "documented request denied"
    with mock_aws(), stack_world(run):
        principal = Principal(f"guardrails-{handler.value}", stack_account(run))
        principal.hold(statements)
        with principal.acting():
            full = _outcomes(run, handler)
            assert full and set(full.values()) == {"ok"}, full
            if handler is HandlerKey.PIPELINE_VALIDATOR:
                indirect += athena_results(run)
                denied = [r for r in indirect if not _allowed(statements, r)]
                assert denied == [], "Athena would be denied writing or reading results"
            unused = []
            for index, statement in enumerate(statements):
                rest = statements[:index] + statements[index + 1 :]
                principal.hold(rest)
                broken_path = set(_outcomes(run, handler).values()) != {"ok"}
                broken_request = not all(_allowed(rest, request) for request in indirect)
                if not (broken_path or broken_request):
                    unused.append(statement.get("Sid", statement))
    assert unused == [SENTINEL["Sid"]], f"statements nothing needs: {unused}"


TOPIC_SERVICES = ("sns:", "kms:")


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else action


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_only_the_error_handler_depends_on_topics(configuration):
    """No other handler is granted anything on a topic or a key, so the existing-topic
    configurations need not run them again."""
    run = _program(configuration)
    touching = {
        handler
        for handler in HandlerKey
        for statement in _statements(run, handler)
        for action in _actions(statement)
        if action.startswith(TOPIC_SERVICES)
    }
    assert touching == set(TOPIC_HANDLERS)


def test_conditions_moto_cannot_evaluate_are_on_the_documents(run):
    """moto evaluates no condition keys, so the bounding conditions are asserted directly: the
    metric namespace, and the key prefix of every bucket listing (the data locations; the
    results prefix on the results bucket)."""
    results_bucket = f"arn:aws:s3:::{_config(run, 'athenaResultsBucket')}"
    results_prefix = run.config.get(f"{P}:athenaResultsPrefix", "validator")
    for handler in HandlerKey:
        for statement in _statements(run, handler):
            actions = statement["Action"]
            if "cloudwatch:PutMetricData" in actions:
                assert statement["Condition"] == {
                    "StringEquals": {"cloudwatch:namespace": "SfUserPipeline"}
                }
            if "s3:ListBucket" in actions:
                assert actions == ["s3:ListBucket"], statement  # the condition binds it alone
                prefixes = statement.get("Condition", {}).get("StringLike", {}).get("s3:prefix")
                assert prefixes and all(p.endswith("*") for p in prefixes), statement
                if statement["Resource"] == results_bucket:
                    assert prefixes == [f"{results_prefix}/*"], statement
