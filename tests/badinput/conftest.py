"""The bad-input suite: every input of the window, the command lines, the household import and the server's API.

Each test tries bad values and checks that each gets one clear message and changes nothing; it counts
what it tried with `tally.bad_input(kind)` (kinds "form:…", "cli:…", "server-cli:…", "import:…",
"api:…", "export:…", "domain:…"). The counts are printed in pytest's summary; `--reliability-scale N`
runs the generated parts N times longer.

The server tests use the real server on 127.0.0.1 of `tests/server/conftest.py`, the form tests the
store of `tests/ui/conftest.py`: their fixtures are loaded from there (one definition, not a copy), and
the server's helpers (`server_helpers`) are importable.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from collector_app import i18n

_SERVER_TESTS = Path(__file__).resolve().parent.parent / "server"
if str(_SERVER_TESTS) not in sys.path:
    sys.path.insert(0, str(_SERVER_TESTS))


def _fixtures_of(name: str, conftest: Path) -> object:
    spec = importlib.util.spec_from_file_location(name, conftest)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_fixtures = _fixtures_of("badinput_server_fixtures", _SERVER_TESTS / "conftest.py")
empty_database = _fixtures.empty_database  # type: ignore[attr-defined]
server = _fixtures.server  # type: ignore[attr-defined]
policy_table = _fixtures.policy_table  # type: ignore[attr-defined]
point = _fixtures.point  # type: ignore[attr-defined]
supervisor = _fixtures.supervisor  # type: ignore[attr-defined]

# The window's forms are tried on the store of `tests/ui/conftest.py` (two households), each test with
# its own config folder (autouse there, and here for the whole suite: no test writes the user's own).
_ui = _fixtures_of("badinput_ui_fixtures", _SERVER_TESTS.parent / "ui" / "conftest.py")
store = _ui.store  # type: ignore[attr-defined]
ctx = _ui.ctx  # type: ignore[attr-defined]
own_config_folder = _ui.own_config_folder  # type: ignore[attr-defined]


@pytest.fixture
def english() -> Iterator[None]:
    """Messages in English, as with --lang en (the default is Vietnamese)."""
    previous = i18n.language()
    i18n.set_language("en")
    yield
    i18n.set_language(previous)
