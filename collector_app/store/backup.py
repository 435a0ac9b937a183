"""Copies of the store file taken with SQLite's online backup API (safe while the store is open)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from collector_app.store.cipher import Connector, connect_plain
from collector_app.store.private_files import create_private_file, private_folder

BACKUP_FOLDER = "backups"


def backup_store(path: Path, connector: Connector = connect_plain) -> Path:
    """Copy the store at `path` into `backups/` beside it, named by the UTC time; return the copy's path.

    The online backup API copies a consistent snapshot, including what is still in the WAL, even
    while other connections use the store. The copy is written under a temporary name and renamed
    when complete, so a crash never leaves a half-written backup that looks whole. The folder and
    the copy are the user's alone, as the store is (`private_files`). Both ends are opened with
    `connector`: the copy of an encrypted store is encrypted with the same key.
    """
    folder = path.parent / BACKUP_FOLDER
    private_folder(folder)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{path.stem}-{stamp}{path.suffix}"
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    create_private_file(partial)  # SQLite writes into it and keeps its mode
    source = connector(path)
    try:
        source.execute("PRAGMA query_only = ON")
        copy = connector(partial)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    partial.replace(target)
    return target
