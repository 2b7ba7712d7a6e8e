"""Numbers the documents state by hand agree with the code that defines them.

Generated text has its own sync tests (Pulumi.yaml's defaults and docs/configuration.md in
test_config_schema, the alarm runbooks' parameter blocks in test_runbooks). This checks the rest:
any "`configKey` ... default N" in a document, and each statement listed in CLAIMS.
"""

import re
from pathlib import Path

import pytest

from components.alarm_model import max_evaluation_range
from components.alarm_specs import AlarmKey, alarm_specs
from components.cloudwatch_limits import ONE_DAY
from components.config_reference import settings_defaults
from components.config_values import (
    ATHENA_MIN_CUTOFF_BYTES,
    MAX_CANARY_INTERVAL_SECONDS,
    MAX_MISSED_RUN_HOURS,
)
from handlers import contract, error_handler_settings
from handlers.alerting.message import SNS_MAX_MESSAGE_BYTES
from handlers.contract import DEFAULT_THRESHOLDS
from handlers.validation.scoring import tolerated_violations
from policies.sfuser_guardrails.resources import DEFAULT_MAX_RETENTION_DAYS
from tests.guardrails.test_fuzz_handlers import FULL_EXAMPLES, FUZZ_EXAMPLES
from tests.guardrails.test_no_alert_lost import CI_FAILURES, FULL_FAILURES
from tests.unit.settings_fixtures import make_settings

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted(
    [ROOT / "README.md", ROOT / "policies" / "README.md", *(ROOT / "docs").rglob("*.md")]
)
CONFIG_DEFAULT = re.compile(
    r"`(?P<key>[a-z][A-Za-z]+)`[^`.]{0,60}?\bdefault:?\s+"
    r"(?:`(?P<text>[^`]+)`|(?P<number>\d[\d,]*(?:\.\d+)?))"
)


def _text(path: Path) -> str:
    """The document with line breaks and runs of spaces as single spaces."""
    return " ".join(path.read_text().split())


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _record_volume_hours() -> int:
    (spec,) = [s for s in alarm_specs(make_settings()) if s.key is AlarmKey.RECORD_VOLUME_ANOMALY]
    return spec.period_seconds // 3_600


