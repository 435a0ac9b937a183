"""DashboardTableModel: the province dashboard, a row per point in the server's order, then the totals row.

A point with a silent device is shaded in the attention colour, and its Devices cell says how many are
silent in words; the totals row is bold. Each column names the server order its header asks for.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from collector_app.formatting import format_count, format_time, format_vnd
from collector_app.i18n import N_, _, ngettext
from collector_app.services.dashboard_export import commune_name, plan_text
from collector_app.sync.dashboard import Dashboard, DashboardFigures, DashboardPoint, SchemeLine
from collector_app.ui.models.columns import CENTER, RIGHT, Column, RowsTableModel
from collector_app.ui.palette import ATTENTION_BACKGROUND

TOTALS = "totals"  # the code of the totals row (no point has it: codes are upper case)


def pending_text(figures: DashboardFigures) -> str:
    """Batches waiting for review, and their records in brackets: "3 (13)"."""
    if not figures.batches_pending:
        return "0"
    return f"{format_count(figures.batches_pending)} ({format_count(figures.records_pending)})"


def rejected_text(figures: DashboardFigures) -> str:
    """At receipt by the server · by a supervisor since."""
    return f"{format_count(figures.rejected_at_receipt)} · {format_count(figures.rejected_by_supervisor)}"


def scheme_text(scheme: SchemeLine) -> str:
    if scheme.target_participants is None:
        return _("No target")
    return plan_text(scheme.participants * 1000 // scheme.target_participants if scheme.target_participants else None)


def scheme_details(scheme: SchemeLine) -> str:
    people = (_("{n} participants, no target").format(n=format_count(scheme.participants))
              if scheme.target_participants is None else
              _("{n} of {target} participants").format(n=format_count(scheme.participants),
                                                        target=format_count(scheme.target_participants)))
    money = (_("{amount} this year").format(amount=format_vnd(scheme.amount)) if scheme.target_amount is None else
             _("{amount} of {target} this year").format(amount=format_vnd(scheme.amount),
                                                        target=format_vnd(scheme.target_amount)))
    return f"{people}; {money}"


def pending_details(figures: DashboardFigures) -> str:
    return _("{batches} batches waiting for review, {records} records in them").format(
        batches=format_count(figures.batches_pending), records=format_count(figures.records_pending))


def rejected_details(figures: DashboardFigures) -> str:
    return _("Of the month's batches: {server} records rejected by the server at receipt, {supervisor} rejected by a "
             "supervisor").format(server=format_count(figures.rejected_at_receipt),
                                  supervisor=format_count(figures.rejected_by_supervisor))


def devices_details(point: DashboardPoint, silent_days: int) -> str:
    lines = []
    for device in point.devices:
        contact = format_time(device.last_contact)
        line = _("{series} ({name}): last contact {time}").format(series=device.series, name=device.name,
                                                                  time=contact)
        if device.silent:
            line += " — " + ngettext("silent for more than {n} day", "silent for more than {n} days",
                                     silent_days).format(n=silent_days)
        lines.append(line)
    return "\n".join(lines) or _("No device enrolled")


# (column, the server's order its header asks for)
DASHBOARD_COLUMNS: tuple[tuple[Column[DashboardPoint], str], ...] = (
    (Column("point", N_("Point"), lambda p: p.code if p.code != TOTALS else _("Total")), "point"),
    (Column("name", N_("Point name"), lambda p: p.name, elided=True), "name"),
    (Column("commune", N_("Commune"), lambda p: commune_name(p.commune_code), elided=True), "commune"),
    (Column("devices", N_("Devices"), lambda p: format_count(p.figures.devices), CENTER), "devices"),
    (Column("silent", N_("Silent"), lambda p: format_count(p.figures.silent_devices), CENTER), "silent"),
    (Column("pending", N_("To review"), lambda p: pending_text(p.figures), CENTER), "pending"),
    (Column("rejected", N_("Rejected"), lambda p: rejected_text(p.figures), CENTER),
     "rejected"),
    (Column("this_month", N_("This month"), lambda p: format_vnd(p.figures.this_month), RIGHT), "this_month"),
    (Column("last_month", N_("Last month"), lambda p: format_vnd(p.figures.last_month), RIGHT), "last_month"),
    (Column("vsi", N_("Voluntary SI"), lambda p: scheme_text(p.figures.vsi), RIGHT), "behind"),
    (Column("family_hi", N_("Family HI"), lambda p: scheme_text(p.figures.family_hi), RIGHT), "behind"),
    (Column("behind", N_("Lowest"), lambda p: plan_text(p.figures.behind_permille), RIGHT), "behind"),
)
SPARED_COLUMNS = ("commune",)  # hidden first when the table is narrow (125 % scaling)
NAME_MIN_PX = 140
COMMUNE_MIN_PX = 110


class DashboardTableModel(RowsTableModel[DashboardPoint]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__([column for column, _order in DASHBOARD_COLUMNS], parent)
        self._silent_days = 0
        self._bold = QFont()
        self._bold.setBold(True)

    def show(self, board: Dashboard | None) -> None:
        """The board's points, then a totals row; nothing at all for None."""
        if board is None:
            self.set_rows(())
            return
        self._silent_days = board.silent_days
        totals = DashboardPoint(TOTALS, ngettext("{n} point", "{n} points", len(board.points)).format(
            n=format_count(len(board.points))), None, None, (), board.totals)
        self.set_rows([*board.points, totals])

    def point_code(self, row: int) -> str | None:
        """The code of the point on `row`; None for the totals row."""
        code = self.row(row).code
        return None if code == TOTALS else code

    @staticmethod
    def order_of(column: int) -> str:
        return DASHBOARD_COLUMNS[column][1]

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        point = self.row(index.row())
        key = self.columns[index.column()].key
        if role == Qt.ItemDataRole.BackgroundRole and point.figures.silent_devices and point.code != TOTALS:
            return QColor(ATTENTION_BACKGROUND)
        if role == Qt.ItemDataRole.FontRole and point.code == TOTALS:
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole and point.code != TOTALS:
            if key in ("devices", "silent"):
                return devices_details(point, self._silent_days)
            if key == "pending":
                return pending_details(point.figures)
            if key == "rejected":
                return rejected_details(point.figures)
            if key == "behind":
                return "\n".join((_("Voluntary SI: {details}").format(details=scheme_details(point.figures.vsi)),
                                   _("Family HI: {details}").format(details=scheme_details(point.figures.family_hi))))
            if key in ("vsi", "family_hi"):
                return scheme_details(point.figures.vsi if key == "vsi" else point.figures.family_hi)
        return super().data(index, role)
