"""Adopt log groups that exist already: a `pulumi import` file from the program's own names.

A stack creates the log groups `createLogGroups` names (the handlers', the state machine's, the
Glue job's), so that each gets its retention. Step Functions and Glue often create theirs first,
and Lambda creates a function's group when it first logs; `pulumi up` then fails on
CreateLogGroup ("already exists"). Importing the existing group under the Pulumi name and parent
the program registers it with makes the next `pulumi up` adopt it (and set its retention) instead:

    python -m components.log_group_import dev --group state-machine > build/import.json
    pulumi import --stack dev --file build/import.json --protect=false --generate-code=false
    pulumi up --stack dev

The file lists the MonitoringLambdas component as an (empty) component to import into: on a stack
that has it already, Pulumi keeps it as it is (`pulumi import` since 3.94). A group that does not
exist yet must be left out (`--group`), or the import fails; `pulumi up` creates it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Collection, Sequence
from typing import Any, Final

from .config_loading import secret_aliases
from .lambdas import COMPONENT_TYPE, RESOURCE_NAME, log_group_resource_name, managed_log_groups
from .settings import Settings
from .stack_file import stack_settings

LOG_GROUP_TYPE: Final = "aws:cloudwatch/logGroup:LogGroup"


def import_file(settings: Settings, groups: Collection[str] = ()) -> dict[str, Any]:
    """Pulumi's import file for the log groups the stack manages (`groups`: only these keys).

    A log group's import ID is its name.
    """
    managed = managed_log_groups(settings)
    unknown = set(groups) - set(managed)
    if unknown:
        raise ValueError(
            f"this stack manages no log group {sorted(unknown)}; it manages {sorted(managed)}"
        )
    chosen = {key: name for key, name in managed.items() if not groups or key in groups}
    component = {"type": COMPONENT_TYPE, "name": RESOURCE_NAME, "component": True}
    return {
        "resources": [
            component,
            *(
                {
                    "type": LOG_GROUP_TYPE,
                    "name": log_group_resource_name(RESOURCE_NAME, key),
                    "id": name,
                    "parent": RESOURCE_NAME,
                }
                for key, name in chosen.items()
            ),
        ]
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m components.log_group_import",
        description="Print the `pulumi import --file` JSON that adopts existing log groups.",
    )
    parser.add_argument("stack", help="the stack whose Pulumi.<stack>.yaml to read")
    parser.add_argument(
        "--group",
        action="append",
        default=[],
        help="a log group key to adopt (repeatable; default: every group the stack manages)",
    )
    args = parser.parse_args(argv)
    # The secrets are stored encrypted in the stack file; they name no log group.
    settings = stack_settings(args.stack, without=secret_aliases())
    try:
        document = import_file(settings, args.group)
    except ValueError as error:
        parser.error(str(error))
    json.dump(document, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
