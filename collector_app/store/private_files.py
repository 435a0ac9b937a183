"""The store's files are the user's alone: 0600 for the SQLite file, its WAL, shared memory and backups,
0700 for the data and backups folders (POSIX). On Windows the data folder is in the user's profile,
which only the user (and administrators) can open, so nothing is changed there.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
# SQLite gives the WAL and shared-memory files the main file's permissions when it creates them.
STORE_COMPANIONS = ("-wal", "-shm")

_POSIX = os.name == "posix"


def private_folder(folder: Path) -> None:
    """Create `folder` (with its parents) if needed, and take away every right of group and others.

    A folder that is not the user's own, or a shared temporary folder (sticky bit, as /tmp), or the
    home folder itself is left as it is: `COLLECTOR_APP_DATA_DIR` may point anywhere.
    """
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER)
    if not _POSIX:
        return
    info = folder.stat()
    if info.st_mode & stat.S_ISVTX or folder.resolve() == Path.home().resolve():
        return
    _restrict(folder, info, PRIVATE_FOLDER)


def private_file(path: Path) -> None:
    """Take away every right of group and others on the file at `path`, if it exists."""
    if not _POSIX:
        return
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    _restrict(path, info, PRIVATE_FILE)


def create_private_file(path: Path) -> None:
    """Create an empty file readable and writable by the user only (if none is there yet).

    SQLite creates a missing file with mode 0644 and its WAL and shared memory alike: an empty file
    made first is a valid empty database, and SQLite keeps its mode for every file it adds.
    """
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE))


def make_store_private(path: Path, backups: Path) -> None:
    """The store's folder, file, WAL, shared memory and backups made private (an older store too)."""
    private_folder(path.parent)
    for suffix in ("", *STORE_COMPANIONS):
        private_file(path.with_name(path.name + suffix))
    if backups.is_dir():
        private_folder(backups)
        for backup in backups.iterdir():
            if backup.is_file():
                private_file(backup)


def _restrict(path: Path, info: os.stat_result, allowed: int) -> None:
    if info.st_uid != os.geteuid():  # not ours: changing it would fail, or take it from its owner
        return
    mode = stat.S_IMODE(info.st_mode)
    if mode & ~allowed:
        os.chmod(path, mode & allowed)
