"""EventCapture: failures no Catch sees still reach the error handler, and none is lost silently.

Two EventBridge rules on the default bus send the pipeline's failure events to the error handler:
"Step Functions Execution Status Change" (FAILED, TIMED_OUT, ABORTED) for the configured state
machine, and "Glue Job State Change" (FAILED, TIMEOUT, STOPPED) for the configured job. The
delivery path is permitted end to end:

- EventBridge -> Lambda and EventBridge -> dead-letter queue: `eventbridge_delivery` (a
  permission per rule scoped to it; the queue admits events of these two rules only).
- Lambda async invocation -> same queue: EventBridge invokes asynchronously, so a handler error is
  retried by Lambda (FunctionEventInvokeConfig) and then sent to the on-failure destination with
  the function's role (`sqs:SendMessage` in its policy, see iam_policies).

Retries stop within the de-duplication window (capped at each service's maximum), so a retried
delivery is always recognised as a duplicate by the handler's idempotency. The AlertDeadLetters
alarm pages as soon as the queue holds a message: a lost failure alert must page.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import pulumi
import pulumi_aws as aws

from handlers.contract import EXECUTION_FAILURE_STATUSES, PIPELINE_NAME

from . import arns
from .eventbridge_delivery import RetryPolicy, admit_dead_letters, invoke_from_rule
from .replacement import fixed_identity
from .settings import Settings

GLUE_FAILURE_STATES: Final = ("FAILED", "TIMEOUT", "STOPPED")
EVENTBRIDGE_MAX_EVENT_AGE: Final = 86_400  # RetryPolicy.MaximumEventAgeInSeconds maximum
EVENTBRIDGE_RETRY_ATTEMPTS: Final = 16  # exponential back-off: minutes, not the 24 h default
LAMBDA_MAX_EVENT_AGE: Final = 21_600  # PutFunctionEventInvokeConfig maximum
LAMBDA_RETRY_ATTEMPTS: Final = 2  # the Lambda maximum: a throttle or a transient error
MIN_EVENT_AGE: Final = 60  # both services' minimum
DEAD_LETTER_RETENTION_SECONDS: Final = 14 * 86_400  # SQS maximum: time to investigate and redrive


@dataclass(frozen=True)
class CaptureRule:
    key: str  # logical-name suffix (the rule itself is auto-named)
    description: str
    pattern: dict[str, Any]


def execution_failure_pattern(settings: Settings) -> dict[str, Any]:
    return {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {
            "stateMachineArn": [settings.state_machine_arn],
            "status": list(EXECUTION_FAILURE_STATUSES),
        },
    }


def glue_failure_pattern(settings: Settings) -> dict[str, Any]:
    return {
        "source": ["aws.glue"],
        "detail-type": ["Glue Job State Change"],
        "detail": {"jobName": [settings.glue_job_name], "state": list(GLUE_FAILURE_STATES)},
    }


def capture_rules(settings: Settings) -> list[CaptureRule]:
    return [
        CaptureRule(
            key="execution-failed",
            description=f"{settings.state_machine_name} executions that failed, timed out or were "
            f"aborted, to the {PIPELINE_NAME} error handler",
            pattern=execution_failure_pattern(settings),
        ),
        CaptureRule(
            key="glue-job-failed",
            description=f"{settings.glue_job_name} runs that failed, timed out or were stopped, "
            f"to the {PIPELINE_NAME} error handler",
            pattern=glue_failure_pattern(settings),
        ),
    ]


def retry_age_seconds(settings: Settings, service_maximum: int) -> int:
    """Retry no longer than the de-duplication window, within the service's limits."""
    return max(MIN_EVENT_AGE, min(settings.dedup_window_seconds, service_maximum))


class EventCapture(pulumi.ComponentResource):
    """`sfuser:monitoring:EventCapture`: failure rules -> error handler, dead-letter queue."""

    dead_letters: aws.sqs.Queue
    rules: dict[str, aws.cloudwatch.EventRule]

    def __init__(
        self,
        name: str,
        settings: Settings,
        error_handler: aws.lambda_.Function,
        handler_ready: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`handler_ready`: what must exist before the on-failure destination is configured;
        Lambda rejects it unless the handler's role may already send to the queue."""
        super().__init__("sfuser:monitoring:EventCapture", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.dead_letters = aws.sqs.Queue(
            f"{name}-dead-letters",
            name=arns.alert_dead_letter_queue_name(settings),
            sqs_managed_sse_enabled=True,
            message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
            opts=fixed_identity(self),  # the AlertDeadLetters alarm watches it by name
        )
        self.rules = {}
        for rule in capture_rules(settings):
            # Auto-named: referenced by ARN only, so a replacement keeps capturing until the
            # new rule is in place.
            event_rule = aws.cloudwatch.EventRule(
                f"{name}-{rule.key}",
                description=rule.description,
                event_pattern=json.dumps(rule.pattern),
                opts=child,
            )
            invoke_from_rule(
                f"{name}-{rule.key}",
                event_rule,
                error_handler,
                retry=RetryPolicy(
                    retry_age_seconds(settings, EVENTBRIDGE_MAX_EVENT_AGE),
                    EVENTBRIDGE_RETRY_ATTEMPTS,
                ),
                dead_letter_arn=self.dead_letters.arn,
                parent=self,
            )
            self.rules[rule.key] = event_rule
        admit_dead_letters(
            f"{name}-dead-letters-policy",
            settings,
            self.dead_letters,
            list(self.rules.values()),
            self,
        )
        aws.lambda_.FunctionEventInvokeConfig(
            f"{name}-async-failures",
            function_name=error_handler.name,
            maximum_event_age_in_seconds=retry_age_seconds(settings, LAMBDA_MAX_EVENT_AGE),
            maximum_retry_attempts=LAMBDA_RETRY_ATTEMPTS,
            destination_config={"on_failure": {"destination": self.dead_letters.arn}},
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(handler_ready)),
        )
        self.register_outputs(
            {
                "deadLetterQueueArn": self.dead_letters.arn,
                "ruleArns": {key: rule.arn for key, rule in self.rules.items()},
            }
        )
