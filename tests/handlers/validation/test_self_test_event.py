"""Only the canary's exact event is the validator's self-test; a real event carrying the key is
validated (it must never be answered with `SELECT 1`)."""

from moto import mock_aws

from handlers import pipeline_validator
from handlers.contract import EnvVar
from tests.handlers.validation.test_pipeline_validator_handler import EXECUTION, FakeContext


@mock_aws
def test_a_validation_event_carrying_the_self_test_key_is_validated(monkeypatch, seed_warehouse):
    monkeypatch.setenv(EnvVar.ENVIRONMENT, "dev")
    monkeypatch.setenv(EnvVar.QUERY_ENGINE, "duckdb")
    monkeypatch.setenv(EnvVar.DUCKDB_PATH, str(seed_warehouse.path))
    event = {"self_test": True, "validation_type": "scd_integrity", "execution": EXECUTION}
    output = pipeline_validator.handler(event, FakeContext())
    assert output["validation_type"] == "scd_integrity" and "self_test" not in output
    assert output["scd_integrity_score"] == 100.0