# (document, pattern whose groups are the stated numbers, the numbers the code defines)
CLAIMS = [
    (
        "Pulumi.yaml",
        r"fewer records are processed in (\d+) hours",
        lambda: [_record_volume_hours()],
    ),
    (
        "Pulumi.yaml",
        r"no execution succeeded for this many hours \(1-(\d+);",
        lambda: [MAX_MISSED_RUN_HOURS],
    ),
    (
        "Pulumi.yaml",
        r"at most every ([\d.]+) days",
        lambda: [MAX_CANARY_INTERVAL_SECONDS / ONE_DAY],
    ),
    ("Pulumi.yaml", r"at least (\d+), Athena's", lambda: [ATHENA_MIN_CUTOFF_BYTES]),
    ("Pulumi.yaml", r"else 1-(\d+)\.", lambda: [contract.ATHENA_MAX_RESULT_REUSE_MINUTES]),
    (
        "docs/alerting.md",
        r"\((\d+) days for periods of an hour or more, (\d+) day below\)",
        lambda: [max_evaluation_range(3_600) / ONE_DAY, max_evaluation_range(60) / ONE_DAY],
    ),
    (
        "docs/alert-delivery.md",
        r"`IDEMPOTENCY_WINDOW_SECONDS` \(default ([\d,]+):",
        lambda: [error_handler_settings.DEFAULT_IDEMPOTENCY_WINDOW_SECONDS],
    ),
    (
        "docs/alert-delivery.md",
        r"`INGESTION_LOOKBACK_DAYS` \(default (\d+)\)",
        lambda: [contract.DEFAULT_INGESTION_LOOKBACK_DAYS],
    ),
    (
        "docs/alert-delivery.md",
        r"\(max ([\d,]+)\)",
        lambda: [contract.ATHENA_MAX_RESULT_REUSE_MINUTES],
    ),
    ("docs/alert-delivery.md", r"within SNS's (\d+) KB", lambda: [SNS_MAX_MESSAGE_BYTES / 1024]),
    (
        "docs/sizing.md",
        r"`athenaBytesScannedCutoff` \((\d+) GiB by default\)",
        lambda: [settings_defaults()["athenaBytesScannedCutoff"] / 1024**3],
    ),
    (
        "docs/testing.md",
        r"\| CI \(`make test`\) \| (\d+) \| (\d+) \|",
        lambda: [FUZZ_EXAMPLES, CI_FAILURES],
    ),
    (
        "docs/testing.md",
        r"\| Slow \(`pytest -m slow tests/guardrails`\) \| ([\d,]+) \| ([\d,]+) \|",
        lambda: [FULL_EXAMPLES, FULL_FAILURES],
    ),
    (
        "policies/README.md",
        r"`maxRetentionDays` \(policy config, default (\d+)\)",
        lambda: [DEFAULT_MAX_RETENTION_DAYS],
    ),
    (
        "README.md",
        r"Long runs \(([\d,]+) fuzz examples per handler, ([\d,]+) injected failures\)",
        lambda: [FULL_EXAMPLES, FULL_FAILURES],
    ),
    ("README.md", r"`bench/fuzz.py`: ([\d,]+) hostile events per handler", lambda: [FULL_EXAMPLES]),
    (
        "README.md",
        r"the system clock (\d+) days ahead",
        lambda: re.findall(r"CLOCK_SHIFT \?= \+(\d+)d", (ROOT / "Makefile").read_text()),
    ),
    # The demo transcript runs on the default thresholds.
    (
        "README.md",
        r"FAIL scd_integrity_score [\d.]+ (\d+) [\d.]+ % of users pass every rule"
        r" \(below ([\d.]+) %\)",
        lambda: [DEFAULT_THRESHOLDS.scd_integrity_percent] * 2,
    ),
    (
        "README.md",
        r"data_freshness: observed [\d.]+ vs threshold ([\d.]+) ",
        lambda: [DEFAULT_THRESHOLDS.freshness_hours],
    ),
    (
        "README.md",
        r"scd_integrity_score [\d.]+ is below the threshold (\d+)",
        lambda: [DEFAULT_THRESHOLDS.scd_integrity_percent],
    ),
    (
        "README.md",
        r"SCDIntegrity Minimum over 5 min: [\d.]+ \(alarm when < (\d+)\)",
        lambda: [DEFAULT_THRESHOLDS.scd_integrity_percent],
    ),
    (
        "README.md",
        r"DataFreshness Maximum over 5 min: [\d.]+ \(alarm when > (\d+)\)",
        lambda: [DEFAULT_THRESHOLDS.freshness_hours],
    ),
    (
        "README.md",
        r"- extract_volume_drop: observed [\d.]+ vs threshold ([\d.]+) ",
        lambda: [DEFAULT_THRESHOLDS.max_volume_drop_percent],
    ),
    (
        "README.md",
        r"- mass_deletion: observed [\d.]+ vs threshold ([\d.]+) ",
        lambda: [DEFAULT_THRESHOLDS.max_deletion_percent],
    ),
    (
        "README.md",
        r"ExtractVolumeDrop Minimum over 5 min: -[\d.]+ \(alarm when < -(\d+)\)",
        lambda: [DEFAULT_THRESHOLDS.max_volume_drop_percent],
    ),
    (
        "README.md",
        r"MassDeletion Maximum over 5 min: [\d.]+ \(alarm when > (\d+)\)",
        lambda: [DEFAULT_THRESHOLDS.max_deletion_percent],
    ),
    (
        "README.md",
        r"FAIL extract_volume_drop [\d.]+ (\d+) .*FAIL mass_deletion [\d.]+ (\d+) ",
        lambda: [
            DEFAULT_THRESHOLDS.max_volume_drop_percent,
            DEFAULT_THRESHOLDS.max_deletion_percent,
        ],
    ),
]


def test_stated_config_defaults_are_the_settings_defaults():
    defaults, stated = settings_defaults(), []
    for path in DOCUMENTS:
        for match in CONFIG_DEFAULT.finditer(_text(path)):
            if match["key"] not in defaults:
                continue
            value = match["text"] if match["text"] is not None else _number(match["number"])
            assert value == defaults[match["key"]], (path.name, match[0])
            stated.append(match["key"])
    assert {"athenaResultReuseMinutes", "ingestionLookbackDays"} <= set(stated)


@pytest.mark.parametrize(("document", "pattern", "expected"), CLAIMS)
def test_stated_numbers_are_the_codes(document, pattern, expected):
    matches = re.findall(pattern, _text(ROOT / document))
    assert matches, f"{document} no longer says {pattern!r}: update the claim"
    for match in matches:
        numbers = [_number(group) for group in ((match,) if isinstance(match, str) else match)]
        assert numbers == [float(value) for value in expected()], (document, pattern)


def test_the_demo_transcripts_scd_limits_follow_the_default_threshold():
    text = _text(ROOT / "README.md")
    (users,) = set(re.findall(r"\(of (\d+); ", text))
    limits = re.findall(r"(?:PASS|FAIL) [a-z_]+ \d+ (\d+) \d+ users", text)
    tolerated = tolerated_violations(int(users), DEFAULT_THRESHOLDS.scd_integrity_percent)
    assert limits and {int(limit) for limit in limits} == {tolerated}
