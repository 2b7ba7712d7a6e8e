"""Run every benchmark script in bench/ (`python -m bench`), each in its own process."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def scripts() -> list[Path]:
    return sorted(path for path in HERE.glob("*.py") if not path.name.startswith("_"))


def main() -> int:
    failed = []
    for script in scripts():
        print(f"== bench/{script.name}", flush=True)
        module = f"bench.{script.stem}"
        if subprocess.run([sys.executable, "-m", module], cwd=ROOT, check=False).returncode:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
