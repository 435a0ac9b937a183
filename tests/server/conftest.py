"""Fixtures: a real provincial server (`provincial-server serve`, uvicorn) on 127.0.0.1, on SQLite and on PostgreSQL.

The `server` fixture is parametrized by backend (ids `sqlite`, `postgresql`), so every test that
uses it runs once on each: SQLite is a fresh file with one worker; PostgreSQL is a fresh database in
a throw-away cluster (`tests/pg_cluster.py`), migrated with `provincial-server migrate`, served by two
workers. One server per backend per session; each test makes its own collection point and devices,
so tests do not see each other's data; `own_server` is a fresh one for a test alone. Helpers to enrol
devices and build records are in `server_helpers.py`.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from server_helpers import (
    POLICY_FILE,
    SERVER_EXE,
    Device,
    Server,
    Supervisor,
    add_supervisor,
    enrol,
    free_port,
    fresh_database_url,
    log_in,
    new_point,
)

from collector_app.domain.policy import PolicyTable

BACKENDS = ("sqlite", "postgresql")
WORKERS = {"sqlite": 1, "postgresql": 2}


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database, on each backend in turn."""
    return fresh_database_url(request, request.param, tmp_path)


@pytest.fixture(scope="session", params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with _serving(request, request.param, tmp_path_factory.mktemp(f"server-{request.param}")) as running:
        yield running


@pytest.fixture(params=BACKENDS)
def own_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """A server for this test alone, for what changes the whole province (its release key, say)."""
    folder = tmp_path / "own-server"
    folder.mkdir()
    with _serving(request, request.param, folder) as running:
        yield running


@contextmanager
def _serving(request: pytest.FixtureRequest, backend: str, folder: Path) -> Iterator[Server]:
    database_url = fresh_database_url(request, backend, folder)
    port = free_port()
    log_path = folder / "serve.log"
    with log_path.open("wb") as log:
        if backend == "postgresql":  # once per deploy: the workers only check the schema
            subprocess.run([str(SERVER_EXE), "migrate", "--database-url", database_url], stdout=log,
                           stderr=subprocess.STDOUT, timeout=120, check=True)
        process = subprocess.Popen(
            [str(SERVER_EXE), "serve", "--database-url", database_url, "--port", str(port), "--no-access-log",
             "--log-level", "warning", "--workers", str(WORKERS[backend])],
            stdout=log, stderr=subprocess.STDOUT,
        )
        running = Server(url=f"http://127.0.0.1:{port}/api/v1", database_url=database_url, backend=backend,
                         process=process)
        try:
            _wait_until_up(running.url, process, log_path)
            running.admin("publish-policy", str(POLICY_FILE))
            yield running
        finally:
            running.dispose()
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log_path: object) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{url}/openapi.json", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start; see {log_path}")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def policy_table() -> PolicyTable:
    return PolicyTable.from_toml(POLICY_FILE.read_text(encoding="utf-8"))


@pytest.fixture
def point(server: Server) -> str:
    return new_point(server)


@pytest.fixture
def device(server: Server, point: str) -> Device:
    return enrol(server, point)


@pytest.fixture(scope="session")
def supervisor(server: Server) -> Supervisor:
    response = log_in(server, add_supervisor(server))
    assert response.status_code == 200, response.text
    return Supervisor(server=server, token=response.json()["token"])
