"""A throw-away PostgreSQL cluster for tests and benchmarks: initdb in a temporary folder, one port, 127.0.0.1.

`TemporaryCluster.start()` needs PostgreSQL's server binaries (Debian: `apt-get install postgresql`);
`find_bin_dir()` says whether they are there. As root, initdb and pg_ctl run as the `postgres` user
(PostgreSQL refuses to run as root). The `postgresql_cluster` fixture skips the PostgreSQL variants
when the binaries are missing, and fails instead when `REQUIRE_POSTGRESQL=1` (CI sets it).
"""

from __future__ import annotations

import itertools
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Self

import psycopg
import pytest

REQUIRE_VARIABLE = "REQUIRE_POSTGRESQL"
SERVICE_USER = "postgres"
# Durability off: a test cluster is thrown away, and its writes need not survive a power cut.
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


def find_bin_dir() -> Path | None:
    """The folder with initdb and pg_ctl: Debian's newest /usr/lib/postgresql/N/bin, else the PATH's."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0)
    if versions:
        return versions[-1].parent
    on_path = shutil.which("initdb")
    if on_path and (Path(on_path).resolve().parent / "pg_ctl").exists():
        return Path(on_path).resolve().parent
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TemporaryCluster:
    """`with TemporaryCluster() as cluster: url = cluster.new_database()`; everything is deleted at the end."""

    def __init__(self, *, durable: bool = False, max_connections: int = 200) -> None:
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise FileNotFoundError("PostgreSQL's initdb was not found (Debian: apt-get install postgresql)")
        self.bin_dir = bin_dir
        self.settings = (() if durable else FAST_SETTINGS) + (f"max_connections={max_connections}",)
        self.port = 0
        self.folder: Path | None = None
        self._names = itertools.count(1)

    @property
    def data_dir(self) -> Path:
        assert self.folder is not None, "the cluster is not started"
        return self.folder / "data"

    def _run(self, *command: str) -> None:
        """Run a PostgreSQL program, as the `postgres` user when this process is root."""
        argv: Sequence[str] = [str(self.bin_dir / command[0]), *command[1:]]
        if os.geteuid() == 0:
            argv = ["su", SERVICE_USER, "-s", "/bin/sh", "-c", shlex.join(argv)]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed ({result.returncode}): {result.stderr or result.stdout}")

    def start(self) -> None:
        # Not under pytest's tmp_path: that folder is private to root, and the server runs as postgres.
        self.folder = Path(tempfile.mkdtemp(prefix="pg-cluster-"))
        if os.geteuid() == 0:
            owner = pwd.getpwnam(SERVICE_USER)
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-locale", "--no-sync")
        self.port = _free_port()
        options = [f"-p {self.port}", f"-k {self.folder}", "-c listen_addresses=127.0.0.1",
                   *(f"-c {setting}" for setting in self.settings)]
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.folder / "server.log"),
                  "-o", " ".join(options), "-w", "-t", "60", "start")

    def stop(self) -> None:
        if self.folder is None:
            return
        try:
            if (self.data_dir / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self, prefix: str = "db") -> str:
        """A new empty database; its SQLAlchemy URL."""
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", prefix):
            raise ValueError(f"not a plain database name prefix: {prefix!r}")
        name = f"{prefix}_{next(self._names)}"
        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]  # a checked name
        return self.url(name)


def postgresql_required() -> bool:
    return os.environ.get(REQUIRE_VARIABLE, "") not in ("", "0")


def skip_unless_installed() -> None:
    """Skip the calling test when PostgreSQL is missing, or fail it when `REQUIRE_POSTGRESQL=1`."""
    if find_bin_dir() is None:
        message = "PostgreSQL is not installed (initdb not found; scripts/setup.sh installs it)"
        if postgresql_required():
            pytest.fail(f"{message}, and {REQUIRE_VARIABLE}=1 says the PostgreSQL tests must run")
        pytest.skip(message)


@pytest.fixture(scope="session")
def postgresql_cluster() -> Iterator[TemporaryCluster]:
    """One throw-away cluster for the session; each user makes its own database with `new_database()`."""
    skip_unless_installed()
    with TemporaryCluster() as cluster:
        yield cluster
