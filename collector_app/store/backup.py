"""Copies of the store file taken with SQLite's online backup API (safe while the store is open)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from collector_app.store.private_files import create_private_file, private_folder

BACKUP_FOLDER = "backups"


def backup_store(path: Path) -> Path:
    """Copy the store at `path` into `backups/` beside it, named by the UTC time; return the copy's path.

    The online backup API copies a consistent snapshot, including what is still in the WAL, even
    while other connections use the store. The copy is written under a temporary name and renamed
    when complete, so a crash never leaves a half-written backup that looks whole; a copy that fails
    (a full disk) is deleted, so that it does not keep the room the store needs. The folder and
    the copy are the user's alone, as the store is (`private_files`).
    """
    folder = path.parent / BACKUP_FOLDER
    private_folder(folder)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{path.stem}-{stamp}{path.suffix}"
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    create_private_file(partial)  # SQLite writes into it and keeps its mode
    try:
        source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)
            finally:
                copy.close()
        finally:
            source.close()
    except BaseException:
        # A copy refused (a full disk) must not keep the room it took: the next write needs it.
        for leftover in (partial, partial.with_name(partial.name + "-journal")):
            leftover.unlink(missing_ok=True)
        raise
    partial.replace(target)
    return target
