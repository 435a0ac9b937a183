"""Fixtures: the real provincial server on 127.0.0.1, a fault proxy in front of it, an enrolled collector.

One server per test module (`server`), a fresh one for tests that stop it or change what it
publishes (`own_server`). The helpers are in `sync_helpers.py` (a conftest cannot be imported
safely: every test folder has one).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fault_proxy import FaultProxy
from sync_helpers import Collector, RunningServer, new_collector, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("server"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[RunningServer]:
    """A server for this test alone: it may be stopped, or publish what others should not see."""
    running = start_server(tmp_path / "own-server")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def proxy(server: RunningServer) -> Iterator[FaultProxy]:
    between = FaultProxy(server.port)
    try:
        yield between
    finally:
        between.close()


@pytest.fixture
def collector(tmp_path: Path, server: RunningServer) -> Collector:
    return new_collector(tmp_path / "device", server)
