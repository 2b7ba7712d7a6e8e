"""The program runs the tests share: each stack file's, and dev with alerts routed to existing
topics, so every guardrail is proven for created and existing topics alike. One cached run per
configuration (a run costs about half a second)."""

from __future__ import annotations

import functools
from typing import Final

from tests.infra.pulumi_harness import STACKS, StackRun, run_stack

P = "sf-user-monitoring"
DEV_ACCOUNT: Final = "123456789012"  # Pulumi.dev.yaml's pipeline account
PAGING_TOPIC: Final = f"arn:aws:sns:us-east-1:{DEV_ACCOUNT}:org-paging"
PAGING_KEY: Final = f"arn:aws:kms:us-east-1:{DEV_ACCOUNT}:key/0f1e2d3c-org-paging"

# Configuration name -> overrides of Pulumi.dev.yaml. Dev subscribes an email to its critical
# topic; a route on an existing topic takes no subscriptions, so they are removed.
EXISTING_TOPICS: Final = {
    # The organisation's encrypted paging topic for critical; warning keeps its created topic.
    "dev-existing-critical-topic": {
        f"{P}:criticalTopicArn": PAGING_TOPIC,
        f"{P}:criticalTopicKmsKeyArn": PAGING_KEY,
        f"{P}:criticalAlertEmails": "[]",
    },
    # Both routes on one unencrypted topic whose policy the stack manages, no canary: the stack
    # then needs no key at all.
    "dev-one-shared-topic": {
        f"{P}:criticalTopicArn": PAGING_TOPIC,
        f"{P}:warningTopicArn": PAGING_TOPIC,
        f"{P}:criticalAlertEmails": "[]",
        f"{P}:manageExistingTopicPolicy": "true",
        f"{P}:canaryEnabled": "false",
    },
}
CONFIGURATIONS: Final = (*STACKS, *EXISTING_TOPICS)


@functools.cache
def configured_run(name: str) -> StackRun:
    """A stack file's run (`dev`, `local`, ...) or one of `EXISTING_TOPICS`."""
    if name in EXISTING_TOPICS:
        return run_stack("dev", EXISTING_TOPICS[name])
    return run_stack(name)
