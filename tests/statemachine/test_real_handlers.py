"""The reference state machine in moto, with the REAL monitoring handlers serving its Lambda tasks.

Only the user's own components are doubles: the Glue job's outcome and the dbt runner (which
answers with real run_results.json artifacts). The validator runs on DuckDB over a generated
warehouse, the error handler publishes to SNS topics whose inbox queue the test reads, and the
metrics are read back from moto's CloudWatch. Expected numbers come from the warehouse itself.
"""

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from moto import mock_aws
from moto.cloudwatch.models import cloudwatch_backends
from moto.core import DEFAULT_ACCOUNT_ID

from components.stack_file import stack_settings
from handlers import clock, error_handler, metrics_publisher
from handlers.contract import (
    NAMESPACE,
    AlertRoute,
    EnvVar,
    ErrorType,
    HandlerKey,
    Metric,
    MetricDef,
    Severity,
)
from local.dbt_runner import DbtRunner, dbt_test_ids
from local.emulator import Alert, AlertInbox, Emulator, create_alert_inbox
from local.monitoring import (
    LOCAL_ENVIRONMENT,
    create_handler_tables,
    handler_environment,
    handler_path,
)
from local.moto_integrations import GlueRunOutcome
from local.salesforce_users import ExtractPlan
from local.stepfunctions_runner import LocalPipeline, PipelineComponents, local_pipeline
from local.warehouse import (
    RAW_TABLE,
    SCD_TABLE,
    build_warehouse,
    plant_duplicate_current_row,
    plant_partial_extract,
)
from tests.frozen_time import ago, naive

PLAN = ExtractPlan(users=120, days=4)
FAILING_TEST = dbt_test_ids()[-1]
SCD_THRESHOLD = 98.0
DUPLICATED_USERS = 3  # of ~125: above the 2 users the 98 % threshold tolerates
PARTIAL_SHARE = 0.4  # of the latest extract's users: far above both breakers' defaults


@dataclass(frozen=True)
class Warehouses:
    healthy: Path
    duplicate_current_row: Path
    partial_extract: Path
    latest_extract_at: datetime


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> Warehouses:
    root = tmp_path_factory.mktemp("warehouse")
    healthy, broken = root / "healthy.duckdb", root / "duplicate.duckdb"
    partial = root / "partial.duckdb"
    # Naive UTC, as the raw table stores it; one hour old passes the 6 h freshness window.
    latest = naive(ago(hours=1))
    with duckdb.connect(str(healthy)) as connection:
        build_warehouse(connection, PLAN, latest)
    shutil.copyfile(healthy, broken)
    with duckdb.connect(str(broken)) as connection:
        plant_duplicate_current_row(connection, users=DUPLICATED_USERS)
    shutil.copyfile(healthy, partial)
    with duckdb.connect(str(partial)) as connection:
        plant_partial_extract(connection, share=PARTIAL_SHARE)
    return Warehouses(healthy, broken, partial, latest)


@dataclass
class Doubles:  # mutable: the shared state machine calls whatever is set here
    """The user's components for the current test."""

    glue: GlueRunOutcome = field(default_factory=GlueRunOutcome)
    dbt: DbtRunner = field(default_factory=DbtRunner)


@dataclass(frozen=True)
class Loop:
    pipeline: LocalPipeline
    inbox: AlertInbox
    cloud: Emulator
    doubles: Doubles
    environment: dict[str, str]

    def run(self, request: pytest.FixtureRequest):
        return self.pipeline.run(request.node.name[:80])


@pytest.fixture(scope="module")
def shared_loop(warehouses: Warehouses) -> Iterator[Loop]:
    """One moto, alert inbox and state machine for the module (setting them up dominates)."""
    doubles = Doubles()
    with mock_aws():
        cloud = Emulator(endpoint_url=None)
        inbox = create_alert_inbox(cloud, LOCAL_ENVIRONMENT)
        # One environment for every handler here: the union of each function's own.
        environment = {
            name: value
            for handler in HandlerKey
            for name, value in handler_environment(
                stack_settings(LOCAL_ENVIRONMENT), handler, inbox, warehouses.healthy
            ).items()
        }
        create_handler_tables(cloud, environment)
        components = PipelineComponents(
            dbt_runner=lambda event, context: doubles.dbt(event, context),  # noqa: PLW0108 - late bound
            pipeline_validator=handler_path(HandlerKey.PIPELINE_VALIDATOR),
            metrics_publisher=handler_path(HandlerKey.METRICS_PUBLISHER),
            error_handler=handler_path(HandlerKey.ERROR_HANDLER),
            environment=environment,  # read at each invocation: tests may change it
        )
        with local_pipeline(components, lambda job, arguments: doubles.glue) as pipeline:
            yield Loop(pipeline, inbox, cloud, doubles, environment)


