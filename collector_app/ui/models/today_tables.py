"""The Today page's tables: the day's voids, the records rejected by the server or a supervisor, people due soon."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from collector_app.formatting import format_date, format_vnd
from collector_app.i18n import N_, _
from collector_app.services.sync import AttentionRecord
from collector_app.services.today import DayVoid
from collector_app.store.due import DueRow
from collector_app.ui.models.attention_table import kind_text, reason_details, reason_text, rejected_by_text
from collector_app.ui.models.columns import CENTER, RIGHT, Column, RowsTableModel
from collector_app.coverage_words import scheme_text


def void_effect_text(void: DayVoid) -> str:
    """What the void did to the day: a receipt of the day is taken out of it; an earlier one is not."""
    if not void.same_day:
        return _("Receipt of {date}: today's figures unchanged").format(date=format_date(void.paid_on))
    if void.method == "cash":
        return _("Cash given back: out of the drawer")
    return _("Transfer: out of today's total")


VOID_COLUMNS: tuple[Column[DayVoid], ...] = (
    Column("receipt", N_("Receipt number"), lambda v: v.receipt_number),
    Column("amount", N_("Amount"), lambda v: format_vnd(v.amount), RIGHT),
    Column("reason", N_("Reason"), lambda v: v.reason),
    Column("by", N_("Voided by"), lambda v: v.voided_by),
    Column("effect", N_("Effect on the day"), void_effect_text),
)


class DayVoidsTableModel(RowsTableModel[DayVoid]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(VOID_COLUMNS, parent)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid():
            void = self.row(index.row())
            return "\n".join((
                _("Receipt {number} of {date}, {payer}: {amount}").format(
                    number=void.receipt_number, date=format_date(void.paid_on), payer=void.payer_name,
                    amount=format_vnd(void.amount)),
                "{label} {reason}".format(label=_("Reason:"), reason=void.reason),
                void_effect_text(void),
            ))
        return super().data(index, role)


def what_to_do_text(record: AttentionRecord) -> str:
    """The way out of a server's rejection (services.sync.way_out); a supervisor's reason says it itself."""
    return record.way_out or _("Ask the supervisor who rejected it.")


REJECTED_COLUMNS: tuple[Column[AttentionRecord], ...] = (
    Column("rejected_by", N_("Rejected by"), rejected_by_text),
    Column("kind", N_("Record"), lambda r: kind_text(r.kind)),
    Column("receipt", N_("Receipt number"), lambda r: r.receipt_number or ""),
    Column("person", N_("Full name"), lambda r: r.person or ""),
    Column("reason", N_("Reason"), reason_text),
    Column("what_to_do", N_("What to do"), what_to_do_text),
)


class RejectedTableModel(RowsTableModel[AttentionRecord]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(REJECTED_COLUMNS, parent)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid():
            return reason_details(self.row(index.row()))
        return super().data(index, role)


def household_text(row: DueRow) -> str:
    """The household's code when it has one, then its address."""
    return f"{row.household_code} · {row.address}" if row.household_code else row.address


DUE_COLUMNS: tuple[Column[DueRow], ...] = (
    Column("name", N_("Full name"), lambda r: r.full_name),
    Column("household", N_("Household"), household_text),
    Column("scheme", N_("Scheme"), lambda r: scheme_text(r.scheme)),
    Column("ends_on", N_("Covered until"), lambda r: format_date(r.ends_on), CENTER),
    Column("phone", N_("Phone"), lambda r: r.phone or ""),
)


class DueTableModel(RowsTableModel[DueRow]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(DUE_COLUMNS, parent)
