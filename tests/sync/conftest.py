"""Fixtures: the real provincial server on 127.0.0.1, a fault proxy in front of it, an enrolled collector.

Every server fixture is parametrized by database (ids `sqlite`, `postgresql`), so each test that
uses one runs on both: SQLite is a new file served by one worker; PostgreSQL is a new database in
the session's throw-away cluster (`tests/pg_cluster.py`: skipped when PostgreSQL is not installed,
failed instead under `REQUIRE_POSTGRESQL=1`), migrated, served by two workers. One server per test
module and database (`server`), a fresh one for tests that stop it or change what it publishes
(`own_server`, `own_server_without_policy`). The helpers are in `sync_helpers.py` (a conftest
cannot be imported safely: every test folder has one).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fault_proxy import FaultProxy
from sync_helpers import BACKENDS, Collector, RunningServer, new_collector, start_server_on


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The server's database, "sqlite" or "postgresql": module-scoped, so a module runs on one, then the other."""
    return str(request.param)


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest, backend: str, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[RunningServer]:
    running = start_server_on(request, backend, tmp_path_factory.mktemp(f"server-{backend}"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def own_server(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[RunningServer]:
    """A server for this test alone: it may be stopped, or publish what others should not see."""
    running = start_server_on(request, backend, tmp_path / "own-server")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def own_server_without_policy(request: pytest.FixtureRequest, backend: str, tmp_path: Path
                              ) -> Iterator[RunningServer]:
    """A server for this test alone that has published no policy table yet."""
    running = start_server_on(request, backend, tmp_path / "own-server", publish_policy=False)
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
