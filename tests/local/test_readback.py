from components.alarm_set import alarm_set
from handlers.contract import Metric
from local.readback import alarm_statistics
from tests.unit.settings_fixtures import make_settings


def test_each_watched_metric_is_read_as_its_alarm_takes_it():
    statistics = alarm_statistics(alarm_set(make_settings()).metric_alarms)
    assert statistics[Metric.DATA_QUALITY_SCORE.name] == "Minimum"
    assert statistics[Metric.PREDICTED_DELETION_SHARE.name] == "Maximum"
    assert statistics[Metric.EXTRACT_VOLUME_CHANGE.name] == "Minimum"
    assert statistics[Metric.DATA_FRESHNESS_HOURS.name] == "Maximum"
    assert "ExecutionTime" not in statistics  # AWS/States: not read back
