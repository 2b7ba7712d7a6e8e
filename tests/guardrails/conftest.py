import time
from collections.abc import Iterator

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # pulumi_aws warns about its own deprecated resource classes when they are imported.
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:pulumi_aws")
    # The fuzz strategies sample from real events, whose reprs Hypothesis finds large.
    config.addinivalue_line("filterwarnings", "ignore:Generating overly large repr")
    config.addinivalue_line("filterwarnings", r"ignore:bool\(sampled_from")


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's backoff sleeps, recorded instead of waited."""
    recorded: list[float] = []
    monkeypatch.setattr(time, "sleep", recorded.append)
    return recorded


@pytest.fixture
def quiet_loggers() -> Iterator[None]:
    """Thousands of invocations: skip the handlers' INFO lines (some hold the whole event)."""
    from handlers import error_handler, metrics_publisher, pipeline_validator  # noqa: PLC0415

    loggers = [module.logger for module in (error_handler, metrics_publisher, pipeline_validator)]
    levels = [logger.log_level for logger in loggers]
    for logger in loggers:
        logger.setLevel("WARNING")
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)
