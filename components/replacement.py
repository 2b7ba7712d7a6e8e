"""Resource options for a resource whose identity in AWS the program sets: replaced delete-first.

Pulumi replaces a resource by creating the new one before deleting the old. When AWS identifies
the resource by a value the program chose (a name that alarms, environments, policies or runbooks
rely on), a replacement forced by another input keeps that value: the new one collides with the
old ("already exists"). A bucket's one lifecycle configuration is the same case: the new one
overwrites the old, and deleting the old then deletes what was just written. Delete-first avoids
both, at the cost of a short gap during the replacement.

Not here: what the program leaves to Pulumi's auto-naming, and a configuration of one parent (a
topic or queue policy, an invoke config, a rule's target), which is replaced only when it moves
to another parent, so create-first leaves no gap (tests/infra/test_replacements.py checks both).
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi


def fixed_identity(
    parent: pulumi.Resource, depends_on: Sequence[pulumi.Resource] = ()
) -> pulumi.ResourceOptions:
    """Options of a child of `parent` whose identity the program sets."""
    return pulumi.ResourceOptions(
        parent=parent, depends_on=list(depends_on), delete_before_replace=True
    )
