"""The layers stay as designed: import-linter's contracts (pyproject.toml) hold on the whole tree."""

from __future__ import annotations

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
