"""The bad-input suite: every input of the window, the command lines, the household import and the server's API.

Each test tries bad values and checks that each gets one clear message and changes nothing; it counts
what it tried with `tally.bad_input(kind)` (kinds "form:…", "cli:…", "server-cli:…", "import:…",
"api:…", "export:…", "domain:…"). The counts are printed in pytest's summary; `--reliability-scale N`
runs the generated parts N times longer.

The server tests use the real server on 127.0.0.1 of `tests/server/conftest.py`: its fixtures are
loaded from there (one definition, not a copy), and its helpers (`server_helpers`) are importable.
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


def _server_fixtures() -> object:
    spec = importlib.util.spec_from_file_location("badinput_server_fixtures", _SERVER_TESTS / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_fixtures = _server_fixtures()
empty_database = _fixtures.empty_database  # type: ignore[attr-defined]
server = _fixtures.server  # type: ignore[attr-defined]
policy_table = _fixtures.policy_table  # type: ignore[attr-defined]
point = _fixtures.point  # type: ignore[attr-defined]
supervisor = _fixtures.supervisor  # type: ignore[attr-defined]


@pytest.fixture
def english() -> Iterator[None]:
    """Messages in English, as with --lang en (the default is Vietnamese)."""
    previous = i18n.language()
    i18n.set_language("en")
    yield
    i18n.set_language(previous)
