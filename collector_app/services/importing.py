"""Importing household lists (CSV or XLSX) as a user action: every row checked, the valid households written."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from collector_app.store.db import Store
from collector_app.store.importing import DEFAULT_ACTOR, ImportReport, Progress
from collector_app.store.importing import import_households as _import_households


def import_households(
    store: Store, path: Path, *, on: date, dry_run: bool = False, progress: Progress | None = None,
    actor: str = DEFAULT_ACTOR,
) -> ImportReport:
    """Check every row of the list at `path` as of `on` and write the valid households (unless `dry_run`).

    `ImportFileError` when the file itself cannot be used; problems with rows are in the report.
    """
    return _import_households(store, path, on=on, dry_run=dry_run, progress=progress, actor=actor)
