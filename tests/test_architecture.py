"""The layers stay as designed: import-linter's contracts (pyproject.toml) hold on the whole tree."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_module_says_what_belongs_in_it():
    missing = []
    modules = [*(ROOT / "collector_app").rglob("*.py"), *(ROOT / "provincial_server").rglob("*.py")]
    for path in sorted(modules):
        source = path.read_text(encoding="utf-8").lstrip()
        if path.name == "__init__.py" and not source:
            continue
        if not source.startswith(('"""', "'''")):
            missing.append(str(path.relative_to(ROOT)))
    assert missing == []


STRICT_PACKAGES = ["domain", "wire.py", "store", "services", "receipts", "sync", "demo"]


def test_the_core_layers_pass_mypy_strict():
    mypy = Path(sys.executable).with_name("mypy")
    targets = [f"collector_app/{name}" for name in STRICT_PACKAGES if (ROOT / "collector_app" / name).exists()]
    targets.append("provincial_server")
    result = subprocess.run([str(mypy), "--strict", "--no-incremental", *targets], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


def test_the_window_starts_without_the_spreadsheet_library():
    """openpyxl costs the window 12 MB and 0.17 s at start (its peak at a million people is held under
    250 MB); only writing or reading a workbook imports it."""
    probe = ("import sys\nimport collector_app.ui.app, collector_app.ui.main_window\n"
             "print(sorted(name for name in sys.modules if name.split('.')[0] == 'openpyxl'))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_no_two_test_modules_share_a_name():
    # The test folders are not packages: pytest imports each module by its file name, and a second module of
    # the same name stops the whole suite's collection.
    names = [path.name for path in (ROOT / "tests").rglob("test_*.py")]
    assert sorted({name for name in names if names.count(name) > 1}) == []
