"""The province dashboard written to a spreadsheet (XLSX) or a CSV file: a row per point, then the totals.

Figures stay numbers (amounts in whole VND) so that a spreadsheet can add them up; every text cell goes
through `domain.text.spreadsheet_cell`, so a point's name can never run as a formula. The file is
written beside its final name and renamed into place: an export never leaves half a file.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from collector_app.admin_units import load_admin_units
from collector_app.domain.text import spreadsheet_cell
from collector_app.formatting import format_date, format_permille
from collector_app.i18n import N_, _, ngettext
from collector_app.sync.dashboard import Dashboard, DashboardFigures

Cell = str | int | None


@dataclass(frozen=True)
class _Column:
    header: str  # N_(), translated when written
    value: Callable[[DashboardFigures], Cell]


# The figures' columns, shared by the points' rows and the totals row.
_FIGURES = (
    _Column(N_("Devices"), lambda f: f.devices),
    _Column(N_("Silent devices"), lambda f: f.silent_devices),
    _Column(N_("Batches waiting for review"), lambda f: f.batches_pending),
    _Column(N_("Records waiting for review"), lambda f: f.records_pending),
    _Column(N_("Rejected at receipt"), lambda f: f.rejected_at_receipt),
    _Column(N_("Rejected by a supervisor"), lambda f: f.rejected_by_supervisor),
    _Column(N_("Collected this month (VND)"), lambda f: f.this_month),
    _Column(N_("Collected last month (VND)"), lambda f: f.last_month),
    _Column(N_("Voluntary SI participants"), lambda f: f.vsi.participants),
    _Column(N_("Voluntary SI participants target"), lambda f: f.vsi.target_participants),
    _Column(N_("Voluntary SI amount this year (VND)"), lambda f: f.vsi.amount),
    _Column(N_("Voluntary SI amount target (VND)"), lambda f: f.vsi.target_amount),
    _Column(N_("Family HI participants"), lambda f: f.family_hi.participants),
    _Column(N_("Family HI participants target"), lambda f: f.family_hi.target_participants),
    _Column(N_("Family HI amount this year (VND)"), lambda f: f.family_hi.amount),
    _Column(N_("Family HI amount target (VND)"), lambda f: f.family_hi.target_amount),
    _Column(N_("Lowest share of a target"), lambda f: plan_text(f.behind_permille)),
)


def plan_text(permille: int | None) -> str:
    """"53,7 %", or "No target" for a point whose plan gives none (never 0 %)."""
    return _("No target") if permille is None else format_permille(permille)


def commune_name(code: str | None) -> str:
    if code is None:
        return ""
    commune = load_admin_units().commune(code)
    return commune.full_name if commune else code


def dashboard_rows(board: Dashboard) -> list[list[Cell]]:
    """The header, a row per point in the dashboard's order, and the totals row."""
    header: list[Cell] = [_("Point"), _("Point name"), _("Commune"), _("Silent device series"), _("Oldest contact"),
                          *(_(column.header) for column in _FIGURES)]
    rows: list[list[Cell]] = [header]
    for point in board.points:
        silent = ", ".join(device.series for device in point.devices if device.silent)
        oldest = min((device.last_contact for device in point.devices), default=None)
        rows.append([point.code, point.name, commune_name(point.commune_code), silent,
                     "" if oldest is None else format_date(oldest.date()),
                     *(column.value(point.figures) for column in _FIGURES)])
    rows.append([_("Total"), ngettext("{n} point", "{n} points", len(board.points)).format(n=len(board.points)), "", "", "",
                 *(column.value(board.totals) for column in _FIGURES)])
    return rows


def export_xlsx(board: Dashboard, path: Path) -> Path:
    from openpyxl import Workbook  # imported when used: 12 MB and 0.17 s the window need not pay at start

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = f"{board.month:02d}-{board.year}"
    for row in _safe(dashboard_rows(board)):
        sheet.append(row)
    sheet.freeze_panes = "C2"
    _write_atomically(path, workbook.save)
    return path


def export_csv(board: Dashboard, path: Path) -> Path:
    """UTF-8 with a byte order mark, which spreadsheet programs need to read Vietnamese letters right."""

    def write(target: str) -> None:
        with open(target, "w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(_safe(dashboard_rows(board)))

    _write_atomically(path, write)
    return path


def _safe(rows: Sequence[list[Cell]]) -> list[list[Cell]]:
    return [[spreadsheet_cell(cell) if isinstance(cell, str) else cell for cell in row] for row in rows]


def _write_atomically(path: Path, write: Callable[[str], None]) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
