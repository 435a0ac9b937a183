"""A real store file in a temporary folder for each store test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from collector_app.store.db import Store
from signing import open_test_store


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "collector.sqlite3"


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    with open_test_store(store_path) as opened:
        yield opened
