"""Fixtures for domain tests: the shipped policy table, and a fresh copy of its document to vary."""

from __future__ import annotations

from typing import Any

import pytest

from collector_app.domain.policy import PolicyTable
from collector_app.policies import current_table, shipped_documents


@pytest.fixture(scope="session")
def policy_table() -> PolicyTable:
    return current_table()


@pytest.fixture
def policy_document() -> dict[str, Any]:
    """The newest shipped table as a plain (deep-copied) mapping, for tests that change one value."""
    documents = shipped_documents()
    return max(documents.values(), key=lambda d: tuple(int(p) for p in d["version"].split(".")))
