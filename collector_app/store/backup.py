"""Copies of the store file taken with SQLite's online backup API (safe while the store is open)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

BACKUP_FOLDER = "backups"


def backup_store(path: Path) -> Path:
    """Copy the store at `path` into `backups/` beside it, named by the UTC time; return the copy's path.

    The online backup API copies a consistent snapshot, including what is still in the WAL, even
    while other connections use the store. The copy is written under a temporary name and renamed
    when complete, so a crash never leaves a half-written backup that looks whole.
    """
    folder = path.parent / BACKUP_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{path.stem}-{stamp}{path.suffix}"
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    partial.replace(target)
    return target
