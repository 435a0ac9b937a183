"""The server's package carries the shared resources it reads: the wheel's data files (pyproject.toml) cover
them, and `collector_app.paths` finds them under the environment's prefix when no checkout is beside the code
(scripts/package_server.sh and scripts/check_server_install.sh install that way; too slow for the suite)."""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from collector_app import admin_units, paths, policies

ROOT = Path(__file__).resolve().parents[2]


def _data_files() -> dict[str, list[str]]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return dict(tomllib.load(handle)["tool"]["setuptools"]["data-files"])


def _installed_as(relative: str) -> str | None:
    """Where the wheel installs resources/`relative`, relative to the prefix; None if no pattern takes it."""
    for folder, patterns in _data_files().items():
        if any(fnmatch.fnmatch(f"resources/{relative}", pattern) for pattern in patterns):
            return f"{folder}/{Path(relative).name}"
    return None


def test_the_wheel_carries_the_resources_the_server_reads_where_paths_looks_for_them():
    read = [admin_units.UNITS_FILE,  # every commune a point is placed in is checked against it
            *(f"{policies.POLICY_FOLDER}/{path.name}" for path in paths.resource_path(policies.POLICY_FOLDER).iterdir())]
    for relative in read:
        assert _installed_as(relative) == f"share/{paths.APP_NAME}/resources/{relative}", relative


def test_without_a_checkout_beside_the_code_the_resources_are_found_under_the_prefix(tmp_path: Path):
    site = tmp_path / "site-packages"
    (site / "collector_app").mkdir(parents=True)
    (site / "collector_app" / "__init__.py").write_text("")
    shutil.copy(Path(paths.__file__), site / "collector_app" / "paths.py")
    found = subprocess.run([sys.executable, "-c", "from collector_app import paths; print(paths.resources_dir())"],
                           cwd=tmp_path, env={"PYTHONPATH": str(site)}, capture_output=True, text=True, check=True,
                           timeout=60)
    assert Path(found.stdout.strip()) == Path(sys.prefix) / "share" / paths.APP_NAME / "resources"
    assert paths.resources_dir() == ROOT / "resources"  # a checkout's own, here


def _environment_file() -> dict[str, str]:
    """The settings the package's environment file sets (uncommented), as the unit and the wrapper read them."""
    values = {}
    for line in (ROOT / "installers" / "server" / "environment").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value.strip("'")
    return values


def test_the_unit_starts_the_server_with_settings_the_environment_file_gives_and_the_server_knows():
    import re

    from provincial_server import settings

    unit = (ROOT / "installers" / "server" / "provincial-server.service").read_text(encoding="utf-8")
    start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    given = _environment_file()
    assert set(re.findall(r"\$\{(\w+)\}", start)) <= set(given), start
    assert "User=provincial-server" in unit and "EnvironmentFile=/etc/provincial-server/environment" in unit
    known = {value for name, value in vars(settings).items() if name.endswith("_VARIABLE")}
    # Every setting the file names, commented out or not, is one the server reads, or one the unit passes on.
    named = set(re.findall(r"^#?(PROVINCIAL_SERVER_\w+)=", (ROOT / "installers" / "server" / "environment")
                           .read_text(encoding="utf-8"), re.MULTILINE))
    assert named - known == set(re.findall(r"\$\{(\w+)\}", start)), named - known
    assert given[settings.DATA_DIR_VARIABLE] == "/var/lib/provincial-server"
    assert f"StateDirectory={Path(given[settings.DATA_DIR_VARIABLE]).name}" in unit
