"""Every error type links to a runbook that exists and says what the alert promises; every alarm's
runbook opens with its parameters generated from the alarm specs; both kinds share one folder."""

import dataclasses
import re
from pathlib import Path

import pytest

from components import alarm_specs, owner_grants_reference
from components.alarm_reference import (
    BEGIN,
    END,
    blocks,
    documented_settings,
    metric_alarm_block,
    with_block,
)
from components.alarm_set import alarm_set
from components.alarm_specs import AlarmKey
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
    slugs = [alarm_specs.runbook_slug(key) for key in AlarmKey]
    slugs += [runbook_slug(error_type) for error_type in ErrorType]
    assert len(slugs) == len(set(slugs))
    assert alarm_specs.runbook_slug(AlarmKey.SCD_INTEGRITY) == "alarm-scd-integrity"
    assert runbook_slug(ErrorType.DBT_TEST_FAILURE) == "error-dbt-test-failure"
    assert all(slug.replace("-", "").isalnum() and slug.islower() for slug in slugs)


# ---- alarm runbooks: parameters generated, prose free of numbers ---------------------------

ALARMS = alarm_set(documented_settings())
BLOCKS = blocks(ALARMS, documented_settings().prefix)


def test_every_alarm_runbook_opens_with_its_parameters():
    assert set(BLOCKS) == {f"{alarm_specs.runbook_slug(key)}.md" for key in AlarmKey}
    for page in BLOCKS:
        title, rest = (RUNBOOKS / page).read_text().split("\n\n", 1)
        assert title.startswith("# Alarm: ") and rest.startswith(BEGIN), page


@pytest.mark.parametrize("page", sorted(BLOCKS))
def test_alarm_parameters_are_generated_from_the_alarm_specs(page):
    text = (RUNBOOKS / page).read_text()
    assert with_block(text, BLOCKS[page]) == text, "run make docs"


def test_the_parameters_follow_the_specs():
    by_key = {spec.key: spec for spec in ALARMS.metric_alarms}
    lines = metric_alarm_block(by_key[AlarmKey.MISSED_RUN])
    hours = documented_settings().missed_run_hours
    assert (
        lines[0] == "- **Watches** `AWS/States ExecutionsSucceeded` (StateMachineArn), Sum per 1 h"
    )
    assert lines[1] == f"- **Fires** below 1 in {hours} of the last {hours} periods"
    assert lines[3] == "- **Notifies** the critical topic; recovery too"
    changed = dataclasses.replace(by_key[AlarmKey.DATA_QUALITY], threshold=90.5)
    assert metric_alarm_block(changed)[1] == "- **Fires** below 90.5"


def _prose(text: str) -> str:
    """The hand-written part of a runbook, without the generated block and code spans."""
    if BEGIN in text:
        before, rest = text.split(BEGIN, 1)
        text = before + rest.split(END, 1)[1]
    return re.sub(r"`[^`]*`", "`code`", text)


@pytest.mark.parametrize("page", sorted(BLOCKS))
def test_alarm_runbook_prose_leaves_thresholds_and_defaults_to_the_block(page):
    prose = _prose((RUNBOOKS / page).read_text())
    assert not re.findall(r"\bdefault\s+\d", prose), page
    assert not re.findall(r"(?:>=|<=|>|<)\s*\d", prose), page
    assert not re.findall(r"\b\d+ (?:minutes?|hours?|min|h)\b", prose), page


def test_the_topic_owners_example_statements_are_generated_from_the_grants():
    text = owner_grants_reference.RUNBOOK.read_text()
    expected = owner_grants_reference.block(owner_grants_reference.example_settings())
    assert owner_grants_reference.with_block(text, expected) == text, "run make docs"
    assert '"topicPolicyStatement"' in text
