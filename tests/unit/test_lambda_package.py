"""The Lambda package holds handler sources only, under handlers/."""

from components.lambda_package import handler_archive, handler_sources


def _tree(root, files):
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def test_only_python_sources_outside_tests_and_caches(tmp_path):
    _tree(
        tmp_path,
        [
            "handlers/__init__.py",
            "handlers/error_handler.py",
            "handlers/rules/severity.py",
            "handlers/self_test.py",
            "handlers/__pycache__/error_handler.cpython-312.pyc",
            "handlers/__pycache__/stale.py",
            "handlers/tests/test_error_handler.py",
            "handlers/test_inline.py",
            "handlers/conftest.py",
            "handlers/notes.md",
            "tests/test_contract.py",
            "requirements-dev.txt",
        ],
    )
    assert list(handler_sources(tmp_path)) == [
        "handlers/__init__.py",
        "handlers/error_handler.py",
        "handlers/rules/severity.py",
        "handlers/self_test.py",
    ]


def test_archive_of_the_real_project_keeps_the_handlers_directory():
    archive = handler_archive()
    assert "handlers/contract.py" in archive.assets
    assert all(name.startswith("handlers/") for name in archive.assets)
