"""Resource options for a resource whose identity in AWS the program sets: replaced delete-first.

Pulumi replaces a resource by creating the new one before deleting the old. When AWS identifies
the resource by a value the program chose (a name that alarms, environments, policies or runbooks
rely on; or the one configuration a parent holds: a topic or queue policy, an invoke config, a
bucket lifecycle), the new one collides with the old ("already exists") or overwrites it on the
same parent, and deleting the old one then deletes what was just written. Delete-first avoids
both, at the cost of a short gap during the replacement. Resources nothing needs by name are
auto-named instead, and keep create-first (tests/infra/test_replacements.py checks both).
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
