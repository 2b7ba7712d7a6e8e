"""The account a stack deploys to is the account its configured ARNs name, or nothing happens.

Every ARN the program derives (the topic ARNs in the error handler's environment, IAM resources,
key-policy conditions, alarm names in composite rules) embeds the account of `stateMachineArn`.
Run with another account's credentials, a stack would create its resources there, wired to ARNs
that point elsewhere: a monitoring that deploys cleanly and never alerts.

The guard is the AWS provider's own `aws:allowedAccountIds`: when the provider is configured it
asks STS for the caller's account and refuses any other ("AWS account ID not allowed: <id>",
terraform-provider-aws `VerifyAccountIDAllowed`) before it reads, creates, updates or deletes
anything, in `pulumi preview`, `up`, `refresh` and `destroy` alike. A check in the program
(`aws.get_caller_identity`) would not run for `refresh` or `destroy`. What the program checks,
before any resource is registered, is that the guard is set and cannot pass by accident: it must
name exactly the pipeline's account, and `aws:skipRequestingAccountId` must be off (without the
caller's account the provider would refuse every deployment, with an empty account in the
message). Only the default provider reads these keys: an explicit `aws.Provider` needs its own.

The one resource the provider does not handle, `existing_topic_policy.ExistingTopicStatement`
(`manageExistingTopicPolicy`), is a dynamic resource that calls SNS with the deploying shell's
boto3 credentials, which no `aws:` key governs. Its provider guards itself the same way: in
create, update, delete and read it asks STS for the caller's account and refuses, naming both
accounts, unless it is the topic's account (the pipeline's: config validation refuses topics of
other accounts), before it reads or changes the topic's policy.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

import pulumi

from .config_loading import SettingsError
from .config_values import config_key
from .settings import Settings

ALLOWED_ACCOUNTS_KEY: Final = "aws:allowedAccountIds"
SKIP_ACCOUNT_ID_KEY: Final = "aws:skipRequestingAccountId"


def _accounts(text: str | None) -> list[str] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return value


def problems(settings: Settings, provider_config: Mapping[str, str | None]) -> list[str]:
    """What is wrong with the provider's account guard; `provider_config` holds the `aws:` keys
    as Pulumi hands them over (strings, lists as JSON)."""
    account = settings.account_id
    arn_key = config_key("stateMachineArn")
    found = []
    allowed = _accounts(provider_config.get(ALLOWED_ACCOUNTS_KEY))
    if allowed != [account]:
        found.append(
            f'{ALLOWED_ACCOUNTS_KEY}: must be ["{account}"], the account of {arn_key}, so that'
            " the provider refuses credentials of any other account"
            f" (pulumi config set --path '{ALLOWED_ACCOUNTS_KEY}[0]' {account})"
        )
    if (provider_config.get(SKIP_ACCOUNT_ID_KEY) or "").lower() == "true":
        found.append(
            f"{SKIP_ACCOUNT_ID_KEY}: must be false: the provider cannot check"
            f" {ALLOWED_ACCOUNTS_KEY} without asking STS for the caller's account"
        )
    return found


def require_deploy_account(settings: Settings) -> None:
    """Raise SettingsError unless the provider refuses accounts other than the pipeline's."""
    aws = pulumi.Config("aws")
    found = problems(
        settings,
        {
            key: aws.get(key.removeprefix("aws:"))
            for key in (ALLOWED_ACCOUNTS_KEY, SKIP_ACCOUNT_ID_KEY)
        },
    )
    if found:
        raise SettingsError("invalid stack configuration:\n  " + "\n  ".join(found))
