"""Stack settings from a `Pulumi.<stack>.yaml` file, without the Pulumi CLI: the demo's alarm
thresholds and dashboard come from the same validated settings a `pulumi up` of that stack would
use (`components.stack_file`)."""

from components.stack_file import PROJECT_ROOT, stack_settings

__all__ = ["PROJECT_ROOT", "stack_settings"]