@pytest.fixture
def loop(shared_loop: Loop, warehouses: Warehouses) -> Iterator[Loop]:
    """The shared loop with healthy doubles, an empty inbox and no metrics yet."""
    shared_loop.doubles.glue, shared_loop.doubles.dbt = GlueRunOutcome(), DbtRunner()
    shared_loop.environment[EnvVar.DUCKDB_PATH] = str(warehouses.healthy)
    shared_loop.inbox.drain()
    cloudwatch_backends[DEFAULT_ACCOUNT_ID][shared_loop.cloud.region].reset()
    error_handler.settings.cache_clear()
    metrics_publisher.settings.cache_clear()
    yield shared_loop
    error_handler.settings.cache_clear()
    metrics_publisher.settings.cache_clear()


def _values(loop: Loop, metric: MetricDef, stat: str) -> list[float]:
    end = clock.now() + timedelta(minutes=1)
    series = loop.cloud.metric_series(
        NAMESPACE,
        metric.name,
        metric.dimensions(LOCAL_ENVIRONMENT),
        stat=stat,
        start=end - timedelta(hours=1),
        end=end,
    )
    return [value for _, value in series]


def _minimum(loop: Loop, metric: MetricDef) -> float | None:
    return min(_values(loop, metric, "Minimum"), default=None)


def _maximum(loop: Loop, metric: MetricDef) -> float | None:
    return max(_values(loop, metric, "Maximum"), default=None)


def _sum(loop: Loop, metric: MetricDef) -> float | None:
    return loop.cloud.metric_sum(metric, metric.dimensions(LOCAL_ENVIRONMENT))


def _root_cause(alert: Alert) -> str:
    return alert.message.split("ROOT CAUSE", 1)[1].split("RECOMMENDED ACTIONS", 1)[0]


def _count(path: Path, sql: str, parameters: list[object]) -> int:
    with duckdb.connect(str(path), read_only=True) as connection:
        count: int = connection.execute(sql, parameters).fetchall()[0][0]
    return count


def test_healthy_run_publishes_contract_metrics_and_raises_no_alert(loop, warehouses, request):
    result = loop.run(request)

    assert result.status == "SUCCEEDED", result.cause
    assert loop.inbox.drain() == []
    latest, path = warehouses.latest_extract_at, warehouses.healthy
    expected = {
        Metric.RECORDS_PROCESSED: _count(
            path, f"SELECT count(*) FROM {RAW_TABLE} WHERE _extracted_at = ?", [latest]
        ),
        Metric.RECORDS_CREATED: _count(
            path, f"SELECT count(*) FROM {SCD_TABLE} WHERE valid_from = ?", [latest]
        ),
        Metric.RECORDS_UPDATED: _count(
            path, f"SELECT count(*) FROM {SCD_TABLE} WHERE valid_to = ?", [latest]
        ),
        Metric.RECORDS_DELETED: PLAN.deletions_per_day,
        Metric.DBT_TESTS_PASSED: len(dbt_test_ids()),
        Metric.DBT_TESTS_FAILED: 0,
        Metric.JOB_SUCCESS: 1,
        # moto's interpreter stamps StartTime from the same frozen clock the handlers read.
        Metric.EXECUTION_DURATION: 0,
    }
    assert {metric.name: _sum(loop, metric) for metric in expected} == {
        metric.name: value for metric, value in expected.items()
    }
    assert expected[Metric.RECORDS_CREATED] > expected[Metric.RECORDS_DELETED] > 0
    assert _minimum(loop, Metric.SCD_INTEGRITY_SCORE) == 100.0
    assert _minimum(loop, Metric.DATA_QUALITY_SCORE) == 100.0
    published = loop.cloud.client("cloudwatch").list_metrics(Namespace=NAMESPACE)["Metrics"]
    by_name = {metric.name: metric for metric in expected}
    for item in published:
        if item["MetricName"] in by_name:
            dimensions = {d["Name"]: d["Value"] for d in item["Dimensions"]}
            assert dimensions == by_name[item["MetricName"]].dimensions(LOCAL_ENVIRONMENT)


