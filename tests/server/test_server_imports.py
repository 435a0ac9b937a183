"""The server installs without Qt: it runs with none of the packages only the desktop's lock installs.

A province installs `requirements/server.lock` and `.[server]` (scripts/check_server_install.sh builds
such a virtualenv; too slow for the suite). Here a fresh interpreter in which every desktop-only package
(PySide6, reportlab, babel, the test tools, ...) is made absent imports every module of
`provincial_server`, builds the app, and runs the `provincial-server` command through `migrate`: a
desktop-only package the server needs fails it; one a library only tries (mako tries pygments) does not.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.utils import canonicalize_name
from server_helpers import SERVER_EXE
from provincial_server.store.db import head_revision

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", re.MULTILINE)
# Run first in the fresh interpreter: the packages named in argv[1] cannot be imported, as in the
# server's virtualenv, and what would have imported them is noted.
WITHOUT = """
import importlib.abc, json, sys
ABSENT = set(json.loads(sys.argv.pop(1)))
TRIED = []
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.partition(".")[0] in ABSENT:
            TRIED.append(name)
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Absent())
"""


def locked(name: str) -> set[str]:
    return {canonicalize_name(found) for found in PIN.findall((ROOT / "requirements" / name).read_text("utf-8"))}


def desktop_only_modules() -> set[str]:
    """Top-level modules of the packages the desktop's lock installs and the server's does not."""
    desktop_only = locked("desktop.lock") - locked("server.lock")
    return {module for module, distributions in packages_distributions().items()
            if any(canonicalize_name(d) in desktop_only for d in distributions)}


def test_desktop_only_modules_are_known():
    """The list the other tests check against is the real one (it would pass vacuously if empty)."""
    assert {"PySide6", "shiboken6", "reportlab", "babel", "sqlite_utils", "zxingcpp", "pytest"} <= desktop_only_modules()
    assert not {"sqlalchemy", "fastapi", "argon2", "collector_app"} & desktop_only_modules()


def run_without_desktop_packages(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    absent = json.dumps(sorted(desktop_only_modules()))
    return subprocess.run([sys.executable, "-c", WITHOUT + code, absent, *args], capture_output=True, text=True,
                          timeout=120)


def test_a_desktop_package_is_absent_there():
    """The check can fail: the server's interpreter cannot import PySide6 (nor what imports it)."""
    result = run_without_desktop_packages("import collector_app.ui.main_window")
    assert result.returncode == 1 and "ModuleNotFoundError" in result.stderr


def test_every_server_module_imports_and_the_app_builds_without_desktop_packages(tmp_path: Path):
    database_url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    assert subprocess.run([str(SERVER_EXE), "migrate", "--database-url", database_url], timeout=120).returncode == 0
    # Not imported: __main__ (it runs the command) and Alembic's scripts (run by `migrate`, below).
    walk = (
        "import importlib, pkgutil, provincial_server\n"
        "names = [m.name for m in pkgutil.walk_packages(provincial_server.__path__, 'provincial_server.')\n"
        "         if m.name != 'provincial_server.__main__' and '.migrations.' not in m.name]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "from provincial_server.app import create_app\n"
        "from provincial_server.settings import ServerSettings\n"
        "create_app(ServerSettings(database_url=sys.argv[1]))\n"
        "print(len(names))\n"
    )
    result = run_without_desktop_packages(walk, database_url)
    assert result.returncode == 0, result.stderr[-3000:]
    assert int(result.stdout) > 50  # the walk found the server's modules


def test_the_server_command_runs_without_desktop_packages(tmp_path: Path):
    run_command = "import runpy; sys.argv[0] = sys.argv[1]; del sys.argv[1]; runpy.run_path(sys.argv[0], run_name='__main__')"
    database_url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    for args in (["--help"], ["migrate", "--database-url", database_url]):
        result = run_without_desktop_packages(run_command, str(SERVER_EXE), *args)
        assert result.returncode == 0, result.stderr[-3000:]
    assert f"database at schema {head_revision()}" in result.stdout + result.stderr
