"""Fixtures: a real provincial server (`provincial-server serve`, uvicorn) on 127.0.0.1 with a fresh SQLite file.

One server per session; each test makes its own collection point and devices, so tests do not see
each other's data. Helpers to enrol devices and build records are in `server_helpers.py`.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

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
    log_in,
    new_point,
)

from collector_app.domain.policy import PolicyTable


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("server")
    database_file = folder / "server.sqlite3"
    database_url = f"sqlite:///{database_file}"
    port = free_port()
    log_path = folder / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(SERVER_EXE), "serve", "--database-url", database_url, "--port", str(port), "--no-access-log",
             "--log-level", "warning"],
            stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}/api/v1"
            _wait_until_up(url, process, log_path)
            running = Server(url=url, database_url=database_url, database_file=database_file, process=process)
            running.admin("publish-policy", str(POLICY_FILE))
            yield running
        finally:
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