def test_glue_failure_alerts_the_critical_route_and_stops(loop, request):
    loop.doubles.glue = GlueRunOutcome("FAILED", "INVALID_SESSION_ID: Session expired")
    result = loop.run(request)

    assert result.status == "FAILED"
    assert result.error == ErrorType.GLUE_JOB_FAILURE
    (alert,) = loop.inbox.drain()
    assert alert.route == AlertRoute.CRITICAL
    assert alert.attributes == {
        "severity": Severity.HIGH,
        "error_type": ErrorType.GLUE_JOB_FAILURE,
    }
    assert "ended FAILED: INVALID_SESSION_ID: Session expired" in _root_cause(alert)
    assert _sum(loop, Metric.RECORDS_PROCESSED) is None  # nothing after the Glue job ran
    assert _minimum(loop, Metric.DATA_QUALITY_SCORE) is None
    errors = Metric.PIPELINE_ERRORS.dimensions(
        LOCAL_ENVIRONMENT, ErrorType=ErrorType.GLUE_JOB_FAILURE, Severity=Severity.HIGH
    )
    assert loop.cloud.metric_sum(Metric.PIPELINE_ERRORS, errors) == 1


def test_failing_dbt_test_alerts_naming_the_test(loop, request):
    loop.doubles.dbt = DbtRunner({FAILING_TEST: 3})
    result = loop.run(request)

    assert result.error == ErrorType.DBT_TEST_FAILURE
    (alert,) = loop.inbox.drain()
    assert alert.attributes["error_type"] == ErrorType.DBT_TEST_FAILURE
    assert alert.attributes["severity"] == Severity.MEDIUM
    assert alert.route == AlertRoute.WARNING
    assert FAILING_TEST in _root_cause(alert)
    assert "Got 3 results" in _root_cause(alert)
    assert _sum(loop, Metric.DBT_TESTS_FAILED) is None  # the publisher never ran


def test_duplicate_current_row_fails_scd_validation(loop, warehouses, request):
    loop.environment[EnvVar.DUCKDB_PATH] = str(warehouses.duplicate_current_row)
    result = loop.run(request)

    assert result.error == ErrorType.SCD_VALIDATION_FAILURE
    (alert,) = loop.inbox.drain()
    assert alert.attributes == {
        "severity": Severity.HIGH,
        "error_type": ErrorType.SCD_VALIDATION_FAILURE,
    }
    assert alert.route == AlertRoute.CRITICAL
    assert "current_record_uniqueness: observed 3" in _root_cause(alert)
    score = _minimum(loop, Metric.SCD_INTEGRITY_SCORE)
    assert score is not None and score < SCD_THRESHOLD
    assert _sum(loop, Metric.RECORDS_CREATED) is None


def test_a_partial_extract_stops_before_dbt_in_the_breaker_branch_and_pages(
    loop, warehouses, request
):
    loop.environment[EnvVar.DUCKDB_PATH] = str(warehouses.partial_extract)
    with duckdb.connect(str(warehouses.partial_extract), read_only=True) as connection:
        dimension_before = connection.execute(f"SELECT * FROM {SCD_TABLE} ORDER BY ALL").fetchall()
    dbt_calls: list[object] = []
    loop.doubles.dbt = lambda event, context: dbt_calls.append(event)  # type: ignore[assignment]
    result = loop.run(request)

    assert result.status == "FAILED"
    assert result.error == ErrorType.EXTRACT_BREAKER_TRIPPED
    entered = result.entered_states()
    assert entered[entered.index("ValidateIngestion") + 1 :] == [
        "IngestionPassed",
        "RecordExtractBreakerTripped",
        "NotifyFailure",
        "PipelineFailed",
    ]
    assert "RunDbt" not in entered and "TestDbt" not in entered
    assert dbt_calls == []  # dbt was never invoked
    with duckdb.connect(str(warehouses.partial_extract), read_only=True) as connection:
        assert connection.execute(f"SELECT * FROM {SCD_TABLE} ORDER BY ALL").fetchall() == (
            dimension_before
        )
    (alert,) = loop.inbox.drain()
    assert alert.attributes == {
        "severity": Severity.HIGH,
        "error_type": ErrorType.EXTRACT_BREAKER_TRIPPED,
    }
    assert alert.route == AlertRoute.CRITICAL
    cause = _root_cause(alert)
    assert "extract_volume_drop: observed" in cause and "vs threshold 20" in cause
    assert "mass_deletion: observed" in cause and "vs threshold 5" in cause
    change = _minimum(loop, Metric.EXTRACT_VOLUME_CHANGE)
    assert change is not None and change < -20
    share = _maximum(loop, Metric.PREDICTED_DELETION_SHARE)
    assert share is not None and share > 5
    assert _sum(loop, Metric.RECORDS_PROCESSED) is None  # the publisher never ran
