"""Data exports: people, households, payments and receipts for a date range, as CSV (UTF-8 with a byte
order mark, which spreadsheets need to read Vietnamese) or XLSX. Every text cell goes through
`domain.text.spreadsheet_cell`, so that a spreadsheet never runs a cell as a formula."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from collector_app.domain.dates import EARLIEST_DATE, LATEST_DATE
from collector_app.domain.official_lists import check_period
from collector_app.domain.text import spreadsheet_cell
from collector_app.services.official_lists import write_whole
from collector_app.store.db import Store
from collector_app.store.exports import EXPORTS, count_rows, export_rows

Progress = Callable[[int, int], None]
KINDS = tuple(EXPORTS)
SUFFIXES = (".csv", ".xlsx")
PROGRESS_EVERY = 1000


@dataclass(frozen=True)
class Exported:
    kind: str
    rows: int
    path: Path


def _cell(value: object) -> object:
    return spreadsheet_cell(value) if isinstance(value, str) else value


def export(store: Store, kind: str, out: Path, *, since: date | None = None, until: date | None = None,
           progress: Progress | None = None) -> Exported:
    """Write the `kind` rows of the range (every day when not given) to `out`, whole or not at all."""
    since, until = since or EARLIEST_DATE, until or LATEST_DATE
    check_period(since, until)
    columns, _sql = EXPORTS[kind]
    total = count_rows(store, kind, since=since, until=until)
    written = 0

    def rows() -> Iterator[list[object]]:
        nonlocal written
        for row in export_rows(store, kind, since=since, until=until):
            written += 1
            if progress is not None and written % PROGRESS_EVERY == 0:
                progress(written, total)
            yield [_cell(value) for value in row]

    if out.suffix.lower() == ".xlsx":
        from openpyxl import Workbook  # imported when used: 12 MB and 0.17 s the window need not pay at start

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(kind)
        sheet.freeze_panes = "A2"
        sheet.append(list(columns))
        for row in rows():
            sheet.append(row)
        write_whole(out, workbook.save)
    else:
        def write_csv(path: str) -> None:
            with open(path, "w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(columns)
                writer.writerows(rows())

        write_whole(out, write_csv)
    if progress is not None:
        progress(written, total)
    return Exported(kind, written, out)
