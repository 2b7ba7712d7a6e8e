"""Reading what a Powertools-logged handler wrote during one invocation."""

import io
import json
from types import ModuleType
from typing import Any


def invoke_logged(module: ModuleType, event: Any, context: Any) -> tuple[Any, list[dict]]:
    """Call `module.handler` and return its result (or raised error) and parsed log lines."""
    buffer = io.StringIO()
    handler = module.logger.registered_handler
    previous = handler.setStream(buffer)
    try:
        result: Any = module.handler(event, context)
    except Exception as error:  # returned for the test to assert on
        result = error
    finally:
        handler.setStream(previous)
    return result, [json.loads(line) for line in buffer.getvalue().splitlines() if line]
