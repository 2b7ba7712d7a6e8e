"""Third-party code that reads the wall clock itself, made to follow `handlers.clock`.

moto's Step Functions interpreter stamps `$$.Execution.StartTime` with the host clock, and
Powertools' idempotency computes record expiry with it. Where the handlers run on a frozen or
replayed clock (tests, the demo), those times must agree with the handlers' own, so `follow_clock`
swaps the `datetime` module such a file imported for a copy whose `datetime.now()` reads the seam.
"""

from __future__ import annotations

import contextlib
import datetime as datetime_module
from collections.abc import Iterator
from types import ModuleType, SimpleNamespace
from typing import Self
from unittest import mock

from handlers import clock


class _SeamDatetime(datetime_module.datetime):
    @classmethod
    def now(cls, tz: datetime_module.tzinfo | None = None) -> Self:
        # As `datetime.now`: aware in `tz`, or naive local time without one.
        return cls.fromtimestamp(clock.now().timestamp(), tz)


SEAM_DATETIME_MODULE = SimpleNamespace(**{**vars(datetime_module), "datetime": _SeamDatetime})


@contextlib.contextmanager
def follow_clock(*imports: tuple[ModuleType, str]) -> Iterator[None]:
    """For each (module, name) where `module` did `import datetime [as name]`, read the seam."""
    with contextlib.ExitStack() as stack:
        for module, name in imports:
            stack.enter_context(mock.patch.object(module, name, SEAM_DATETIME_MODULE))
        yield
