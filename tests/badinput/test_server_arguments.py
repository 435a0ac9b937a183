"""Hostile arguments and input through every `provincial-server` sub-command: one line, exit 1 or 2, no traceback.

Each invocation is a process of its own, as an administrator would run it, a few at a time, on one
SQLite database: what is tried here is refused before any work in which the backends differ. Every
process starts in a session of its own, so no password prompt can reach a terminal.
"""

from __future__ import annotations

import argparse
import os
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import tally
from server_helpers import SERVER_EXE

from collector_app.wire import encode_key
from provincial_server import cli

Argument = str | bytes  # bytes: not valid UTF-8, as a file name or a terminal in another encoding may give
NUMBERS: list[Argument] = ["9" * 20, "1e308", "-1", "0", "NaN", "١٢", "0x10", "1_000", "", " 5", "9" * 5000]
TEXTS: list[Argument] = [b"\xff\xfe", "x" * 100_000, "\x1b[31mred", "\u202eevil", "", " ", "-", "a\u200bb", "'; DROP"]


@dataclass(frozen=True)
class Run:
    argv: tuple[Argument, ...]
    stdin: bytes = b""
    env: dict[str, str] = field(default_factory=dict)


def _sub_commands(parser: argparse.ArgumentParser | None = None, words: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Every sub-command as its words, the actions of those that have them too (`release-key replace`)."""
    found: set[tuple[str, ...]] = set()
    for action in (parser or cli.build_parser())._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub_parser in action.choices.items():
                found |= {(*words, name)} | _sub_commands(sub_parser, (*words, name))
    return found


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    """A folder of things that are not what they should be: a FIFO, a link to /dev/zero, a folder, odd files."""
    folder = tmp_path / "stick"
    folder.mkdir()
    os.mkfifo(folder / "fifo.json")
    (folder / "zero.json").symlink_to("/dev/zero")
    (folder / "folder.json").mkdir()
    (folder / "empty.json").write_bytes(b"")
    (folder / "binary.json").write_bytes(bytes(range(256)) * 4)
    (folder / "utf16.json").write_bytes('{"format": 1}'.encode("utf-16"))
    (folder / "truncated.json").write_bytes(b'{"format": 1, "batch": {"batch_id": "')
    (folder / "deep.json").write_bytes(b"[" * 100_000)
    with (folder / "huge.json").open("wb") as handle:
        handle.truncate(9 * 1024 * 1024)  # sparse: larger than the limit, without writing it
    (folder / os.fsdecode(b"\xff\xfe.json")).write_bytes(b"{}")
    return folder


def _corpus(folder: Path, stick: Path, database: str, busy_port: int) -> Iterator[Run]:
    fifo, zero, policy_folder = stick / "fifo.json", stick / "zero.json", stick / "folder.json"
    not_a_database = folder / "notes.txt"
    not_a_database.write_text("not a database\n")
    (folder / "bad.csv").write_text("code,name,province_code\n" + "bad code,\u202e,x\n" * 300, encoding="utf-8")
    db = ("--database-url", database)
    busy = ("--port", str(busy_port))  # taken: a serve whose other arguments pass stops at listening
    yield Run(())
    yield Run(("no-such-command",))
    yield Run(("--version", "no-such-command", "x" * 100_000))
    yield Run(("--version", "--database-url"))
    yield Run(("summary", "--database-url"))
    yield Run(("summary", "--json", "extra", *db))
    for month in ("2026-13", "2026-3", "0000-00", "9999-99-99", "２０２６-０３"):
        yield Run(("commission", *db, "--month", month, "--json"))
    yield Run(("commission", *db))
    for url in ["", "mysql://x/y", f"sqlite:///{fifo}", f"sqlite:///{zero}", f"sqlite:///{policy_folder}",
                "sqlite:////dev/zero", f"sqlite:///{folder}/{'a' * 5000}.sqlite3", f"sqlite:///{not_a_database}",
                "postgresql://127.0.0.1:99999999/x", "postgresql://[::1/x", "postgresql+psycopg://u@127.0.0.1:1/x",
                b"sqlite:///\xff.sqlite3", "sqlite:///:memory:", "sqlite://", "\x1b[2J", "x" * 100_000]:
        yield Run(("summary", "--database-url", url))
    yield Run(("migrate", "--database-url", f"sqlite:///{fifo}"))
    yield Run(("migrate", "--database-url", f"sqlite:///{zero}"))
    yield Run(("serve", *db, *busy))
    yield Run(("serve", *db, *busy), env={"PROVINCIAL_SERVER_POOL_SIZE": "abc"})
    yield Run(("serve", *db, *busy), env={"PROVINCIAL_SERVER_MAX_BODY_BYTES": "1e308"})
    for number in NUMBERS:
        yield Run(("serve", *db, "--port", number))
        for option in ("--workers", "--max-body-bytes", "--pool-size"):
            yield Run(("serve", *db, *busy, option, number))
        yield Run(("enrolment-code", *db, "BD01", "--hours", number))
        yield Run(("import-batches", *db, str(folder), "--max-body-bytes", number))
        yield Run(("dashboard", *db, "--silent-days", number))
        yield Run(("serve", *db, *busy, "--silent-days", number))
        yield Run(("dashboard", *db, "--month", number))
    for text in [*TEXTS, "999.999.999.999", "::ffff:999.1.1.1"]:
        yield Run(("serve", *db, *busy, "--host", text))
    for text in TEXTS:
        yield Run(("serve", *db, *busy, "--log-level", text))
        yield Run(("add-point", *db, text, "Điểm thu"))
        yield Run(("add-point", *db, "BD09", text))
        yield Run(("enrolment-code", *db, text))
        yield Run(("add-supervisor", *db, text, "--password-stdin"), stdin=b"correct horse battery\n")
        yield Run(("unlock-supervisor", *db, text))
        yield Run(("list-devices", *db, "--point", text))
        yield Run(("commission", *db, "--month", "2026-03", "--point", text))
        yield Run(("commission", *db, "--month", text))
        yield Run(("revoke-device", *db, text))
        yield Run(("chain-forks", *db, "--device", text))
        yield Run(("days", *db, "--point", text, "--json"))
        for option in ("--month", "--province", "--commune", "--sort"):
            yield Run(("dashboard", *db, option, text))
    yield Run(("dashboard", *db, "--month", "2026-02-30"))
    yield Run(("dashboard", *db), env={"PROVINCIAL_SERVER_SILENT_DAYS": "9" * 30})
    yield Run(("add-point", *db, "BD09", "Đ" * 201))
    for password in [b"", b"\xff\xfe\n", b"short\n", b"x" * 2_000_000, b"\x00" * 20 + b"\n"]:
        yield Run(("add-supervisor", *db, "hostile", "--password-stdin"), stdin=password)
    yield Run(("add-supervisor", *db, "noterminal"))  # no terminal to ask on
    for name, content in [("empty.toml", b""), ("binary.toml", bytes(range(256))),
                          ("utf16.toml", "a = 1".encode("utf-16")),
                          ("bad.toml", b"= = ="), ("deep.toml", b"a = " + b"[" * 100_000),
                          ("numbers.toml", b"format = 1e308\nversion = 99999999999999999999999999\n"),
                          ("dates.toml", b'format = 1\nversion = "9999.1.1"\npublished = 9999-12-31\n')]:
        (folder / name).write_bytes(content)
        yield Run(("publish-policy", *db, str(folder / name)))
    with (folder / "huge.toml").open("wb") as handle:
        handle.truncate(9 * 1024 * 1024)
    for path in [folder / "huge.toml", fifo, zero, policy_folder, folder / "missing.toml", b"/nowhere/\xff.toml",
                 "x" * 100_000, "/dev/zero"]:
        yield Run(("publish-policy", *db, os.fsdecode(path) if isinstance(path, bytes) else str(path)))
    for path in [folder / "missing", not_a_database, fifo, zero, "/dev/zero", b"/nowhere/\xff", "x" * 100_000, stick]:
        yield Run(("import-batches", *db, os.fsdecode(path) if isinstance(path, bytes) else str(path)))
    for path in [*stick.iterdir(), folder / "missing.csv", not_a_database, "/dev/zero", b"/nowhere/\xff.csv",
                 "x" * 100_000, folder / "bad.csv"]:
        for extra in ((), ("--json",), ("--if-empty",)):
            yield Run(("load-facilities", *db, os.fsdecode(path) if isinstance(path, bytes) else str(path), *extra))
        yield Run(("import-targets", *db, os.fsdecode(path) if isinstance(path, bytes) else str(path)))
    (folder / "backup.sqlite3").write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 16)  # a header, then junk
    (folder / "backup.dump").write_bytes(b"PGDMP" + bytes(range(256)) * 16)
    for path in [*stick.iterdir(), folder / "missing.backup", not_a_database, "/dev/zero", b"/nowhere/\xff.backup",
                 "x" * 100_000, folder / "backup.sqlite3", folder / "backup.dump", folder]:
        for extra in ((), ("--force",)):
            yield Run(("restore", *db, os.fsdecode(path) if isinstance(path, bytes) else str(path), *extra))
    yield Run(("restore", "--database-url", "postgresql+psycopg://u@127.0.0.1:1/x", str(folder / "backup.dump")))
    for path in [fifo, zero, policy_folder, not_a_database, "/dev/full", b"/nowhere/\xff.backup", "x" * 100_000,
                 folder / "missing" / "x.backup", ""]:
        yield Run(("backup", *db, "--out", os.fsdecode(path) if isinstance(path, bytes) else str(path)))
    yield Run(("backup", *db))
    yield Run(("backup", "--database-url", "postgresql+psycopg://u@127.0.0.1:1/x", "--out", str(folder / "pg.dump")))
    yield Run(("backup", "--database-url", f"sqlite:///{not_a_database}", "--out", str(folder / "not.backup")))
    target = ("set-target", *db, "--point", "BD01", "--scheme", "vsi")
    for number in NUMBERS:
        yield Run((*target, "--year", number, "--participants", "1"))
        yield Run((*target, "--year", "2026", "--participants", number))
        yield Run((*target, "--year", "2026", "--participants", "1", "--amount", number))
        yield Run(("progress", *db, "--year", number))
        yield Run(("refresh-progress", *db, "--year", number))
    for text in TEXTS:
        yield Run(("set-target", *db, "--year", "2026", "--point", text, "--scheme", "vsi", "--participants", "1"))
        yield Run(("set-target", *db, "--year", "2026", "--point", "BD01", "--scheme", text, "--participants", "1"))
        yield Run(("progress", *db, "--year", "2026", "--point", text, "--json"))

    # What is published goes to the test's folder, never to ./server-data where the tests run.
    releases = {"PROVINCIAL_SERVER_RELEASES_DIR": str(folder / "releases")}
    yield from (Run(run.argv, run.stdin, {**releases, **run.env}) for run in _release_corpus(folder, stick, db))


def _release_corpus(folder: Path, stick: Path, db: tuple[str, str]) -> Iterator[Run]:
    """`release-key new` and `publish-release`: paths that are not folders or files, keys that are not keys,
    versions, platforms and notes that are not what they should be, passphrases without a terminal."""
    fifo, zero = stick / "fifo.json", stick / "zero.json"
    unreadable_name = os.fsencode(folder) + b"/\xff"
    yield Run(("release-key",))
    yield Run(("release-key", "new"))
    yield Run(("release-key", "renew", "--out", str(folder / "k0")))
    for out in (fifo, zero, "/dev/zero", stick / "empty.json", "", "x" * 100_000, unreadable_name, "\x1b[2J"):
        yield Run(("release-key", "new", "--out", os.fsdecode(out) if isinstance(out, bytes) else str(out)))
    for number, passphrase in enumerate([b"", b"\n", b"\xff\xfe\n", b"x" * 2_000_000, b"\x00" * 20 + b"\n"]):
        yield Run(("release-key", "new", "--out", str(folder / f"k{number + 1}"), "--passphrase-stdin"),
                  stdin=passphrase)
    keys = folder / "keys"
    assert subprocess.run([os.fsencode(SERVER_EXE), "release-key", "new", "--out", str(keys), "--passphrase-stdin"],
                          input=b"correct passphrase\n", capture_output=True, timeout=60, check=False).returncode == 0
    yield Run(("release-key", "new", "--out", str(keys)))  # never overwritten
    installer = folder / "collector-app_1.2.0_amd64.deb"
    installer.write_bytes(b"an installer")
    with (folder / "huge.deb").open("wb") as handle:
        handle.truncate(1025 * 1024 * 1024)  # sparse: larger than the limit, without writing it
    good_key = str(keys / "release-key.pem")
    release = ("publish-release", *db, "--platform", "linux-deb")
    for key in [*stick.iterdir(), keys / "release-key.pub", folder / "missing.pem", "/dev/zero", "x" * 100_000,
                unreadable_name]:
        yield Run((*release, str(installer), "--version", "1.2.0", "--key",
                   os.fsdecode(key) if isinstance(key, bytes) else str(key)))
    yield Run((*release, str(installer), "--version", "1.2.0"))  # no key named
    yield Run((*release, str(installer), "--version", "1.2.0"), env={"PROVINCIAL_SERVER_RELEASE_KEY": str(fifo)})
    yield Run((*release, str(installer), "--version", "1.2.0", "--key", good_key))  # no terminal for the passphrase
    for passphrase in [b"", b"wrong\n", b"\xff\xfe\n", b"x" * 2_000_000]:
        yield Run((*release, str(installer), "--version", "1.2.0", "--key", good_key, "--passphrase-stdin"),
                  stdin=passphrase)
    unlock = {"stdin": b"correct passphrase\n"}
    for path in [*stick.iterdir(), folder / "huge.deb", folder / "missing.deb", "/dev/zero", "x" * 100_000,
                 unreadable_name]:
        yield Run((*release, os.fsdecode(path) if isinstance(path, bytes) else str(path), "--version", "1.2.0",
                   "--key", good_key, "--passphrase-stdin"), **unlock)  # type: ignore[arg-type]
    for version in [*TEXTS, *NUMBERS, "1.2.0rc1", "1.2.3.4.5", "v1.2", "1..2", "١.٢", "1.2.0\n"]:
        yield Run((*release, str(installer), "--version", os.fsdecode(version) if isinstance(version, bytes)
                   else version, "--key", good_key, "--passphrase-stdin"), **unlock)  # type: ignore[arg-type]
    for text in TEXTS:
        yield Run(("publish-release", *db, str(installer), "--version", "1.3.0", "--platform", text, "--key",
                   good_key, "--passphrase-stdin"), **unlock)  # type: ignore[arg-type]
        yield Run((*release, str(installer), "--version", "1.3.0", "--notes", text, "--key", good_key,
                   "--passphrase-stdin"), **unlock)  # type: ignore[arg-type]
    for place in (fifo, zero, stick / "empty.json", "/dev/zero"):
        yield Run((*release, str(installer), "--version", "1.4.0", "--releases-dir", str(place), "--key", good_key,
                   "--passphrase-stdin"), **unlock)  # type: ignore[arg-type]
    yield Run((*release, str(installer), "--version", "1.5.0", "--notes", "Đ" * 2_001, "--key", good_key,
               "--passphrase-stdin"), **unlock)  # type: ignore[arg-type]
    odd_name = folder / "bad name;.deb"
    odd_name.write_bytes(b"x")
    yield Run((*release, str(odd_name), "--version", "1.6.0", "--key", good_key, "--passphrase-stdin"),
              **unlock)  # type: ignore[arg-type]
    yield from _rotation_corpus(folder, stick, db, keys, unreadable_name)
    yield from _replacement_corpus(folder, stick, db, keys, unreadable_name)


def _rotation_corpus(folder: Path, stick: Path, db: tuple[str, str], keys: Path,
                     unreadable_name: bytes) -> Iterator[Run]:
    """`release-key rotate`: keys that are not keys, folders that cannot take a key or hold one already,
    passphrases missing, wrong, empty or not text. The province's key is published first, so that the
    refusals reach the new key's folder."""
    good_key = str(keys / "release-key.pem")
    first = folder / "collector-app_1.0.0_amd64.deb"
    first.write_bytes(b"the first installer")
    assert subprocess.run([os.fsencode(SERVER_EXE), "publish-release", *db, str(first), "--version", "1.0.0",
                           "--platform", "windows", "--key", good_key, "--passphrase-stdin", "--releases-dir",
                           str(folder / "releases")], input=b"correct passphrase\n", capture_output=True, timeout=60,
                          check=False).returncode == 0
    rotate = ("release-key", "rotate", *db)
    yield Run(("release-key", "rotate"))
    yield Run((*rotate, "--key", good_key))  # no --out
    yield Run((*rotate, "--out", str(folder / "r0")))  # no --key
    for key in [*stick.iterdir(), keys / "release-key.pub", folder / "missing.pem", "/dev/zero", "x" * 100_000,
                unreadable_name, ""]:
        yield Run((*rotate, "--key", os.fsdecode(key) if isinstance(key, bytes) else str(key), "--out",
                   str(folder / "r1")))
    both = b"correct passphrase\nnew passphrase\n"
    for out in (stick / "fifo.json", stick / "zero.json", "/dev/zero", stick / "empty.json", keys, "", "x" * 100_000,
                unreadable_name, "\x1b[2J"):
        yield Run((*rotate, "--key", good_key, "--passphrase-stdin", "--out",
                   os.fsdecode(out) if isinstance(out, bytes) else str(out)), stdin=both)
    yield Run((*rotate, "--key", good_key, "--out", str(folder / "r2")))  # no terminal for the passphrase
    for number, passphrases in enumerate([b"", b"correct passphrase\n", b"correct passphrase\n\n", b"wrong\nnew\n",
                                          b"correct passphrase\n" + b"x" * 2_000_000, b"\xff\xfe\nnew\n",
                                          b"correct passphrase\n\xff\xfe\n", b"\n\n"]):
        yield Run((*rotate, "--key", good_key, "--out", str(folder / f"r{number + 3}"), "--passphrase-stdin"),
                  stdin=passphrases)


def _replacement_corpus(folder: Path, stick: Path, db: tuple[str, str], keys: Path,
                        unreadable_name: bytes) -> Iterator[Run]:
    """`release-key replace` (after `_rotation_corpus` published the province's key): without the flag, folders
    that cannot take a key or hold one already, passphrases empty or not text. None of them replaces the key, so
    the runs beside them see the same province."""
    replace = ("release-key", "replace", *db)
    yield Run(("release-key", "replace"))
    yield Run((*replace, "--devices-enrol-again"))  # no --out
    yield Run((*replace, "--out", str(folder / "p0")))  # no --devices-enrol-again
    yield Run((*replace, "--out", str(folder / "p0"), "--passphrase-stdin"), stdin=b"a passphrase\n")
    for out in (stick / "fifo.json", stick / "zero.json", "/dev/zero", stick / "empty.json", stick / "empty.json" / "k",
                keys, "", "x" * 100_000, unreadable_name, "\x1b[2J"):
        yield Run((*replace, "--devices-enrol-again", "--passphrase-stdin", "--out",
                   os.fsdecode(out) if isinstance(out, bytes) else str(out)), stdin=b"a passphrase\n")
    for number, passphrase in enumerate([b"", b"\n", b"\xff\xfe\n", b"x" * 2_000_000]):
        yield Run((*replace, "--devices-enrol-again", "--out", str(folder / f"p{number + 1}"), "--passphrase-stdin"),
                  stdin=passphrase)


def _arg(value: Argument) -> bytes:
    return value if isinstance(value, bytes) else os.fsencode(value)


def _run(run: Run) -> tuple[Run, subprocess.CompletedProcess[bytes] | None]:
    try:
        return run, subprocess.run([os.fsencode(SERVER_EXE), *map(_arg, run.argv)], input=run.stdin,
                                   capture_output=True, timeout=60, check=False, start_new_session=True,
                                   env={**os.environ, **run.env})
    except subprocess.TimeoutExpired:
        return run, None


def _fault(run: Run, result: subprocess.CompletedProcess[bytes] | None) -> str | None:
    """What is wrong with how the command ended, if anything."""
    if result is None:
        return "hung for a minute"
    out, err = result.stdout.decode("utf-8", "replace"), result.stderr.decode("utf-8", "replace")
    if result.returncode not in (0, 1, 2):
        return f"exit {result.returncode}: {err[-300:]}"
    if "Traceback" in out + err or "unexpected error" in out + err:
        return f"{err[-300:]}"
    if result.returncode != 0 and run.argv[:1] == ("load-facilities",) and out and "--json" not in run.argv:
        # each wrong line of the file named on standard output, then the one-line refusal
        wrong = [line for line in out.splitlines() if ": line " not in line and "more errors" not in line]
        if wrong:
            return f"output {out[:300]!r}"
    if result.returncode != 0 and run.argv[:1] == ("import-batches",) and not err:
        lines = out.splitlines()  # a line per file, each one refused or imported
        return None if lines and all(": refused: file." in line for line in lines) else f"output {out[:300]!r}"
    if result.returncode != 0 and (not err.startswith(f"{cli.PROG}: ") or err.count("\n") != 1):
        return f"not one line: {err[:300]!r}"
    return None


def test_no_hostile_argument_or_input_to_any_sub_command_ends_otherwise_than_in_one_line(tmp_path: Path, stick: Path):
    database = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    assert subprocess.run([str(SERVER_EXE), "add-point", "BD01", "Điểm thu", "--database-url", database],
                          capture_output=True, timeout=60, check=False).returncode == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        runs = list(_corpus(tmp_path, stick, database, taken.getsockname()[1]))
        tried = {tuple(run.argv[:length]) for run in runs for length in (1, 2)}
        assert tried >= _sub_commands()
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(_run, runs))
    faults = [f"{[repr(a)[:40] for a in run.argv]}: {fault}" for run, result in results
              if (fault := _fault(run, result)) is not None]
    assert faults == [], "\n".join(faults)
    with sqlite3.connect(tmp_path / "server.sqlite3") as connection:  # no hostile run replaced nor rotated it
        held = connection.execute("SELECT public_key FROM release_key").fetchone()[0]
    assert encode_key(held) == (tmp_path / "keys" / "release-key.pub").read_text().strip()
    assert {result.returncode for _, result in results if result is not None} <= {0, 1, 2}
    tally.bad_input("server-cli:argument", sum(1 for _, result in results if result and result.returncode))
