"""CloseDayDialog: count the drawer by denomination, see the difference with the day's receipts, close the day.

Keyboard: the first count has the focus; Tab moves down the notes (500.000 đ to 1.000 đ), then the
reason, then the buttons. Totals follow each key typed. Ctrl+Enter closes the day, Ctrl+P shows the
day's report (rendered off the GUI thread), Esc leaves. A closed day opens with its count, read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from collector_app.domain.closing import DENOMINATIONS, MAX_NOTES, MAX_REASON, cash_count
from collector_app.domain.problems import DomainError
from collector_app.formatting import format_date, format_signed_vnd, format_vnd
from collector_app.i18n import _
from collector_app.messages import message
from collector_app.services.closing import ClosedDay, DayToClose, close_day, day_report_pdf, day_to_close
from collector_app.store.users import User
from collector_app.ui.dialogs.pdf_preview import PdfPreviewDialog
from collector_app.ui.operations import Op
from collector_app.ui.printing import PrintPreferences
from collector_app.ui.tasks import TaskRunner


class CloseDayDialog(QDialog):
    def __init__(self, runner: TaskRunner, *, actor: Callable[[], User], on: date,
                 preferences: PrintPreferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._actor = actor
        self._on = on
        self._preferences = preferences
        self._expected: int | None = None
        self.report: PdfPreviewDialog | None = None
        self.setWindowTitle(_("Close the day {date}").format(date=format_date(on)))

        self.heading = QLabel(_("Count the cash in the drawer, note by note. Loading the day's receipts…"))
        self.heading.setWordWrap(True)
        grid = QGridLayout()
        grid.addWidget(_bold(_("Note")), 0, 0)
        grid.addWidget(_bold(_("Notes counted")), 0, 1)
        grid.addWidget(_bold(_("Amount")), 0, 2, Qt.AlignmentFlag.AlignRight)
        self.counts: dict[int, QSpinBox] = {}
        self.subtotals: dict[int, QLabel] = {}
        for row, value in enumerate(DENOMINATIONS, start=1):
            label = QLabel(format_vnd(value))
            box = QSpinBox()
            box.setRange(0, MAX_NOTES)
            box.setAccelerated(True)
            box.setAccessibleName(_("Notes of {value}").format(value=format_vnd(value)))
            box.setAlignment(Qt.AlignmentFlag.AlignRight)
            box.setMinimumWidth(110)
            label.setBuddy(box)
            subtotal = QLabel(format_vnd(0))
            subtotal.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            subtotal.setMinimumWidth(140)
            box.valueChanged.connect(self._update_totals)
            grid.addWidget(label, row, 0)
            grid.addWidget(box, row, 1)
            grid.addWidget(subtotal, row, 2)
            self.counts[value], self.subtotals[value] = box, subtotal
        grid.setColumnStretch(3, 1)

        figures = QGridLayout()
        self.counted_label, self.expected_label = QLabel(), QLabel()
        self.difference_label, self.transfers_label = QLabel(), QLabel()
        for row, (title, value) in enumerate(((_("Counted cash"), self.counted_label),
                                              (_("Expected cash"), self.expected_label),
                                              (_("Difference"), self.difference_label),
                                              (_("Transfers (not in the drawer)"), self.transfers_label))):
            figures.addWidget(QLabel(title), row, 0)
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setMinimumWidth(140)
            figures.addWidget(value, row, 1)
        figures.setColumnStretch(2, 1)
        self.difference_label.setStyleSheet("font-weight: bold")

        self.reason = QLineEdit()
        self.reason.setMaxLength(MAX_REASON)
        self.reason.setAccessibleName(_("Reason for the difference"))
        self.reason.setPlaceholderText(_("Needed when the cash differs from the receipts"))
        reason_label = QLabel(_("&Reason:"))
        reason_label.setBuddy(self.reason)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName(_("Closing status"))

        buttons = QDialogButtonBox()
        self.close_button = QPushButton(_("C&lose the day"))
        self.close_button.setEnabled(False)
        self.report_button = QPushButton(_("&Print the report…"))
        self.report_button.setEnabled(False)
        cancel = QPushButton(_("Cancel"))
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.report_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        self.close_button.clicked.connect(self._on_close_clicked)
        self.report_button.clicked.connect(self._on_report_clicked)
        cancel.clicked.connect(self.reject)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, activated=self._on_close_clicked)
        QShortcut(QKeySequence("Ctrl+P"), self, activated=self._on_report_clicked)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(grid)
        layout.addLayout(figures)
        layout.addWidget(reason_label)
        layout.addWidget(self.reason)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
        self.counts[DENOMINATIONS[0]].setFocus(Qt.FocusReason.OtherFocusReason)
        self._update_totals()

    def load(self) -> None:
        on, user = self._on, self._actor()
        Op(self, lambda store, _p: day_to_close(store, actor=user, on=on), runner=self._runner) \
            .success(self._on_loaded).failure(self._on_failed).run(label=_("Reading the day's receipts…"))

    def counted(self) -> int:
        return cash_count({value: box.value() for value, box in self.counts.items()}).total

    @Slot()
    def _update_totals(self) -> None:
        for value, box in self.counts.items():
            self.subtotals[value].setText(format_vnd(value * box.value()))
        counted = self.counted()
        self.counted_label.setText(format_vnd(counted))
        if self._expected is None:
            self.difference_label.setText("—")
        else:
            self.difference_label.setText(format_signed_vnd(counted - self._expected))

    def _on_loaded(self, day: DayToClose) -> None:
        self._expected = day.expected_cash
        self.expected_label.setText(format_vnd(day.expected_cash))
        self.transfers_label.setText(format_vnd(day.transfers))
        self.report_button.setEnabled(True)
        if day.closed is None:
            self.heading.setText(_("Count the cash in the drawer, note by note: {name}, {date}.").format(
                name=self._actor().full_name, date=format_date(self._on)))
            self.close_button.setEnabled(True)
        else:
            for value, box in self.counts.items():
                box.setValue(day.closed.counts.get(value, 0))
                box.setReadOnly(True)
            self._expected = day.closed.expected_cash
            self.expected_label.setText(format_vnd(day.closed.expected_cash))
            self.transfers_label.setText(format_vnd(day.closed.transfers))
            self.reason.setText(day.closed.reason)
            self.reason.setReadOnly(True)
            self.heading.setText(_("{date} is closed: nothing more can be recorded on it. A correction goes on "
                                   "the next day.").format(date=format_date(self._on)))
        self._update_totals()

    def _on_failed(self, error: Exception) -> None:
        self.status.setText(" ".join(message(p) for p in error.problems) if isinstance(error, DomainError)
                            else _("The day could not be read: {error}").format(error=error))

    @Slot()
    def _on_close_clicked(self) -> None:
        if not self.close_button.isEnabled():
            return
        on, user, reason = self._on, self._actor(), self.reason.text()
        count = cash_count({value: box.value() for value, box in self.counts.items()})
        today = date.today()
        self.close_button.setEnabled(False)
        self.status.setText(_("Closing the day…"))
        Op(self, lambda store, _p: close_day(store, actor=user, on=on, today=today, count=count, reason=reason),
           runner=self._runner).success(self._on_closed).failure(self._on_close_failed) \
            .run(label=_("Closing the day…"))

    def _on_closed(self, closed: ClosedDay) -> None:
        for box in self.counts.values():
            box.setReadOnly(True)
        self.reason.setReadOnly(True)
        self.status.setText(_("Day {date} closed: counted {counted}, difference {difference}.").format(
            date=format_date(closed.on), counted=format_vnd(closed.counted_cash),
            difference=format_signed_vnd(closed.difference)))
        self.report_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_close_failed(self, error: Exception) -> None:
        self.close_button.setEnabled(True)
        self._on_failed(error)
        self.reason.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def _on_report_clicked(self) -> None:
        if not self.report_button.isEnabled():
            return
        on, user = self._on, self._actor()
        self.report_button.setEnabled(False)
        Op(self, lambda store, _p: day_report_pdf(store, actor=user, on=on), runner=self._runner) \
            .success(self._on_report_ready).failure(self._on_report_failed).run(label=_("Preparing the report…"))

    def _on_report_ready(self, pdf: bytes) -> None:
        self.report_button.setEnabled(True)
        self.report = PdfPreviewDialog(pdf, title=_("Day report {date}").format(date=format_date(self._on)),
                                       file_name=f"bang-ke-{self._on.isoformat()}.pdf",
                                       preferences=self._preferences, parent=self)
        self.report.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.report.open()

    def _on_report_failed(self, error: Exception) -> None:
        self.report_button.setEnabled(True)
        self._on_failed(error)


def _bold(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: bold")
    return label
