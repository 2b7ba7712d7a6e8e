"""IdempotencyTable: the DynamoDB table behind the error handler's Powertools idempotency.

The key and TTL attributes are the defaults of Powertools' `DynamoDBPersistenceLayer`
(`key_attr="id"`, `expiry_attr="expiration"`), so the handler needs no attribute overrides. TTL
on `expiration` lets DynamoDB delete records once the de-duplication window has passed (Powertools
itself already ignores expired records; TTL only keeps the table small). Records live for minutes
to hours and are rebuilt by the next failure, so point-in-time recovery is off on purpose.
"""

from __future__ import annotations

from typing import Any, Final

import pulumi
import pulumi_aws as aws

from . import arns
from .replacement import fixed_identity
from .settings import Settings

KEY_ATTRIBUTE: Final = "id"  # DynamoDBPersistenceLayer's default key_attr
EXPIRY_ATTRIBUTE: Final = "expiration"  # DynamoDBPersistenceLayer's default expiry_attr


def table_inputs(settings: Settings) -> dict[str, Any]:
    """The table's configuration as Pulumi inputs (pure, for tests and the policy pack)."""
    return {
        "name": arns.idempotency_table_name(settings),
        "billing_mode": "PAY_PER_REQUEST",
        "hash_key": KEY_ATTRIBUTE,
        "attributes": [{"name": KEY_ATTRIBUTE, "type": "S"}],
        "ttl": {"attribute_name": EXPIRY_ATTRIBUTE, "enabled": True},
        "server_side_encryption": {"enabled": True},
        "point_in_time_recovery": {"enabled": False},
    }


class IdempotencyTable(pulumi.ComponentResource):
    """`sfuser:monitoring:IdempotencyTable`: one PAY_PER_REQUEST table with TTL."""

    table: aws.dynamodb.Table

    def __init__(
        self, name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("sfuser:monitoring:IdempotencyTable", name, None, opts)
        self.table = aws.dynamodb.Table(
            f"{name}-table", **table_inputs(settings), opts=fixed_identity(self)
        )
        self.register_outputs({"tableName": self.table.name, "tableArn": self.table.arn})
