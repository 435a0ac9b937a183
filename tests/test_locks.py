"""The hashed locks in requirements/ stay in step with pyproject.toml (no network: the files are read).

`scripts/lock.sh` writes them; `scripts/setup.sh` and CI install from them with `--require-hashes`. A
dependency added, removed or tightened in pyproject.toml without running the script fails here.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
NAME = canonicalize_name(PROJECT["name"])
# What the locks are made for (scripts/lock.sh): CPython 3.11 on Linux x86_64.
TARGET = {**default_environment(), "python_version": "3.11", "python_full_version": "3.11.0",
          "sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64",
          "os_name": "posix", "implementation_name": "cpython", "platform_python_implementation": "CPython"}
LOCKS = {"desktop.lock": ("test",), "server.lock": ("server",), "build.lock": ("build",)}
PROJECT_ITSELF = f"{PROJECT['name']} (pyproject.toml)"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


@dataclass
class Pin:
    version: Version
    hashes: int = 0
    via: set[str] = field(default_factory=set)


def read_lock(text: str) -> dict[str, Pin]:
    """uv's output: `name==version \\`, its `--hash=sha256:` lines, then `# via` the packages that need it."""
    pins: dict[str, Pin] = {}
    current: Pin | None = None
    for raw in text.splitlines():
        line = raw.strip()
        pinned = PIN.match(raw)
        if pinned:
            current = pins[canonicalize_name(pinned[1])] = Pin(Version(pinned[2]))
        elif current and line.startswith("--hash=sha256:"):
            current.hashes += 1
        elif current and line.startswith("# via"):
            current.via.update(filter(None, [line.removeprefix("# via").strip()]))
        elif current and line.startswith("#   "):
            current.via.add(line.removeprefix("#").strip())
    return pins


def required(extras: tuple[str, ...]) -> list[Requirement]:
    """The project's own dependencies and those of `extras` (the project's extras naming each other followed)."""
    requirements: list[Requirement] = []
    seen: set[str | None] = set()
    pending: list[str | None] = [None, *extras]
    while pending:
        extra = pending.pop()
        if extra in seen:
            continue
        seen.add(extra)
        texts = PROJECT["dependencies"] if extra is None else PROJECT["optional-dependencies"][extra]
        for text in texts:
            requirement = Requirement(text)
            if canonicalize_name(requirement.name) == NAME:
                pending.extend(requirement.extras)
            elif requirement.marker is None or requirement.marker.evaluate(TARGET):
                requirements.append(requirement)
    return requirements


def lock(name: str) -> dict[str, Pin]:
    return read_lock((ROOT / "requirements" / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("lock_name", LOCKS)
def test_every_dependency_is_locked_at_a_version_pyproject_allows(lock_name):
    pins = lock(lock_name)
    wrong = []
    for requirement in required(LOCKS[lock_name]):
        pin = pins.get(canonicalize_name(requirement.name))
        if pin is None:
            wrong.append(f"{requirement}: not in the lock")
        elif not requirement.specifier.contains(pin.version, prereleases=True):
            wrong.append(f"{requirement}: locked at {pin.version}")
    assert wrong == [], f"run `bash scripts/lock.sh`: {wrong}"


@pytest.mark.parametrize("lock_name", LOCKS)
def test_the_lock_names_no_dependency_pyproject_dropped(lock_name):
    direct = {name for name, pin in lock(lock_name).items() if PROJECT_ITSELF in pin.via}
    assert direct == {canonicalize_name(r.name) for r in required(LOCKS[lock_name])}, "run `bash scripts/lock.sh`"


@pytest.mark.parametrize("lock_name", LOCKS)
def test_every_locked_package_carries_its_hashes(lock_name):
    pins = lock(lock_name)
    assert len(pins) > 10
    assert [name for name, pin in pins.items() if pin.hashes == 0] == []


def test_the_server_lock_holds_no_desktop_package():
    desktop_only = {canonicalize_name(Requirement(text).name) for text in PROJECT["optional-dependencies"]["desktop"]}
    desktop_only |= {"pyside6-essentials", "pyside6-addons", "shiboken6", "rl-accel", "pillow", "lxml"}
    assert desktop_only & set(lock("server.lock")) == set()


@pytest.mark.parametrize("lock_name", ["server.lock", "build.lock"])
def test_the_server_and_the_bundle_run_the_versions_the_tests_ran(lock_name):
    """The server's packages, and the bundle's (PyInstaller installed over the desktop lock, which must not
    move a package the tests ran), at the desktop lock's versions."""
    desktop, other = lock("desktop.lock"), lock(lock_name)
    assert {name: (pin.version, desktop[name].version) for name, pin in other.items()
            if name in desktop and desktop[name].version != pin.version} == {}
    if lock_name == "server.lock":
        assert set(other) - set(desktop) == set()


def test_known_broken_pyside6_stays_excluded():
    pyside = next(r for r in required(("desktop",)) if canonicalize_name(r.name) == "pyside6")
    assert not pyside.specifier.contains("6.12.0")  # steals references to True/None (ui/qt_compat.py)
    assert lock("desktop.lock")["pyside6"].version != Version("6.12.0")


def test_reading_a_lock_finds_a_changed_pin():
    """The reader itself: a pin, its hashes, and the packages it is there for, as uv writes them."""
    text = (
        "alembic==1.20.1 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n    # via collector-app (pyproject.toml)\n"
        "mako==1.4.3 \\\n    --hash=sha256:cc\n    # via\n    #   -c requirements/desktop.lock\n    #   alembic\n"
    )
    pins = read_lock(text)
    assert pins["alembic"] == Pin(Version("1.20.1"), 2, {PROJECT_ITSELF})
    assert pins["mako"] == Pin(Version("1.4.3"), 1, {"-c requirements/desktop.lock", "alembic"})
