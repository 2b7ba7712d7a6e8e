"""Every stack lets the AWS provider deploy only to the account of its configured ARNs; a stack
whose guard is missing, names another account or cannot work stops before any resource."""

import pytest

from components.config_loading import SettingsError
from components.deploy_account import ALLOWED_ACCOUNTS_KEY, SKIP_ACCOUNT_ID_KEY
from tests.infra.pulumi_harness import STACKS, StackRunError, run_stack, stack_file

P = "sf-user-monitoring"


@pytest.mark.parametrize("stack", [*STACKS, "local"])
def test_every_stack_file_allows_exactly_the_account_of_its_arns(stack):
    config = stack_file(stack)["config"]
    account = config[f"{P}:stateMachineArn"].split(":")[4]
    assert config[ALLOWED_ACCOUNTS_KEY] == [account]
    assert config.get(SKIP_ACCOUNT_ID_KEY) is not True


OTHER_ARN = "arn:aws:states:us-east-1:999999999999:stateMachine:sf-user-pipeline-dev"


@pytest.mark.parametrize(
    ("overrides", "named", "account"),
    [
        ({ALLOWED_ACCOUNTS_KEY: None}, ALLOWED_ACCOUNTS_KEY, "123456789012"),
        ({ALLOWED_ACCOUNTS_KEY: '["999999999999"]'}, ALLOWED_ACCOUNTS_KEY, "123456789012"),
        ({ALLOWED_ACCOUNTS_KEY: '["123456789012", "9"]'}, ALLOWED_ACCOUNTS_KEY, "123456789012"),
        ({f"{P}:stateMachineArn": OTHER_ARN}, ALLOWED_ACCOUNTS_KEY, "999999999999"),
        ({SKIP_ACCOUNT_ID_KEY: "true"}, SKIP_ACCOUNT_ID_KEY, None),
    ],
)
def test_a_missing_wrong_or_unusable_account_guard_stops_before_any_resource(
    overrides, named, account
):
    with pytest.raises(StackRunError) as raised:
        run_stack("dev", overrides)
    assert raised.value.resources == []
    cause = raised.value.__cause__
    assert isinstance(cause, SettingsError)
    assert f"{named}: must be" in str(cause)
    if account is not None:  # names the account it must be, and where that comes from
        assert f'["{account}"], the account of {P}:stateMachineArn' in str(cause)
