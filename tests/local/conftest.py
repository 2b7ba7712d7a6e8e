"""One run of the whole demo for the session (it starts its own emulator, as `make demo` does)."""

import contextlib
import io
from pathlib import Path
from typing import NamedTuple

import pytest

from handlers import error_handler, metrics_publisher
from local import demo


class DemoRun(NamedTuple):
    status: int
    report: str
    build: Path
    result: demo.DemoResult


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    build = tmp_path_factory.mktemp("build")
    results: list[demo.DemoResult] = []
    real_run = demo.run

    def recorded(*args, **kwargs):
        result, lines = real_run(*args, **kwargs)
        results.append(result)
        return result, lines

    error_handler.settings.cache_clear()
    metrics_publisher.settings.cache_clear()
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setattr(demo, "run", recorded)
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            status = demo.main(["--build-dir", str(build)])
    error_handler.settings.cache_clear()
    metrics_publisher.settings.cache_clear()
    (result,) = results
    return DemoRun(status, captured.getvalue(), build, result)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`--dist loadgroup`), every test of the demo run goes to one worker,
    so the run happens once."""
    for item in items:
        if "demo_run" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("demo_run"))
