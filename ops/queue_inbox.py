"""An SQS queue as the inbox of SNS topics: what the local demo and `make verify-delivery` read
alerts from."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from components.iam_policies import topics_may_send_to_queue


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
