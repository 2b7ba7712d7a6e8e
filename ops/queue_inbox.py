"""An SQS queue as the inbox of SNS topics: what the local demo and `make verify-delivery` read
alerts from. Subscribing (with the queue policy SNS needs), unsubscribing, and receiving: each
message is SNS's envelope, parsed, and deleted once read."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components.iam_policies import topics_may_send_to_queue


@dataclass(frozen=True)
class Delivery:
    """One SNS notification as the queue received it."""

    topic_arn: str
    subject: str | None
    message: Any  # parsed when it is JSON (an alarm's notification, a chat payload), else text
    attributes: Mapping[str, str]


def receive(sqs: Any, queue_url: str, wait_seconds: int = 0) -> list[Delivery]:
    """Up to ten notifications (one long poll of `wait_seconds`), removed from the queue."""
    messages = sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
    ).get("Messages", [])
    deliveries = []
    for message in messages:
        envelope = json.loads(message["Body"])
        deliveries.append(
            Delivery(
                topic_arn=str(envelope["TopicArn"]),
                subject=envelope.get("Subject"),
                message=_maybe_json(envelope.get("Message", "")),
                attributes={
                    name: attribute["Value"]
                    for name, attribute in envelope.get("MessageAttributes", {}).items()
                },
            )
        )
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return deliveries


def _maybe_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _queue_arn(sqs: Any, queue_url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


def subscribe_queue(sns: Any, sqs: Any, queue_url: str, topic_arns: Sequence[str]) -> None:
    """Subscribe the queue to every topic, with the queue policy SNS needs to deliver (moto does
    not enforce it, AWS does)."""
    queue_arn = _queue_arn(sqs, queue_url)
    policy = json.dumps(topics_may_send_to_queue(queue_arn, topic_arns))
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": policy})
    for topic_arn in topic_arns:
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)


def unsubscribe_queue(sns: Any, sqs: Any, queue_url: str, topic_arns: Sequence[str]) -> None:
    """Remove every subscription of the queue to these topics, however many were made."""
    queue_arn = _queue_arn(sqs, queue_url)
    paginator = sns.get_paginator("list_subscriptions_by_topic")
    for topic_arn in topic_arns:
        try:
            subscriptions = [s for page in paginator.paginate(TopicArn=topic_arn)
                             for s in page["Subscriptions"]]  # fmt: skip
        except sns.exceptions.NotFoundException:
            continue  # a topic that is gone took its subscriptions with it
        for subscription in subscriptions:
            if subscription["Endpoint"] == queue_arn:
                sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])
