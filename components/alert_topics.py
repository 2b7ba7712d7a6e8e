"""AlertTopics: the topic each alert route publishes to, and who may publish there.

Per route (critical, warning), either the topic this stack creates (`<prefix>-alerts-<route>`,
encrypted with the stack's customer-managed key, a topic policy admitting this stack's alarms,
optional email / HTTPS subscriptions) or an existing topic (`criticalTopicArn`,
`warningTopicArn`), for which the stack creates no topic and no subscription. The stack's key
exists only while a created route topic or the canary's self-test topic needs it. The policy
documents, and why they hold what they hold: `topic_grants`.

An existing topic delivers alarms only once its owner admits them (`topic_grants.owner_grants`:
a topic statement, and key statements if it is encrypted). With `manageExistingTopicPolicy` the
stack adds the topic statement itself (`existing_topic_policy`, which leaves the owner's
statements alone). Otherwise `pulumi up` warns, linking the owner runbook; the stack output
`existingTopicGrants` states this stack's statements. `make verify-delivery` proves delivery.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from handlers.contract import AlertRoute

from . import arns
from .config_values import ExistingTopic
from .existing_topic_policy import ExistingTopicStatement
from .iam_policies import AlertTargets
from .replacement import fixed_identity
from .settings import Settings
from .topic_grants import (
    created_routes,
    existing_topic_statement,
    key_policy,
    needs_alert_key,
    owner_grants,
    owner_runbook_url,
    topic_policy,
)


class AlertTopics(pulumi.ComponentResource):
    """`sfuser:monitoring:AlertTopics`: the key, the created topics with their policies and
    subscriptions, this stack's statement in existing topics it manages."""

    key: aws.kms.Key | None
    topics: dict[AlertRoute, aws.sns.Topic]  # the routes whose topic this stack creates
    topic_arns: dict[AlertRoute, pulumi.Output[str]]  # every route: the topic it publishes to
    owner_grants: dict[str, dict[str, object]]  # existing topic ARN -> what its owner adds

    def __init__(
        self, name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("sfuser:monitoring:AlertTopics", name, None, opts)
        self._name, self._settings = name, settings
        self.key = self._key() if needs_alert_key(settings) else None
        self.topics = {route: self._created_topic(route) for route in created_routes(settings)}
        existing = {
            route: topic for route in AlertRoute if (topic := settings.existing_topic(route))
        }
        self.owner_grants = {}
        for topic in existing.values():
            if topic.arn not in self.owner_grants:  # both routes may name one topic
                self.owner_grants[topic.arn] = owner_grants(settings, topic)
                self._existing_topic(topic)
        self.topic_arns = {
            route: self.topics[route].arn
            if route in self.topics
            else pulumi.Output.from_input(existing[route].arn)
            for route in AlertRoute
        }
        self._existing_keys = sorted({t.kms_key_arn for t in existing.values() if t.kms_key_arn})
        topic_outputs = {f"{route.value}TopicArn": arn for route, arn in self.topic_arns.items()}
        self.register_outputs({"keyArn": self.alert_key_arn, **topic_outputs})

    @property
    def alert_key_arn(self) -> pulumi.Output[str] | None:
        """The stack's key (created route topics and the self-test topic), if it has one."""
        return self.key.arn if self.key is not None else None

    @property
    def alert_targets(self) -> pulumi.Output[AlertTargets]:
        """What the error handler publishes to: every route's topic and each key SNS uses with
        its credentials (the stack's, for its own topics; an existing topic's configured key)."""
        routes = list(AlertRoute)
        keys = [self.alert_key_arn] if self.alert_key_arn is not None else []

        def targets(resolved: list[str]) -> AlertTargets:
            topics, key_arns = resolved[: len(routes)], resolved[len(routes) :]
            return AlertTargets(dict(zip(routes, topics, strict=True)), tuple(sorted({*key_arns})))

        inputs = [*(self.topic_arns[r] for r in routes), *keys, *self._existing_keys]
        return pulumi.Output.all(*inputs).apply(targets)

    def _key(self) -> aws.kms.Key:
        name, settings, child = self._name, self._settings, pulumi.ResourceOptions(parent=self)
        key = aws.kms.Key(
            f"{name}-key",
            description=f"Encrypts the {settings.prefix} alert topics",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps(key_policy(settings)),
            opts=child,
        )
        aws.kms.Alias(
            f"{name}-key-alias",
            name=arns.alert_key_alias(settings),
            target_key_id=key.key_id,
            opts=fixed_identity(self),
        )
        return key

    def _created_topic(self, route: AlertRoute) -> aws.sns.Topic:
        name, settings = self._name, self._settings
        assert self.key is not None  # needs_alert_key: a created route topic needs it
        topic = aws.sns.Topic(
            f"{name}-{route.value}",
            name=arns.topic_name(settings, route),
            display_name=f"{settings.prefix} {route.value} alerts",
            kms_master_key_id=self.key.arn,
            opts=fixed_identity(self),
        )
        aws.sns.TopicPolicy(
            f"{name}-{route.value}-policy",
            arn=topic.arn,
            policy=topic.arn.apply(lambda arn: json.dumps(topic_policy(settings, arn))),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._subscribe(route, topic)
        return topic

    def _subscribe(self, route: AlertRoute, topic: aws.sns.Topic) -> None:
        name, settings = self._name, self._settings
        endpoints = [("email", e) for e in settings.alert_emails(route)] + [
            ("https", w) for w in settings.alert_webhooks(route)
        ]
        for index, (protocol, endpoint) in enumerate(endpoints):
            aws.sns.TopicSubscription(
                f"{name}-{route.value}-{protocol}-{index}",
                topic=topic.arn,
                protocol=protocol,
                endpoint=pulumi.Output.secret(endpoint.get_secret_value()),
                # Keep SNS's JSON envelope for webhooks: it carries the Signature the receiver
                # verifies and the SubscriptionConfirmation flow, and AWS Chatbot's endpoint
                # expects it; raw delivery would strip both. (Email ignores the attribute.)
                raw_message_delivery=False if protocol == "https" else None,
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _existing_topic(self, topic: ExistingTopic) -> None:
        """This stack's statement in the topic's policy (if it manages it); else a warning that
        names what the owner must add, on every preview and update."""
        settings = self._settings
        if topic.manage_policy:
            # What the resource changes in AWS is (topic, Sid), so it is named after the topic,
            # not a route: a route moving between topics, or leaving one the other route keeps,
            # leaves this resource alone. Had two of this stack's resources ever held the same
            # (topic, Sid), Pulumi's create-first update would delete the old one after the new
            # one wrote its statement, removing that statement. The Sid carries the topic too, so
            # it also differs from the stack-wide Sid of the route-named resources of earlier
            # versions, whose deletion on the first update after theirs removes only their own.
            ExistingTopicStatement(
                f"{self._name}-existing-statement-{arns.topic_digest(topic.arn)}",
                topic.arn,
                existing_topic_statement(settings, topic.arn),
                opts=pulumi.ResourceOptions(parent=self),
            )
        owner_adds = [] if topic.manage_policy else ["the topic policy statement"]
        if topic.kms_key_arn:
            owner_adds.append(f"the key policy statements for {topic.kms_key_arn}")
        where = f"(stack output existingTopicGrants, {owner_runbook_url(settings)})"
        if owner_adds:
            pulumi.log.warn(
                f"{topic.arn} is not this stack's topic: alarms reach it only once its owner "
                f"adds {' and '.join(owner_adds)} {where}; then run `make verify-delivery`.",
                resource=self,
            )
        else:
            pulumi.log.info(
                f"{topic.arn}: this stack adds its statement to the topic policy. If the topic "
                f"is encrypted, its key needs the owner's statements {where}; run "
                "`make verify-delivery` to prove delivery.",
                resource=self,
            )
