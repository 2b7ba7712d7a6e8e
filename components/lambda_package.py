"""The Lambda deployment package: `handlers/**/*.py` only, under `handlers/` in the zip.

The entry points in `handler_table.HANDLERS` (`handlers.<module>.handler`) resolve
because the package keeps the `handlers/` directory. Tests, caches and anything that is not
Python source stay out; Powertools comes from its Lambda layer, not from the package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pulumi

PACKAGE: Final = "handlers"
PROJECT_ROOT: Final = Path(__file__).resolve().parent.parent
_EXCLUDED_DIRS: Final = frozenset({"__pycache__", "tests", "test"})


def _is_shipped(relative: Path) -> bool:
    # Test files are named `test_*.py` here; `*_test.py` is a source name (`self_test.py`).
    name = relative.name
    if name == "conftest.py" or name.startswith("test_"):
        return False
    return not _EXCLUDED_DIRS.intersection(relative.parts)


def handler_sources(project_root: Path = PROJECT_ROOT) -> dict[str, Path]:
    """Archive path (`handlers/...py`) -> file on disk, sorted for a stable package hash."""
    root = project_root / PACKAGE
    if not root.is_dir():
        raise FileNotFoundError(f"no {PACKAGE}/ directory under {project_root}")
    sources = {}
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(project_root)
        if _is_shipped(relative):
            sources[relative.as_posix()] = path
    return sources


def handler_archive(project_root: Path = PROJECT_ROOT) -> pulumi.AssetArchive:
    return pulumi.AssetArchive(
        {name: pulumi.FileAsset(str(path)) for name, path in handler_sources(project_root).items()}
    )
