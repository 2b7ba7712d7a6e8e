"""`python -m local.demo` end to end: exit status, today's three runs in the report, the preview,
the README's CLI gate. (The history and the alarm timeline: test_history.py.)"""

import contextlib
import io
import random
import re
from dataclasses import fields

import pytest

from handlers.validation import cli
from local import demo
from local.replay import StageSeconds
from local.salesforce_users import ExtractPlan

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _section(report: str, start: str, end: str) -> str:
    return report.split(start, 1)[1].split(end, 1)[0]


def test_demo_exits_zero_and_writes_the_preview(demo_run):
    assert demo_run.status == 0
    preview = demo_run.build / "dashboard-preview.png"
    assert preview.read_bytes().startswith(PNG_SIGNATURE)
    assert demo_run.result.preview == preview
    assert "Dashboard preview (same widget specs as the deployed dashboard): " in demo_run.report
    assert str(preview.name) in demo_run.report
    assert "the local AWS is stopped" in demo_run.report


def test_healthy_run_passes_everything_and_alerts_nobody(demo_run):
    report = demo_run.report
    healthy = _section(report, "Run 1 of 3: healthy", "Run 2 of 3: broken")
    assert "FAIL " not in healthy
    assert "PASS  scd_integrity_score" in healthy
    assert "Alerts received in the SQS inbox (subscribed to both alert topics):\n  none" in healthy
    assert "\n  ALARM " not in healthy
    assert "RecordsCreated" in healthy and "JobSuccess" in healthy
    assert "healthy  SUCCEEDED  failed checks: 0  alerts: 0  alarms in ALARM: 0" in report


def test_broken_run_fails_the_planted_checks_alerts_and_alarms(demo_run):
    report = demo_run.report
    broken = _section(report, "Run 2 of 3: broken", "Run 3 of 3: partial")
    for check in ("data_freshness", "current_record_uniqueness", "validity_continuity"):
        assert f"FAIL  {check}" in broken
    assert "PASS  data_quality_score" in broken  # staleness is not a row-level defect
    for error_type, severity, route in (
        ("data_quality_failure", "MEDIUM", "warning"),
        ("dbt_test_failure", "MEDIUM", "warning"),
        ("scd_validation_failure", "HIGH", "critical"),
    ):
        assert f"{error_type}: severity {severity}, delivered via the {route} topic" in broken
    assert demo.FAILING_TEST in broken
    assert "the emulator evaluates no alarms" in broken
    for alarm in ("SCDIntegrity", "DataFreshness", "StepFunctionsFailure", "DbtRunnerError"):
        assert f"  ALARM              sf-user-pipeline-local-{alarm} " in broken
    in_alarm = broken.count("\n  ALARM ")
    summary = f"failed checks: 4  alerts: 3  alarms in ALARM: {in_alarm}"
    assert f"broken   FAILED     {summary}" in report


def test_the_partial_extract_trips_the_breakers_and_stops_before_dbt(demo_run):
    partial = _section(demo_run.report, "Run 3 of 3: partial", "Alarm timeline over the fortnight")
    breaker = demo_run.result.breaker
    assert breaker.dbt_invocations == 0
    assert breaker.dimension_after == breaker.dimension_before
    assert "Stages: RunGlueJob ok -> ValidateIngestion FAILED\n" in partial
    assert "RunDbt, TestDbt, ValidateScd, PublishMetrics never ran" in partial
    assert re.search(
        r"dbt runner invocations: 0; dimension \S+: (\d+) versions before, \1 after \(unchanged\)",
        partial,
    )
    for check, alarm in (
        ("extract_volume_drop", "ExtractVolumeDrop"),
        ("mass_deletion", "MassDeletion"),
    ):
        assert f"FAIL  {check}" in partial
        assert f"- {check}: observed " in partial  # the alert's root cause says by how much
        assert f"  ALARM              sf-user-pipeline-local-{alarm} " in partial
    assert "PASS  expected_columns" in partial
    assert "PASS  min_record_count" in partial
    assert "extract_breaker_tripped: severity HIGH, delivered via the critical topic" in partial
    assert "partial  FAILED     failed checks: 2  alerts: 1" in demo_run.report


def test_simulated_values_are_labelled_in_the_report(demo_run):
    healthy = _section(demo_run.report, "Run 1 of 3: healthy", "Run 2 of 3: broken")
    (athena,) = [line for line in healthy.splitlines() if "AthenaBytesScanned" in line]
    assert athena.endswith("(simulated)")
    assert all(
        line.endswith("(simulated)") is ("AthenaBytesScanned" in line)
        for line in healthy.splitlines()
        if "Environment=local" in line
    )


def test_the_readmes_cli_gate_fails_on_the_broken_warehouse_only(demo_run):
    for warehouse, status in (("warehouse-healthy", 0), ("warehouse-broken", 1)):
        path = demo_run.build / "demo" / f"{warehouse}.duckdb"
        with contextlib.redirect_stdout(io.StringIO()):
            assert cli.main(["--duckdb", str(path), "--type", "scd_integrity"]) == status


def test_users_beyond_what_todays_slots_hold_are_refused_by_name(capsys):
    most = demo.max_users()
    assert most >= ExtractPlan.users
    with pytest.raises(SystemExit) as exit_:
        demo.main(["--users", str(most + 1)])
    assert exit_.value.code == 2
    assert f"--users: must be between 1 and {most}" in capsys.readouterr().err


def test_the_longest_run_bounds_every_drawn_run():
    for seed in range(200):
        stages = StageSeconds.typical(random.Random(seed), rows=demo.max_users())
        total = sum(getattr(stages, f.name) for f in fields(stages) if f.name != "self_test")
        total += stages.alert * (demo.MOST_ALERTS - 1)
        assert total <= StageSeconds.longest_run(demo.max_users(), demo.MOST_ALERTS)
    assert (
        StageSeconds.longest_run(demo.max_users() + 1, demo.MOST_ALERTS)
        > min(demo.TODAYS_SLOTS).total_seconds()
    )
