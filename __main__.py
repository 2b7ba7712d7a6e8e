"""sf-user-monitoring: wires typed settings into the monitoring components and exports outputs."""

import pulumi

from components import arns
from components.alarms import PipelineAlarms
from components.alert_topics import AlertTopics
from components.athena_workgroup import ValidatorWorkgroup
from components.canary import Canary
from components.config_loading import load_settings
from components.dashboard import PipelineDashboard
from components.deploy_account import require_deploy_account
from components.event_capture import EventCapture
from components.handler_table import configured_handlers
from components.idempotency_table import IdempotencyTable
from components.lambdas import RESOURCE_NAME as LAMBDAS
from components.lambdas import MonitoringLambdas
from components.results_lifecycle import ResultsLifecycle
from handlers.contract import HandlerKey

settings = load_settings()  # fails with the offending config keys before any resource exists
require_deploy_account(settings)  # the provider refuses credentials of another account
handler_settings = configured_handlers(settings)  # so does a value a handler would refuse

topics = AlertTopics("alerts", settings)
ValidatorWorkgroup("athena", settings)
ResultsLifecycle("athena-results", settings)
lambdas = MonitoringLambdas(LAMBDAS, settings, handler_settings, alert_targets=topics.alert_targets)
canary = Canary(
    "canary",
    settings,
    functions=lambdas.functions,
    roles=lambdas.roles,
    key_arn=topics.alert_key_arn,
)
alarms = PipelineAlarms("alarms", settings, topics.topic_arns)
dashboard = PipelineDashboard("dashboard", settings)
idempotency = IdempotencyTable("idempotency", settings)
capture = EventCapture(
    "capture", settings, lambdas.functions[HandlerKey.ERROR_HANDLER], handler_ready=[lambdas]
)

pulumi.export("dashboardUrl", dashboard.url)
pulumi.export("dashboardName", arns.dashboard_name(settings))
for route, arn in topics.topic_arns.items():  # the topics actually used, existing or created
    pulumi.export(f"{route.value}TopicArn", arn)
if topics.owner_grants:
    pulumi.export("existingTopicGrants", topics.owner_grants)
pulumi.export("alertKmsKeyArns", topics.alert_targets.apply(lambda t: list(t.key_arns)))
pulumi.export("deliveryCheckAlarmName", arns.delivery_check_alarm_name(settings))
pulumi.export("functionArns", {h.value: f.arn for h, f in lambdas.functions.items()})
pulumi.export("functionNames", {h.value: f.name for h, f in lambdas.functions.items()})
pulumi.export("alarmNames", alarms.alarm_names)
pulumi.export("idempotencyTableName", idempotency.table.name)
pulumi.export("alertDeadLetterQueueArn", capture.dead_letters.arn)
pulumi.export("athenaWorkgroup", arns.validator_workgroup(settings))
if canary.rule is not None and canary.topic is not None:
    pulumi.export("canaryRuleName", canary.rule.name)
    pulumi.export("selfTestTopicArn", canary.topic.arn)
