"""Time is an input: only `handlers.clock` reads the wall clock.

A direct `datetime.now()` (or `utcnow`, `today`, `time.time`) anywhere else would let a result
depend on the day the suite runs. This guard fails the day such a read is written; `.ci/run`'s
second pass under a shifted clock (faketime) catches what a static scan cannot.
"""

import ast
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from handlers import clock
from tests.frozen_time import FROZEN_NOW

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("handlers", "components", "local", "ops", "bench", "statemachine", "policies", "tests")
THE_SEAM = ROOT / "handlers" / "clock.py"
WALL_CLOCK = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "localtime"),
    ("time", "gmtime"),
}


def wall_clock_reads(source: str) -> list[tuple[int, str]]:
    """(line, call) of every `<datetime|date|time>.<reader>()` call in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if (owner_name, node.func.attr) in WALL_CLOCK:
            found.append((node.lineno, f"{owner_name}.{node.func.attr}()"))
    return found


def _sources() -> list[Path]:
    return sorted(
        path
        for folder in SCANNED
        for path in (ROOT / folder).rglob("*.py")
        if path != THE_SEAM and ".venv" not in path.parts
    )


def test_nothing_but_the_clock_module_reads_the_wall_clock():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {call}"
        for path in _sources()
        for line, call in wall_clock_reads(path.read_text())
    ]
    assert offenders == [], "read handlers.clock.now() instead:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "source",
    [
        "from datetime import datetime, UTC\nx = datetime.now(UTC)",
        "import datetime\nx = datetime.datetime.utcnow()",
        "from datetime import date\nx = date.today()",
        "import time\nx = time.time()",
    ],
)
def test_the_guard_recognises_each_wall_clock_read(source):
    assert len(wall_clock_reads(source)) == 1


def test_durations_and_the_seam_are_not_wall_clock_reads():
    assert wall_clock_reads("import time\nx = time.perf_counter()\ny = time.monotonic()") == []
    assert wall_clock_reads("from handlers import clock\nx = clock.now()") == []


def test_the_suite_runs_on_the_frozen_clock():
    assert clock.now() == FROZEN_NOW


def test_a_test_moves_time_by_moving_the_clock(frozen_clock):
    frozen_clock.advance(timedelta(hours=3))
    assert clock.now() == FROZEN_NOW + timedelta(hours=3)


def test_use_installs_a_clock_for_a_block_then_restores_the_previous_one():
    later = FROZEN_NOW + timedelta(days=1)
    with clock.use(lambda: later):
        assert clock.now() == later
    assert clock.now() == FROZEN_NOW


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError, match="naive"), clock.use(lambda: datetime(2026, 1, 1)):
        clock.now()
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.FrozenClock(datetime(2026, 1, 1))


def test_the_system_clock_is_aware_utc():
    assert clock.system_clock().utcoffset() == timedelta(0)
