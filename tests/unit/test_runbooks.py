"""Every error type links to a runbook that exists and says what the alert promises; alarm and
error runbooks share one folder without clashing."""

import re
from pathlib import Path

import pytest

from components import alarm_keys
from components.alarm_keys import AlarmKey
from handlers.alerting.guidance import GUIDANCE
from handlers.contract import ERROR_SEVERITY, ErrorType, runbook_slug

RUNBOOKS = Path(__file__).resolve().parents[2] / "docs" / "runbooks"
SECTIONS = ("## Meaning", "## Likely causes", "## First three steps", "## Verify the fix")


def assert_sections_in_order_with_three_steps(text: str, sections: tuple[str, ...]) -> None:
    """The four sections in order; the third lists exactly three numbered steps."""
    positions = [text.index(section) for section in sections]
    assert positions == sorted(positions)
    steps = text.split(sections[2])[1].split(sections[3], maxsplit=1)[0]
    assert re.findall(r"^\d\. ", steps, flags=re.MULTILINE) == ["1. ", "2. ", "3. "]


@pytest.mark.parametrize("error_type", list(ErrorType))
def test_runbook_exists_with_every_section(error_type):
    text = (RUNBOOKS / f"{runbook_slug(error_type)}.md").read_text()
    assert text.startswith(f"# Error: {error_type.value}\n")
    assert_sections_in_order_with_three_steps(text, SECTIONS)


@pytest.mark.parametrize("error_type", list(ErrorType))
def test_runbook_states_the_contract_severity(error_type):
    text = (RUNBOOKS / f"{runbook_slug(error_type)}.md").read_text()
    assert f"Severity {ERROR_SEVERITY[error_type].value}" in text


def test_guidance_covers_every_error_type():
    assert set(GUIDANCE) == set(ErrorType)


def test_runbook_slugs_are_unique_and_file_safe():
    slugs = [alarm_keys.runbook_slug(key) for key in AlarmKey]
    slugs += [runbook_slug(error_type) for error_type in ErrorType]
    assert len(slugs) == len(set(slugs))
    assert alarm_keys.runbook_slug(AlarmKey.SCD_INTEGRITY) == "alarm-scd-integrity"
    assert runbook_slug(ErrorType.DBT_TEST_FAILURE) == "error-dbt-test-failure"
    assert all(slug.replace("-", "").isalnum() and slug.islower() for slug in slugs)
