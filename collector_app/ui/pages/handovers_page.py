"""HandoversPage: per collaborator, the cash collected, handed over and still held, and recording a hand-over.

Keyboard: the table has the focus; arrows choose a collaborator; Tab reaches the hand-over form (up to
a day, the amount handed, a reason when it differs), Ctrl+Enter records it. Loaded and recorded off
the GUI thread; reloaded whenever payments, voids or receipts change.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from collector_app.domain.closing import MAX_REASON
from collector_app.domain.problems import DomainError
from collector_app.formatting import format_date, format_vnd
from collector_app.i18n import N_, _, ngettext
from collector_app.messages import message
from collector_app.services.changes import Change, Changes
from collector_app.services.closing import HandedOver, collaborators_cash, record_handover
from collector_app.store.handovers import CollaboratorCash
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.payment_parts import MoneyEdit
from collector_app.ui.models.columns import RIGHT, Column, RowsTableModel
from collector_app.ui.operations import Op
from collector_app.ui.widgets.tables import rows_view

FIELD_WIDTH = 200  # px: a date or an amount, not the page's whole width
WATCHED: Changes = frozenset({Change.PAYMENTS, Change.RECEIPTS, Change.USERS})

COLUMNS: tuple[Column[CollaboratorCash], ...] = (
    Column("name", N_("Collaborator"), lambda c: f"{c.full_name} ({c.username})"),
    Column("collected", N_("Collected"), lambda c: format_vnd(c.collected), RIGHT),
    Column("handed", N_("Handed over"), lambda c: format_vnd(c.handed_over), RIGHT),
    Column("held", N_("Still held"), lambda c: format_vnd(c.held), RIGHT),
    Column("receipts", N_("Receipts held"), lambda c: str(c.held_receipts), RIGHT),
    Column("oldest", N_("Held since"), lambda c: "—" if c.oldest_held is None else format_date(c.oldest_held)),
)


class CollaboratorsModel(RowsTableModel[CollaboratorCash]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(COLUMNS, parent)


class HandoversPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        title = QLabel(_("Collaborators' cash"))
        title.setStyleSheet("font-size: 16pt; font-weight: bold")
        self.summary = QLabel(_("Loading…"))
        self.summary.setWordWrap(True)
        self.model = CollaboratorsModel(self)
        self.table = rows_view(self.model, _("Collaborators' cash"))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)

        self.until = QDateEdit()
        self.until.setCalendarPopup(True)
        self.until.setDisplayFormat("dd/MM/yyyy")
        self.until.setDate(QDate.currentDate())
        self.until.setAccessibleName(_("Receipts paid up to"))
        self.amount = MoneyEdit()  # "231.000", as the payment forms take amounts
        self.amount.setAccessibleName(_("Cash handed over"))
        self.until.setMaximumWidth(FIELD_WIDTH)
        self.amount.setMaximumWidth(FIELD_WIDTH)
        # What the chosen date covers, said again at every change of the date or of the collaborator.
        self.covered = QLabel()
        self.covered.setAccessibleName(_("Receipts covered"))
        self.reason = QLineEdit()
        self.reason.setMaxLength(MAX_REASON)
        self.reason.setAccessibleName(_("Reason for the difference"))
        self.reason.setPlaceholderText(_("Needed when the cash differs from the receipts"))
        self.reason.setMaximumWidth(3 * FIELD_WIDTH)
        self.record_button = QPushButton(_("&Record the hand-over"))
        self.record_button.setEnabled(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        form = QFormLayout()
        until_row = QHBoxLayout()
        until_row.addWidget(self.until)
        until_row.addWidget(self.covered, 1)
        until_label = QLabel(_("Receipts paid &up to:"))  # a row of a layout gets no buddy by itself
        until_label.setBuddy(self.until)
        form.addRow(until_label, until_row)
        form.addRow(_("Cash handed &over:"), self.amount)
        form.addRow(_("Rea&son:"), self.reason)
        buttons = QHBoxLayout()
        buttons.addWidget(self.record_button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(QLabel(_("Record cash the chosen collaborator hands over to you:")))
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)

        self.table.selectionModel().currentRowChanged.connect(self._on_chosen)
        self.until.dateChanged.connect(self._on_chosen)
        self.record_button.clicked.connect(self._on_record_clicked)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, activated=self._on_record_clicked,
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        ctx.events.changed.connect(self._on_store_changed)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.load()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def load(self) -> None:
        Op(self, lambda store, _p: collaborators_cash(store), runner=self._ctx.runner).latest_only("handovers") \
            .success(self._on_loaded).failure(self._on_failed).run(label=_("Reading collaborators' cash…"))

    def chosen(self) -> CollaboratorCash | None:
        row = self.table.currentIndex().row()
        return self.model.row(row) if 0 <= row < self.model.rowCount() else None

    def _on_loaded(self, rows: list[CollaboratorCash]) -> None:
        previous = self.chosen()
        self.model.set_rows(rows)
        held = sum(c.held for c in rows)
        self.summary.setText(_("Collaborators still hold {amount} in cash.").format(amount=format_vnd(held))
                             if rows else _("This device has no collaborators."))
        if rows:
            index = next((i for i, c in enumerate(rows) if previous is not None and c.user_id == previous.user_id), 0)
            self.table.selectRow(index)
            self._on_chosen()
        self.record_button.setEnabled(bool(rows))

    def until_day(self) -> date:
        until = self.until.date().toPython()
        assert isinstance(until, date)
        return until

    @Slot()
    def _on_chosen(self, *_args: object) -> None:
        """Propose the cash of the receipts the chosen date covers, and say how many they are."""
        chosen = self.chosen()
        if chosen is None:
            self.covered.clear()
            return
        until = self.until_day()
        cash, receipts = chosen.held_until(until)
        self.amount.set_value(cash)
        self.covered.setText(ngettext("{n} receipt paid up to {date}: {amount}",
                                      "{n} receipts paid up to {date}: {amount}", receipts).format(
            n=receipts, date=format_date(until), amount=format_vnd(cash)))

    def _on_failed(self, error: Exception) -> None:
        self.status.setText(" ".join(message(p) for p in error.problems) if isinstance(error, DomainError)
                            else _("The list could not be read: {error}").format(error=error))

    @Slot()
    def _on_record_clicked(self) -> None:
        chosen = self.chosen()
        if chosen is None or not self.record_button.isEnabled():
            return
        until = self.until_day()
        amount, reason, user, actor = self.amount.value() or 0, self.reason.text(), chosen.username, self._ctx.user
        self.record_button.setEnabled(False)
        Op(self, lambda store, _p: record_handover(store, collaborator=user, receipts=None, until=until, amount=amount,
                                                   reason=reason, actor=actor), runner=self._ctx.runner) \
            .success(self._on_recorded).failure(self._on_record_failed).run(label=_("Recording the hand-over…"))

    def _on_recorded(self, done: HandedOver) -> None:
        self.record_button.setEnabled(True)
        self.reason.clear()
        self.status.setText(_("Hand-over recorded: {count} receipts of {user}.").format(
            count=len(done.receipt_numbers), user=done.collaborator))
        self.load()

    def _on_record_failed(self, error: Exception) -> None:
        self.record_button.setEnabled(True)
        self._on_failed(error)

    def _on_store_changed(self, changes: Changes) -> None:
        if changes & WATCHED:
            self.load()
