"""ReceiptsTableModel: the store's receipts, one frozen `ReceiptRow` per row, and how they are filtered."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

from collector_app import coverage_words as words
from collector_app.domain.text import fold
from collector_app.formatting import format_date, format_vnd
from collector_app.i18n import N_, _, ngettext
from collector_app.store.outbox import DeliveryState
from collector_app.store.receipt_list import ReceiptRow
from collector_app.ui.models.columns import CENTER, RIGHT, Column, RowsTableModel
from collector_app.ui.palette import ATTENTION


def status_text(row: ReceiptRow) -> str:
    """ "Void" for a voided receipt, else "Valid", with how many copies were printed after the original."""
    if row.voided:
        return _("Void")
    if row.reprints:
        return ngettext("Valid, {n} copy printed", "Valid, {n} copies printed", row.reprints).format(
            n=row.reprints)
    return _("Valid")


def method_text(row: ReceiptRow) -> str:
    return _("Transfer") if row.method == "transfer" else _("Cash")


NEEDS_ATTENTION = frozenset({DeliveryState.REJECTED, DeliveryState.REVIEW_REJECTED})


def delivery_text(row: ReceiptRow) -> str:
    return words.delivery_text(row.delivery)


RECEIPT_COLUMNS: tuple[Column[ReceiptRow], ...] = (
    Column("number", N_("Receipt number"), lambda r: r.receipt_number),
    Column("date", N_("Date"), lambda r: format_date(r.issued_on), CENTER),
    Column("payer", N_("Payer"), lambda r: r.payer_name),
    Column("scheme", N_("Scheme"), lambda r: words.scheme_text(r.scheme)),
    Column("amount", N_("Amount"), lambda r: format_vnd(r.amount), RIGHT),
    Column("method", N_("Method"), method_text),
    Column("status", N_("Status"), status_text),
    Column("delivery", N_("Sync"), delivery_text),
)


class ReceiptsTableModel(RowsTableModel[ReceiptRow]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(RECEIPT_COLUMNS, parent)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        # A void receipt keeps its row and number, greyed so the valid ones stand out.
        if role == Qt.ItemDataRole.ForegroundRole and index.isValid():
            row = self.row(index.row())
            if row.voided:
                return QGuiApplication.palette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
            # A record that needs the user's attention (the Sync page says why) stands out in red.
            if row.delivery in NEEDS_ATTENTION and self.columns[index.column()].key == "delivery":
                return QColor(ATTENTION)
        return super().data(index, role)


def receipt_matches(row: ReceiptRow, folded_text: str) -> bool:
    """Whether the receipt's number, payer or date (dd/mm/yyyy) contains `folded_text` (already `fold`ed)."""
    return (
        folded_text in fold(row.payer_name)
        or folded_text in row.receipt_number.lower()
        or folded_text in format_date(row.issued_on)
    )
