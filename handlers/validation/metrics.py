"""The CloudWatch data a validation report publishes, with the contract's dimensions."""

from __future__ import annotations

from datetime import datetime

from handlers.cloudwatch_metrics import MetricDatum, datum
from handlers.contract import Metric
from handlers.validation.runner import ValidationReport


def metric_data(
    report: ValidationReport, environment: str, timestamp: datetime
) -> list[MetricDatum]:
    """The scores this validation type produced, the extract's age (every ingestion run; a
    lower bound without an extract in the lookback), the circuit breakers' measures when they
    compared something, and Athena's bytes."""
    values = [
        (Metric.DATA_QUALITY_SCORE, report.data_quality_score),
        (Metric.DATA_FRESHNESS_HOURS, report.data_freshness_hours),
        (Metric.SCD_INTEGRITY_SCORE, report.scd_integrity_score),
        (Metric.EXTRACT_VOLUME_CHANGE, report.extract_volume_change),
        (Metric.PREDICTED_DELETION_SHARE, report.predicted_deletion_share),
        (Metric.MISSING_COLUMNS, report.missing_columns),
        (Metric.ATHENA_BYTES_SCANNED, report.bytes_scanned),
    ]
    return [
        datum(metric, value, environment, timestamp)
        for metric, value in values
        if value is not None
    ]
