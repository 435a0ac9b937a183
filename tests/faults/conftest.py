"""Fixtures of the fault suite: the real provincial server on 127.0.0.1 (SQLite, one per module) and a
new enrolled device per test (`fault_checks.new_device`). The sync tests run every server test on
PostgreSQL too; the faults here are the device's, so one backend keeps the suite inside its CI budget."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fault_checks import new_device, write_household_list
from sync_helpers import Collector, RunningServer, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("server"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def device(tmp_path: Path, server: RunningServer) -> Collector:
    return new_device(tmp_path / "device", server)


@pytest.fixture(scope="session")
def household_list(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A 20,000-row household list (CSV) and how many households it holds."""
    path = tmp_path_factory.mktemp("import") / "households.csv"
    return path, write_household_list(path)
