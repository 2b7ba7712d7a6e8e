"""PutMetricData calls made by `cloudwatch_metrics.publish` vs one call per 20 metrics.

The baseline is the classic pattern (PutMetricData's old 20-item limit, still common in
examples). The client is a counting stand-in, so this measures the calls `publish` makes.
"""

import math

from handlers import aws_clients, clock, cloudwatch_metrics
from handlers.contract import ErrorType, Metric, Severity

BASELINE_ITEMS_PER_CALL = 20
SIZES = (15, 1_000, 10_000)


class CountingCloudWatch:
    def __init__(self) -> None:
        self.calls = 0
        self.items = 0

    def put_metric_data(self, Namespace: str, MetricData: list) -> dict:  # noqa: N803
        self.calls += 1
        self.items += len(MetricData)
        return {}


def _data(count: int) -> list[dict]:
    when = clock.now()
    kinds = list(ErrorType)
    return [
        cloudwatch_metrics.datum(
            Metric.PIPELINE_ERRORS, 1, "prod", when,
            ErrorType=kinds[index % len(kinds)], Severity=Severity.HIGH,
        )
        for index in range(count)
    ]  # fmt: skip


def main() -> None:
    print(f"{'metrics':>8} {'calls':>6} {'baseline':>9} {'fewer calls (x)':>16}")
    for size in SIZES:
        fake = CountingCloudWatch()
        aws_clients.reset()
        original = aws_clients.client
        aws_clients.client = lambda service, fake=fake: fake  # type: ignore[assignment]
        try:
            result = cloudwatch_metrics.publish(_data(size))
        finally:
            aws_clients.client = original
        assert result.calls == fake.calls and fake.items == size
        baseline = math.ceil(size / BASELINE_ITEMS_PER_CALL)
        print(f"{size:>8} {fake.calls:>6} {baseline:>9} {baseline / fake.calls:>16.1f}")


if __name__ == "__main__":
    main()
