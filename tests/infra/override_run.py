"""One cached program run of prod with config overrides that do not interfere with each other,
shared by the tests of each override (each full run costs about half a second)."""

import functools

from tests.infra.pulumi_harness import StackRun, run_stack

P = "sf-user-monitoring"
RESULTS_KEY = "arn:aws:kms:eu-west-1:345678901234:key/results"
WARNING_WEBHOOK = "https://hooks.example.com/sf-user"
OVERRIDES = {
    # An existing workgroup with KMS-encrypted results and a reserved validator (cost guards).
    f"{P}:athenaWorkgroup": "analytics-shared",
    f"{P}:athenaResultsKmsKeyArn": RESULTS_KEY,
    f"{P}:pipelineValidator": '{"reservedConcurrency": 2}',
    # No canary (canary).
    f"{P}:canaryEnabled": "false",
    # One webhook subscription; prod has no other subscriber (alert topics).
    f"{P}:warningAlertWebhooks": f'["{WARNING_WEBHOOK}"]',
}


@functools.cache
def override_run() -> StackRun:
    return run_stack("prod", OVERRIDES)
