"""Cold import time of each handler module vs `import boto3` alone, in fresh processes.

A Lambda cold start pays the handler's import once; this shows what Powertools, pydantic and
the handler's own modules add on top of boto3 (which every handler needs anyway).
"""

import importlib.util
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 5
BASELINE = "boto3"
MODULES = ("handlers.metrics_publisher", "handlers.error_handler", "handlers.pipeline_validator")
TIMER = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def cold_import_seconds(module: str) -> float:
    samples = []
    for _ in range(REPEATS):
        completed = subprocess.run(
            [sys.executable, "-c", TIMER.format(module=module)],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        samples.append(float(completed.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


def available(module: str) -> bool:
    sys.path.insert(0, str(ROOT))
    try:
        return importlib.util.find_spec(module) is not None
    finally:
        sys.path.pop(0)


def main() -> None:
    baseline = cold_import_seconds(BASELINE)
    print(f"median of {REPEATS} fresh processes; baseline `import {BASELINE}` = {baseline:.3f} s")
    print(f"{'module':<32} {'seconds':>8} {'x boto3':>8}")
    for module in MODULES:
        if not available(module):
            print(f"{module:<32} {'absent':>8} {'-':>8}")
            continue
        seconds = cold_import_seconds(module)
        print(f"{module:<32} {seconds:>8.3f} {seconds / baseline:>8.2f}")


if __name__ == "__main__":
    main()
