"""Running handlers in moto as a principal that holds exactly a given set of policy documents.

moto 5.2.5 with IAM enforcement (`moto.core.authorization.enable_iam_authentication`, the
context-manager form of `set_initial_no_auth_action_count(0)`) authenticates every request by
its access key (an IAM user's key or STS assumed-role credentials) and evaluates the principal's
inline and attached identity policies. What it does and does not check:

- Actions: matched with `*` wildcards, as AWS does. Explicit Deny wins.
- Resources: only S3 passes the real ARN (`arn:aws:s3:::bucket/key`); every other service asks
  about `Resource "*"` unless its response class defines `_determine_resource` (in 5.2.5 only
  SQS, IAM and STS do). So a correctly scoped `sns:Publish` on a topic ARN would be denied.
  `resource_arns()` below supplies the ARN AWS authorises for the calls the handlers make
  (Service Authorization Reference): SNS Publish -> the topic, Athena query calls -> the
  workgroup, DynamoDB item calls -> the table, PutMetricData -> "*" (it has no resource type).
- Action names: moto prefixes the action with the request's signing name, which for
  CloudWatch is `monitoring`; `iam_action_names()` maps it to the IAM prefix `cloudwatch`.
- Conditions: only `StringEquals` is implemented, and no request context keys are passed, so
  every condition evaluates as met. The `cloudwatch:namespace` and `s3:prefix` conditions are
  therefore asserted on the documents instead.
- Calls AWS makes with the caller's credentials on its behalf (Athena reading the Glue catalog
  and S3, writing results; SNS using the topic's KMS key; the Lambda runtime writing logs and
  traces) do not happen in moto; those statements are checked with moto's policy evaluator
  against the requests AWS documents (see test_least_privilege.INDIRECT).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from moto.athena.models import athena_backends
from moto.athena.responses import AthenaResponse
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.authorization import enable_iam_authentication
from moto.dynamodb.responses import DynamoHandler
from moto.iam.access_control import IAMRequest
from moto.iam.models import iam_backends
from moto.sns.responses import SNSResponse

from handlers import aws_clients

ROLE_POLICY_NAME = "under-test"


def _athena_resource(self: AthenaResponse) -> str:
    workgroup = self._get_param("WorkGroup")
    query_id = self._get_param("QueryExecutionId")
    if query_id:
        execution = athena_backends[self.current_account][self.region].executions.get(query_id)
        workgroup = execution.workgroup.name if execution and execution.workgroup else None
    if not workgroup:
        return "*"
    return f"arn:aws:athena:{self.region}:{self.current_account}:workgroup/{workgroup}"


def _sns_resource(self: SNSResponse) -> str:
    return str(self._get_param("TopicArn") or "*")


def _dynamodb_resource(self: DynamoHandler) -> str:
    table = getattr(self, "params", {}).get("TableName")
    if not table:
        return "*"
    return f"arn:aws:dynamodb:{self.region}:{self.current_account}:table/{table}"


def _no_resource_type(self: CloudWatchResponse) -> str:
    return "*"


SIGNING_NAME_TO_IAM_PREFIX = {"monitoring": "cloudwatch"}
_check_action_permitted = IAMRequest.check_action_permitted


def _check_with_iam_prefix(self: IAMRequest, resource: str) -> None:
    service, _, operation = self._action.partition(":")
    self._action = f"{SIGNING_NAME_TO_IAM_PREFIX.get(service, service)}:{operation}"
    _check_action_permitted(self, resource)


@contextmanager
def resource_arns() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(IAMRequest, "check_action_permitted", _check_with_iam_prefix)
        patch.setattr(AthenaResponse, "_determine_resource", _athena_resource, raising=False)
        patch.setattr(SNSResponse, "_determine_resource", _sns_resource, raising=False)
        patch.setattr(CloudWatchResponse, "_determine_resource", _no_resource_type, raising=False)
        patch.setattr(DynamoHandler, "_determine_resource", _dynamodb_resource, raising=False)
        yield


class Principal:
    """An IAM role in moto, assumed; its inline policy can be swapped between runs."""

    def __init__(self, role_name: str, account: str) -> None:
        self.role_name = role_name
        self.account = account
        iam = boto3.client("iam")
        iam.create_role(
            RoleName=role_name,
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )
        credentials = boto3.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/{role_name}", RoleSessionName="guardrails"
        )["Credentials"]
        self.environment = {
            "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": credentials["SessionToken"],
        }

    def hold(self, statements: list[dict[str, Any]]) -> None:
        """Replace the role's identity policy with exactly `statements`.

        Written to moto's backend directly, so it works while the principal is acting (the role
        itself may not call iam:PutRolePolicy). The role has only this one inline policy.
        """
        document = {"Version": "2012-10-17", "Statement": statements}
        backend = iam_backends[self.account]["aws"]
        backend.put_role_policy(self.role_name, ROLE_POLICY_NAME, json.dumps(document))

    @contextmanager
    def acting(self) -> Iterator[None]:
        """Requests are signed with the role's credentials and authorised by moto."""
        with pytest.MonkeyPatch.context() as patch:
            for name, value in self.environment.items():
                patch.setenv(name, value)
            aws_clients.reset()  # the cached Session holds the previous credentials
            try:
                with resource_arns(), enable_iam_authentication():
                    yield
            finally:
                aws_clients.reset()
