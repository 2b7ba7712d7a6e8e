"""Cold import time of each handler module against two baselines, in fresh processes.

A Lambda cold start pays the handler's import once. The baselines are what any handler here
would pay anyway:
- lean: `import boto3`, Powertools `Logger()` and one boto3 client;
- usual: the same plus Powertools `Tracer()` and Parser, the set most Powertools handlers start
  with (`Tracer()` imports the X-Ray SDK even when tracing is disabled).
Each handler is imported with tracing switched off (`POWERTOOLS_TRACE_DISABLED=true`, what the
stack sets for `tracingEnabled: false`) and on (the default).
"""

import importlib.util
import os
import statistics
import subprocess
import sys
from pathlib import Path

from handlers.contract import EnvVar

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 11
MODULES = ("handlers.metrics_publisher", "handlers.error_handler", "handlers.pipeline_validator")
LEAN = """
import boto3
from aws_lambda_powertools import Logger
Logger()
boto3.client("cloudwatch")
"""
USUAL = """
import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.parser import parse
Logger()
Tracer()
boto3.client("cloudwatch")
"""
TIMER = "import time\nstarted = time.perf_counter()\n{code}\nprint(time.perf_counter() - started)"


def _environment(trace_disabled: bool) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POWERTOOLS_")}
    environment["AWS_DEFAULT_REGION"] = environment.get("AWS_DEFAULT_REGION", "us-east-1")
    if trace_disabled:
        environment[EnvVar.POWERTOOLS_TRACE_DISABLED] = "true"
    return environment


def cold_seconds(variants: dict[str, tuple[str, bool]]) -> dict[str, float]:
    """Median wall time of each variant's code in fresh interpreters. Rounds interleave the
    variants, so load from other processes weighs on all of them alike."""
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(REPEATS):
        for name, (code, trace_disabled) in variants.items():
            completed = subprocess.run(
                [sys.executable, "-c", TIMER.format(code=code)],
                cwd=ROOT, env=_environment(trace_disabled), capture_output=True, text=True,
                check=True,
            )  # fmt: skip
            samples[name].append(float(completed.stdout.strip().splitlines()[-1]))
    return {name: statistics.median(values) for name, values in samples.items()}


def available(module: str) -> bool:
    sys.path.insert(0, str(ROOT))
    try:
        return importlib.util.find_spec(module) is not None
    finally:
        sys.path.pop(0)


def main() -> None:
    variants = {"lean": (LEAN, False), "usual": (USUAL, False)}
    for module in (m for m in MODULES if available(m)):
        variants[f"{module} off"] = (f"import {module}", True)
        variants[f"{module} on"] = (f"import {module}", False)
    seconds = cold_seconds(variants)
    lean, usual = seconds.pop("lean"), seconds.pop("usual")
    print(f"median of {REPEATS} fresh processes per variant, interleaved")
    print(f"baseline lean  (boto3 + Logger() + one client)       = {lean:.3f} s")
    print(f"baseline usual (lean + Tracer() + Parser)             = {usual:.3f} s")
    print(f"{'module':<30} {'tracing':>8} {'seconds':>8} {'x lean':>7} {'x usual':>8}")
    for name, value in seconds.items():
        module, tracing = name.split()
        print(f"{module:<30} {tracing:>8} {value:>8.3f} {value / lean:>7.2f} {value / usual:>8.2f}")
    for module in (m for m in MODULES if not available(m)):
        print(f"{module:<30} {'absent':>8}")


if __name__ == "__main__":
    main()
