"""A real store file in a temporary folder for each store test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from collector_app.store.db import Store, open_store
from payment_helpers import Paying, prepare
from signing import open_test_store


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "collector.sqlite3"


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    with open_test_store(store_path) as opened:
        yield opened


@pytest.fixture
def plain_store(store_path: Path) -> Iterator[Store]:
    """A plain store, for tests that read and edit its file with sqlite3 as an attacker holding the key
    would (tests/store/test_encryption.py and the command-line tests cover the encrypted file)."""
    with open_store(store_path) as opened:
        yield opened


@pytest.fixture
def paying(store: Store) -> Paying:
    """A device set up in `store` with a household enrolled in voluntary SI, ready to pay."""
    return prepare(store)
