"""BatchPage: one batch's records as a supervisor checks them (receipt, person with a masked citizen ID, scheme,
period, amount, the server's check, the receipt code's check, the review), and the chosen record's history
below: every delivery and every decision, oldest first.

Keyboard first: J/K (or the arrows) move, A approves, R rejects (a reason from a list, or typed), Shift+A
approves every record still awaiting a decision after one confirmation, Esc goes back to the list as it
was. Each decision runs in the background; the row shows it once the server has recorded it. When the
server cannot be reached the page says so, with Try again (F5).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from collector_app.formatting import format_count, format_date, format_time, format_vnd
from collector_app.i18n import N_, _, ngettext
from collector_app.sync.review import (
    BatchDetail,
    HistoryEvent,
    ReviewRecord,
    approve_rest,
    batch_detail,
    decide,
    record_history,
)
from collector_app.ui.dialogs.reject_dialog import RejectDialog
from collector_app.ui.models.columns import RIGHT, Column, RowsTableModel
from collector_app.ui.palette import attention_style
from collector_app.ui.supervisor_link import SupervisorLink
from collector_app.ui.widgets.tables import fit_columns, rows_view

SCHEMES = {"vsi": N_("Voluntary SI"), "family_hi": N_("Family HI")}
KINDS = {"payment": N_("Payment"), "void": N_("Receipt void")}
RECORD_SHARE, HISTORY_SHARE = 3, 1


def _period(record: ReviewRecord) -> str:
    if record.period_start is None or record.period_end is None:
        return ""
    return f"{format_date(record.period_start)}–{format_date(record.period_end)}"


def _server_check(record: ReviewRecord) -> str:
    if record.status == "accepted":
        return _("Accepted")
    return _("Refused: {message}").format(message=record.message or record.code or "")


def _receipt_check(record: ReviewRecord) -> str:
    if record.receipt_check is None:
        return ""
    if record.receipt_check == "valid":
        return _("Valid")
    return _("Not valid ({code})").format(code=record.receipt_check)


# The server's verdict on the QR signature the device sent with the payment (never the device's own word).
SIGNATURE_WORDS = {"valid": N_("Valid"), "invalid": N_("Invalid"), "absent": N_("Absent")}


def _signature(record: ReviewRecord) -> str:
    if record.signature is None:
        return ""
    return _(SIGNATURE_WORDS[record.signature]) if record.signature in SIGNATURE_WORDS else record.signature


def review_text(record: ReviewRecord) -> str:
    if record.review is None:
        return _("Nothing to decide")
    if record.review == "pending":
        return _("Awaiting decision")
    if record.review == "approved":
        return _("Approved by {who}").format(who=record.decided_by or "")
    return _("Rejected: {reason}").format(reason=record.reason or "")


RECORD_COLUMNS: tuple[Column[ReviewRecord], ...] = (
    Column("receipt", N_("Receipt"), lambda r: r.receipt_number or ""),
    Column("kind", N_("Kind"), lambda r: _(KINDS.get(r.kind, r.kind))),
    Column("person", N_("Person"), lambda r: r.person or "", elided=True),
    Column("citizen_id", N_("Citizen ID"), lambda r: r.citizen_id or ""),
    Column("scheme", N_("Scheme"), lambda r: _(SCHEMES[r.scheme]) if r.scheme in SCHEMES else (r.scheme or "")),
    Column("period", N_("Period"), _period),
    Column("amount", N_("Amount"), lambda r: "" if r.amount is None else format_vnd(r.amount), RIGHT),
    Column("server_check", N_("Server's check"), _server_check, elided=True),
    Column("receipt_check", N_("Receipt code"), _receipt_check),
    Column("signature", N_("QR signature"), _signature),
    Column("review", N_("Review"), review_text, elided=True),
)


def _event_what(event: HistoryEvent) -> str:
    if event.kind == "delivery":
        if event.duplicate:
            return _("Delivered again (kept once)")
        return _("Delivered: accepted") if event.status == "accepted" else _("Delivered: refused")
    what = _("Approved") if event.decision == "approve" else _("Rejected")
    return _("{what} (replaces the earlier decision)").format(what=what) if event.supersedes else what


HISTORY_COLUMNS: tuple[Column[HistoryEvent], ...] = (
    Column("at", N_("When"), lambda e: format_time(e.at)),
    Column("what", N_("Event"), _event_what),
    Column("who", N_("Done by"), lambda e: e.supervisor or _("device")),
    Column("details", N_("Details"), lambda e: (e.reason or "") if e.kind == "decision" else (e.message or ""),
           elided=True),
)


class BatchPage(QWidget):
    back_requested = Signal()
    batch_changed = Signal(object)  # BatchSummary, after a decision changed the batch's counts

    def __init__(self, link: SupervisorLink, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._link = link
        self.batch_id: str | None = None
        self.detail: BatchDetail | None = None
        self.reject_dialog: RejectDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.reason_dialog: QInputDialog | None = None

        self.back_button = QPushButton(_("← Back to the list (Esc)"))
        self.title_label = QLabel()
        self.title_label.setWordWrap(True)
        self.title_label.setAccessibleName(_("Batch"))
        self.records_model: RowsTableModel[ReviewRecord] = RowsTableModel(RECORD_COLUMNS, self)
        self.records_table = rows_view(self.records_model, _("Records of the batch"))
        fit_columns(self.records_table, self.records_model)  # type: ignore[arg-type]
        self.history_model: RowsTableModel[HistoryEvent] = RowsTableModel(HISTORY_COLUMNS, self)
        self.history_table = rows_view(self.history_model, _("History of the record"))
        fit_columns(self.history_table, self.history_model)  # type: ignore[arg-type]
        self.history_label = QLabel(_("History of the chosen record"))
        self.approve_button = QPushButton(_("Approve (A)"))
        self.reject_button = QPushButton(_("Reject… (R)"))
        self.approve_rest_button = QPushButton(_("Approve all remaining… (Shift+A)"))
        for button in (self.approve_button, self.reject_button, self.approve_rest_button):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setAccessibleName(_("Batch message"))
        self.retry_button = QPushButton(_("Try &again (F5)"))
        self.retry_button.hide()

        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(self.title_label, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.approve_button)
        actions.addWidget(self.reject_button)
        actions.addWidget(self.approve_rest_button)
        actions.addWidget(self.message_label, 1)
        actions.addWidget(self.retry_button)
        history = QWidget()
        history_layout = QVBoxLayout(history)
        history_layout.setContentsMargins(0, 0, 0, 0)
        history_layout.addWidget(self.history_label)
        history_layout.addWidget(self.history_table)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.records_table)
        self.splitter.addWidget(history)
        self.splitter.setStretchFactor(0, RECORD_SHARE)
        self.splitter.setStretchFactor(1, HISTORY_SHARE)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(actions)
        layout.addWidget(self.splitter, 1)

        # Letters are read from the tables' key presses: a table would take them for its type-ahead search.
        self._keys = {(Qt.Key.Key_J, False): self.move_down, (Qt.Key.Key_K, False): self.move_up,
                      (Qt.Key.Key_A, False): self.approve, (Qt.Key.Key_R, False): self.reject_current,
                      (Qt.Key.Key_A, True): self.approve_remaining, (Qt.Key.Key_Escape, False): self.back_requested.emit}
        for table in (self.records_table, self.history_table):
            table.installEventFilter(self)
        self.back_shortcut = QShortcut(QKeySequence("Esc"), self)
        self.back_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.back_shortcut.activated.connect(self.back_requested)
        self.retry_shortcut = QShortcut(QKeySequence("F5"), self)
        self.retry_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.retry_shortcut.activated.connect(self.retry)
        self.retry_button.clicked.connect(self.retry)
        self.back_button.clicked.connect(self.back_requested)
        self.approve_button.clicked.connect(self.approve)
        self.reject_button.clicked.connect(self.reject_current)
        self.approve_rest_button.clicked.connect(self.approve_remaining)
        self.records_table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        link.changed.connect(self._on_link_changed)

    @Slot()
    def _on_link_changed(self) -> None:
        """Signed out or locked: the batch shown is forgotten, so nothing of it stays on screen."""
        if self._link.session is None:
            self.batch_id = self.detail = None
            self.records_model.set_rows(())
            self.history_model.set_rows(())
            self.title_label.clear()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            if modifiers in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
                action = self._keys.get((Qt.Key(event.key()), modifiers == Qt.KeyboardModifier.ShiftModifier))
                if action is not None:
                    action()
                    return True
        return super().eventFilter(watched, event)

    # ---- loading ------------------------------------------------------------------------------------

    def open_batch(self, batch_id: str) -> None:
        self.batch_id = batch_id
        self.detail = None
        self.records_model.set_rows(())
        self.history_model.set_rows(())
        self.title_label.setText(_("Loading the batch…"))
        self._say("", attention=False)
        self.reload(select_row=0)
        self.records_table.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def retry(self) -> None:
        """Load the batch again after the server could not be reached (F5)."""
        self.retry_button.hide()
        self._say(_("Loading the batch…"), attention=False)
        self.reload()

    def reload(self, *, select_row: int | None = None) -> None:
        batch_id = self.batch_id
        if batch_id is None:
            return
        row = self.records_table.currentIndex().row() if select_row is None else select_row
        self._link.call(self, lambda session: batch_detail(session, batch_id),
                        success=lambda detail: self._show(detail, row), failure=self._on_load_failed,
                        label=_("Loading the batch…"), key="batch")

    def _show(self, detail: BatchDetail, row: int) -> None:
        if detail.summary.batch_id != self.batch_id:
            return
        self.detail = detail
        self.retry_button.hide()
        summary = detail.summary
        self.title_label.setText(_("Batch from {device} (point {point}), received {when}: {records}, {amount}; "
                                   "{pending} awaiting a decision").format(
            device=summary.series, point=summary.point_code, when=format_time(summary.received_at),
            records=ngettext("{n} record", "{n} records", summary.record_count).format(
                n=format_count(summary.record_count)),
            amount=format_vnd(summary.total_amount), pending=format_count(summary.pending)))
        self.records_model.set_rows(detail.records)
        if detail.records:
            self.records_table.selectRow(max(0, min(row, len(detail.records) - 1)))
        self.approve_rest_button.setEnabled(summary.pending > 0)
        self.batch_changed.emit(summary)

    def current_record(self) -> ReviewRecord | None:
        index = self.records_table.currentIndex()
        return self.records_model.row(index.row()) if index.isValid() else None

    @Slot(QModelIndex, QModelIndex)
    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.history_model.set_rows(())
        if not current.isValid():
            return
        record_id = self.records_model.row(current.row()).record_id
        self._link.call(self, lambda session: record_history(session, record_id),
                        success=self.history_model.set_rows, failure=self._on_failed, key="history")

    # ---- moving and deciding ------------------------------------------------------------------------

    @Slot()
    def move_down(self) -> None:
        self._move(1)

    @Slot()
    def move_up(self) -> None:
        self._move(-1)

    def _move(self, step: int) -> None:
        rows = self.records_model.rowCount()
        if rows:
            current = self.records_table.currentIndex().row()
            self.records_table.selectRow(max(0, min(rows - 1, current + step)))

    @Slot()
    def approve(self) -> None:
        record = self._decidable()
        if record is None:
            return
        if record.review == "rejected":  # a new decision replaces the rejection: it must say why
            dialog = QInputDialog(self)
            dialog.setWindowTitle(_("Approve a rejected record"))
            dialog.setLabelText(_("This record was rejected. Why is it approved now?"))
            dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
            dialog.textValueSelected.connect(lambda reason: self._decide(record, approve=True, reason=reason))
            self.reason_dialog = dialog
            dialog.open()
            return
        self._decide(record, approve=True, reason="")

    @Slot()
    def reject_current(self) -> None:
        record = self._decidable()
        if record is None:
            return
        dialog = RejectDialog(record.receipt_number or _(KINDS.get(record.kind, record.kind)), self)
        dialog.accepted.connect(lambda: self._decide(record, approve=False, reason=dialog.reason))
        self.reject_dialog = dialog
        dialog.open()

    @Slot()
    def approve_remaining(self) -> None:
        detail = self.detail
        if detail is None or detail.summary.pending == 0:
            self._say(_("No record of this batch is awaiting a decision."), attention=False)
            return
        pending = detail.summary.pending
        box = QMessageBox(QMessageBox.Icon.Question, _("Approve all remaining"),
                          ngettext("Approve the {n} record still awaiting a decision?",
                                   "Approve the {n} records still awaiting a decision?", pending).format(
                              n=format_count(pending)),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.accepted.connect(self._on_approve_rest_confirmed)
        self.confirm_box = box
        box.open()

    @Slot()
    def _on_approve_rest_confirmed(self) -> None:
        batch_id = self.batch_id
        if batch_id is None:
            return
        self._say(_("Approving…"), attention=False)
        self._link.call(self, lambda session: approve_rest(session, batch_id),
                        success=self._on_approved_rest, failure=self._on_failed, label=_("Approving…"))

    def _on_approved_rest(self, count: int) -> None:
        self._say(ngettext("{n} record approved.", "{n} records approved.", count).format(n=format_count(count)),
                  attention=False)
        self.reload()

    def _decidable(self) -> ReviewRecord | None:
        record = self.current_record()
        if record is None:
            return None
        if record.review is None:
            self._say(_("The server refused this record: there is nothing to decide."))
            return None
        return record

    def _decide(self, record: ReviewRecord, *, approve: bool, reason: str) -> None:
        record_id = record.record_id
        self._say(_("Approving…") if approve else _("Rejecting…"), attention=False)
        self._link.call(self, lambda session: decide(session, record_id, approve=approve, reason=reason),
                        success=self._on_decided, failure=self._on_failed,
                        label=_("Approving…") if approve else _("Rejecting…"))

    def _on_decided(self, decision: str) -> None:
        self._say(_("Approved.") if decision == "approve" else _("Rejected."), attention=False)
        self.reload()  # the row, the batch's counts, and (choosing the row again) its history

    def _on_failed(self, error: Exception) -> None:
        self._say(str(error))

    def _on_load_failed(self, error: Exception) -> None:
        """The batch could not be read (no server, say): said in one line, with Try again."""
        self._say(str(error))
        self.retry_button.show()

    def _say(self, text: str, *, attention: bool = True) -> None:
        self.message_label.setStyleSheet(attention_style("QLabel") if attention else "")
        self.message_label.setText(text)
