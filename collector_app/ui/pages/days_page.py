"""DaysPage: the points' closed days as the server received them, for a supervisor, each beside the server's
own figure for the same day (its ledger's cash receipts net of voids, plus hand-overs), so that a day
whose receipts have not all arrived, or do not add up, stands out.

Keyboard: Tab moves through the filters (point, from, to) to the list; Enter in a filter applies it; in
the list, Enter opens the review of that point's batches (`point_chosen`). F5 asks again after a failure.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal, Slot
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from collector_app.formatting import format_count, format_date, format_signed_vnd, format_vnd
from collector_app.i18n import N_, _, ngettext
from collector_app.sync.review import ClosedDay, closed_days
from collector_app.ui.models.columns import RIGHT, Column, Index, RowsTableModel
from collector_app.ui.pages.batches_page import NEEDS_SIGN_IN
from collector_app.ui.palette import ATTENTION, attention_style
from collector_app.ui.supervisor_link import SupervisorLink
from collector_app.ui.widgets.date_range import date_edit, read_date_range
from collector_app.ui.widgets.tables import rows_view

_OPEN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def check_text(day: ClosedDay) -> str:
    """Whether the server's ledger holds the cash the device expected, in words."""
    if day.missing == 0:
        return _("Matches")
    if day.missing > 0:
        return _("Server holds {amount} less").format(amount=format_vnd(day.missing))
    return _("Server holds {amount} more").format(amount=format_vnd(-day.missing))


COLUMNS: tuple[Column[ClosedDay], ...] = (
    Column("day", N_("Day"), lambda d: format_date(d.closed_on)),
    Column("point", N_("Point"), lambda d: d.point_code),
    Column("collector", N_("Collector"), lambda d: d.collector),
    Column("expected", N_("Expected cash"), lambda d: format_vnd(d.expected_cash), RIGHT),
    Column("counted", N_("Counted"), lambda d: format_vnd(d.counted_cash), RIGHT),
    Column("difference", N_("Difference"), lambda d: format_signed_vnd(d.difference), RIGHT),
    Column("server", N_("Server's ledger"), lambda d: format_vnd(d.server_expected_cash), RIGHT),
    Column("check", N_("Check"), check_text),
    Column("reason", N_("Reason"), lambda d: d.reason, elided=True),
)


class DaysModel(RowsTableModel[ClosedDay]):
    """The closed days; a day the server's ledger does not match, and a count that differs, in the attention red."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(COLUMNS, parent)
        self._flagged = {self.column_number("check"): lambda d: d.missing != 0,
                         self.column_number("difference"): lambda d: d.difference != 0}

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and index.isValid():
            flagged = self._flagged.get(index.column())
            return QColor(ATTENTION) if flagged is not None and flagged(self.row(index.row())) else None
        return super().data(index, role)


class DaysPage(QWidget):
    point_chosen = Signal(str)  # point code: show its batches

    def __init__(self, link: SupervisorLink, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._link = link
        title = QLabel(_("Closed days"))
        title.setStyleSheet("font-size: 16pt; font-weight: bold")
        self.point_edit = QLineEdit()
        self.point_edit.setPlaceholderText(_("e.g. BD01"))
        self.from_edit = date_edit()
        self.to_edit = date_edit()
        self.filter_button = QPushButton(_("&Filter"))
        filters = QHBoxLayout()
        for text, field in ((_("P&oint:"), self.point_edit), (_("Closed &from:"), self.from_edit),
                            (_("&to:"), self.to_edit)):
            label = QLabel(text)
            label.setBuddy(field)
            field.setAccessibleName(text.replace("&", "").rstrip(":"))
            filters.addWidget(label)
            filters.addWidget(field)
        filters.addWidget(self.filter_button)
        filters.addStretch(1)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(_("Closed days summary"))
        self.model = DaysModel(self)
        self.table = rows_view(self.model, _("Closed days"))
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.model.column_number("reason"), QHeaderView.ResizeMode.Stretch)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.retry_button = QPushButton(_("Try &again (F5)"))
        self.retry_button.hide()
        message_row = QHBoxLayout()
        message_row.addWidget(self.message, 1)
        message_row.addWidget(self.retry_button)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(filters)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(message_row)
        chain = (self.point_edit, self.from_edit, self.to_edit, self.filter_button, self.table)
        for before, after in zip(chain, chain[1:]):
            QWidget.setTabOrder(before, after)

        for edit in (self.point_edit, self.from_edit, self.to_edit):
            edit.returnPressed.connect(self.reload)
        self.filter_button.clicked.connect(self.reload)
        self.retry_button.clicked.connect(self.reload)
        retry = QShortcut(QKeySequence("F5"), self)
        retry.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        retry.activated.connect(self.reload)
        self.table.doubleClicked.connect(self._on_double_clicked)
        self.table.installEventFilter(self)
        link.changed.connect(self.reload)
        self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def reload(self) -> None:
        """Ask the server for the closed days of the filter (or show the sign-in hint without a session)."""
        self.retry_button.hide()
        if self._link.session is None:
            self.model.set_rows(())
            self.summary.clear()
            self._say(_(NEEDS_SIGN_IN), attention=False)
            return
        dates = read_date_range(self.from_edit, self.to_edit, self._say)
        if dates is None:
            return
        since, until = dates
        point = self.point_edit.text().strip().upper() or None
        self._say(_("Loading closed days…"), attention=False)
        self._link.call(self, lambda session: closed_days(session, point=point, since=since, until=until),
                        success=self._on_loaded, failure=self._on_failed, label=_("Loading closed days…"),
                        key="closed-days")

    def _on_loaded(self, days: tuple[ClosedDay, ...]) -> None:
        self.model.set_rows(days)
        differing = [day for day in days if day.missing]
        self.summary.setText(_("{days} · {differing} not matching the server's ledger · counted {counted} "
                               "against {expected} expected").format(
            days=ngettext("{n} day closed", "{n} days closed", len(days)).format(n=format_count(len(days))),
            differing=format_count(len(differing)),
            counted=format_vnd(sum(day.counted_cash for day in days)),
            expected=format_vnd(sum(day.expected_cash for day in days))))
        self._say("" if days else _("No closed day matches this filter."), attention=False)
        if days and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def _on_failed(self, error: Exception) -> None:
        self._say(str(error))
        self.retry_button.setVisible(self._link.session is not None)

    def _say(self, text: str, *, attention: bool = True) -> None:
        self.message.setStyleSheet(attention_style("QLabel") if attention else "")
        self.message.setText(text)

    def _on_double_clicked(self, index: QModelIndex) -> None:
        self.point_chosen.emit(self.model.row(index.row()).point_code)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            index = self.table.currentIndex()
            if event.key() in _OPEN_KEYS and index.isValid():
                self.point_chosen.emit(self.model.row(index.row()).point_code)
                return True
        return super().eventFilter(watched, event)

