"""SyncPage: what the province has not received yet (receipts and money), "Sync now", the records that need
the user, to send again, and the technical figures (batches, sealing) folded away in the details.

Keyboard first: F9 syncs now (the window's action), Ctrl+G sends the selected server-rejected
records again, Ctrl+Shift+G all of them. Sending again writes the store (the TaskRunner), then syncs.
A computer not enrolled yet is enrolled from here (the Enrol dialog), then syncs at once.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, Slot
from PySide6.QtGui import QAction, QFont, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QToolButton,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from collector_app.domain.problems import DomainError
from collector_app.formatting import format_count, format_vnd
from collector_app.i18n import _, ngettext
from collector_app.messages import message
from collector_app.services.recovery import RecoveryOutcome, run_recovery
from collector_app.services.recovery import outcome_text as recovery_text
from collector_app.services.sync import AttentionRecord, Resent, SyncStatus, resend_rejected
from collector_app.sync.engine import Enrolment
from collector_app.ui.context import AppContext
from collector_app.services.syncing import Result, SyncOutcome, enrolled_text, not_enrolled_text, refusal_text
from collector_app.ui.dialogs.enrol_dialog import EnrolDialog
from collector_app.ui.models.attention_table import AttentionTableModel, reason_details
from collector_app.ui.operations import Op
from collector_app.ui.palette import SYNC_STATES
from collector_app.ui.sync_controller import SyncController, local_time_text
from collector_app.ui.widgets.sync_indicator import (
    DOT,
    attention_text,
    phase,
    phase_text,
    unsent_text,
)
from collector_app.ui.widgets.tables import rows_view

COLUMN_PADDING_PX = 16
RECOVERY_TIMEOUT_SECONDS = 30.0
RECOVERY_ATTEMPTS = 3  # the user is watching


def outcome_text(outcome: SyncOutcome) -> str:
    """What the last sync did, in a sentence or two ("" when not enrolled: the page's notice says so)."""
    if outcome.result == Result.NOT_ENROLLED:
        return ""
    if outcome.result != Result.DONE or outcome.report is None:
        return outcome.error or ""
    report = outcome.report
    if not report.delivered:
        lines = [_("Synced: nothing was waiting to be sent.")]
    else:
        accepted = sum(batch.accepted for batch in report.delivered)
        lines = [_("Sent to the province: {accepted} accepted, {rejected} refused.").format(
            accepted=format_count(accepted), rejected=format_count(len(report.rejected)))]
    for refused in report.refused:
        lines.append(_("Batch {sequence} refused by the server: {message} ({code})").format(
            sequence=refused.device_sequence, message=refusal_text(refused.code, refused.message),
            code=refused.code))
    if report.reviews:
        lines.append(_("{count} decisions of supervisors received.").format(count=report.reviews))
    for version in report.new_policy_versions:
        lines.append(_("New policy table {version} received.").format(version=version))
    return " ".join(lines)


class SyncPage(QWidget):
    def __init__(self, ctx: AppContext, controller: SyncController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = ctx.runner
        self._ctx = ctx
        self._store_path = ctx.store.path
        self._controller = controller

        self.state_label = QLabel()
        bigger = QFont(self.state_label.font())
        bigger.setPointSizeF(bigger.pointSizeF() * 1.25)
        bigger.setBold(True)
        self.state_label.setFont(bigger)
        self.state_label.setAccessibleName(_("Sync status"))
        # The headline: receipts and money the province does not have yet, in the collector's words.
        self.unsent_label = QLabel()
        self.unsent_label.setFont(bigger)
        self.unsent_label.setWordWrap(True)
        self.unsent_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.unsent_label.setAccessibleName(_("Not yet sent to the province"))
        self.notice_label = QLabel()  # not enrolled, or why the last sync failed
        self.notice_label.setWordWrap(True)
        self.notice_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice_label.setAccessibleName(_("Sync notice"))

        self.figures: dict[str, QLabel] = {}
        figures = QFormLayout()  # what a collector reads
        figures.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        details = QFormLayout()  # batches and sealing: for a supervisor or support, folded away
        details.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        for key, label, form in (
            ("last_sync", _("Last successful sync:"), figures),
            ("last_attempt", _("Last attempt:"), figures),
            ("server", _("Server:"), details),
            ("series", _("Receipt series:"), details),
            ("pending_records", _("Records not yet in a batch:"), details),
            ("pending_batches", _("Batches waiting to be sent:"), details),
            ("delivered", _("Batches delivered:"), details),
            ("sealed", _("In all sealed batches:"), details),
            ("policy", _("Policy table in use:"), details),
        ):
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setAccessibleName(label.rstrip(":"))
            self.figures[key] = value
            form.addRow(label, value)
        self.details_button = QToolButton()
        self.details_button.setText(_("Technical &details"))
        self.details_button.setCheckable(True)
        self.details_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_button.setArrowType(Qt.ArrowType.RightArrow)
        self.details_box = QWidget()
        self.details_box.setLayout(details)
        self.details_box.hide()

        self.sync_now_button = QPushButton(_("Sync now (F9)"))
        self.sync_now_button.setAccessibleName(_("Sync now"))
        self.enrol_button = QPushButton(_("&Enrol this computer…"))
        self.enrol_button.hide()  # until the figures say it is not enrolled
        # After a restore from an older backup, or on a new computer for the point: what the server holds.
        self.recover_button = QPushButton(_("&Get back from the server…"))
        self.recover_button.setAccessibleName(_("Get back from the server"))
        self.recover_button.setToolTip(_("Brings back the point's households and people and this computer's "
                                         "payments that the server holds and this computer lacks. Nothing "
                                         "newer here is overwritten; asking twice writes nothing twice."))
        self.enrolled_label = QLabel()  # the confirmation, once enrolled from this window
        self.enrolled_label.setWordWrap(True)
        self.enrolled_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.enrolled_label.setAccessibleName(_("Enrolment"))
        self.enrolled_label.hide()
        self.outcome_label = QLabel()  # what the last sync or resend did
        self.outcome_label.setWordWrap(True)
        self.outcome_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome_label.hide()

        self.model = AttentionTableModel(self)
        self._shown: tuple[AttentionRecord, ...] | None = None
        self.table = rows_view(self.model, _("Records needing attention"), many=True)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.attention_box = QGroupBox(_("Records needing attention"))

        # Ctrl+G ("gửi lại"); Ctrl+R is the window's, for the Receipts page.
        self.resend_action = self._action(_("Send again"), "Ctrl+G", self._on_resend_triggered)
        self.resend_all_action = self._action(_("Send all again"), "Ctrl+Shift+G", self._on_resend_all_triggered)
        self.resend_button = self._button(self.resend_action)
        self.resend_all_button = self._button(self.resend_all_action)
        self.details_label = QLabel()  # the current record's whole reason: the table cuts long ones
        self.details_label.setWordWrap(True)
        self.details_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_label.setAccessibleName(_("Details of the selected record"))
        help_label = QLabel(_("Send a record again only once its cause is fixed (for example, the province has "
                              "published the missing policy table). A wrong payment is voided and paid "
                              "again, never edited."))
        help_label.setWordWrap(True)

        top = QHBoxLayout()
        self.dot = QLabel(DOT)
        self.dot.setFont(bigger)
        top.addWidget(self.dot)
        top.addWidget(self.state_label, 1)
        top.addWidget(self.sync_now_button)
        box = QVBoxLayout(self.attention_box)
        box.addWidget(self.table, 1)
        box.addWidget(self.details_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.resend_button)
        buttons.addWidget(self.resend_all_button)
        buttons.addStretch(1)
        box.addLayout(buttons)
        box.addWidget(help_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.unsent_label)
        layout.addWidget(self.notice_label)
        enrol_row = QHBoxLayout()
        enrol_row.addWidget(self.enrol_button)
        enrol_row.addStretch(1)
        enrol_row.addWidget(self.recover_button)
        layout.addLayout(enrol_row)
        layout.addWidget(self.enrolled_label)
        layout.addLayout(figures)
        details_row = QHBoxLayout()
        details_row.addWidget(self.details_button)
        details_row.addStretch(1)
        layout.addLayout(details_row)
        layout.addWidget(self.details_box)
        layout.addWidget(self.outcome_label)
        layout.addSpacing(self.fontMetrics().height() // 2)
        layout.addWidget(self.attention_box, 1)
        layout.addStretch(0)  # takes the room instead of an empty attention box
        self._help_label = help_label

        self.sync_now_button.clicked.connect(self._on_sync_now_clicked)
        self.enrol_button.clicked.connect(self.open_enrol_dialog)
        self.recover_button.clicked.connect(self.recover_from_server)
        self.details_button.toggled.connect(self._on_details_toggled)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.selectionModel().currentChanged.connect(self._on_selection_changed)
        controller.changed.connect(self._on_controller_changed)
        controller.sync_finished.connect(self._on_sync_finished)
        self._on_controller_changed()

    def selected_records(self) -> list[AttentionRecord]:
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [self.model.row(row) for row in rows]

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._controller.refresh()

    @Slot()
    def open_enrol_dialog(self) -> EnrolDialog:
        """The Enrol dialog, shown (window-modal); on success the page says so and the controller syncs."""
        dialog = EnrolDialog(self._runner, self._store_path, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.enrolled.connect(self._on_enrolled)
        dialog.open()
        return dialog

    def focus_table(self) -> None:
        if not self.model.rowCount():  # nothing needs attention: the table is hidden
            self.sync_now_button.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self.table.selectionModel().hasSelection():
            current = self.table.currentIndex()
            self._select_row(current.row() if current.isValid() else 0)

    # Showing the figures

    @Slot()
    def _on_controller_changed(self) -> None:
        controller = self._controller
        overview = controller.overview
        self.state_label.setText(phase_text(controller))
        self.dot.setStyleSheet(f"color: {SYNC_STATES[phase(controller)]};")
        self.sync_now_button.setEnabled(not controller.syncing)
        if overview is None:
            return
        status = overview.status
        if not status.enrolled:
            notice = not_enrolled_text()
        elif controller.last_outcome is None:  # how the last sync went before the window opened
            notice = status.last_error or ""
        else:
            notice = ""  # the outcome label says how this window's last sync went
        self.notice_label.setText(notice)
        self.notice_label.setVisible(bool(notice))
        self.enrol_button.setVisible(not status.enrolled)
        self._show_figures(status)
        self._show_attention(overview.attention)

    @Slot(bool)
    def _on_details_toggled(self, shown: bool) -> None:
        self.details_box.setVisible(shown)
        self.details_button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    def _show_figures(self, status: SyncStatus) -> None:
        never = _("never")
        self.unsent_label.setText(unsent_text(status.unsent))
        values = {
            "server": status.server_url or _("none (not enrolled)"),
            "series": status.series or "",
            "pending_records": str(status.pending_records),
            "pending_batches": str(status.pending_batches),
            "delivered": str(status.batches - status.pending_batches),
            "sealed": _("{batches} batches, {records} records, {payments} payments, {total}").format(
                batches=status.batches, records=status.records, payments=status.payments,
                total=format_vnd(status.payments_total)),
            "last_sync": local_time_text(status.last_sync) or never,
            "last_attempt": local_time_text(status.last_attempt) or never,
            "policy": status.policy_version,
        }
        if status.refused_batches:
            values["delivered"] += " " + ngettext(
                "({n} batch refused whole by the server)", "({n} batches refused whole by the server)",
                status.refused_batches).format(n=status.refused_batches)
        for key, text in values.items():
            self.figures[key].setText(text)

    def _show_attention(self, records: tuple[AttentionRecord, ...]) -> None:
        if records == self._shown and self.model.rowCount() == len(records):
            return  # unchanged (progress, phase): keep the table as the user left it
        self._shown = records
        chosen = {record.record_id for record in self.selected_records()}
        current = self.table.currentIndex()
        current_id = self.model.row(current.row()).record_id if current.isValid() else None
        self.model.set_rows(records)
        self.attention_box.setTitle(
            attention_text(len(records)) if records else _("No record needs attention."))
        # An empty table and buttons that cannot act say nothing the title does not: shown only when needed.
        for widget in (self.table, self.resend_button, self.resend_all_button, self._help_label):
            widget.setVisible(bool(records))
        page = self.layout()
        page.setStretch(page.indexOf(self.attention_box), 1 if records else 0)
        page.setStretch(page.count() - 1, 0 if records else 1)
        self.table.resizeColumnsToContents()
        reason = self.model.column_number("reason")
        for column in range(self.model.columnCount()):
            if column != reason:
                self.table.setColumnWidth(column, self.table.columnWidth(column) + COLUMN_PADDING_PX)
        # The model was reset: put the selection and the current row back where they were.
        selection = self.table.selectionModel()
        for row in range(self.model.rowCount()):
            record_id = self.model.row(row).record_id
            if record_id in chosen:
                selection.select(self.model.index(row, 0),
                                 QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
            if record_id == current_id:
                selection.setCurrentIndex(self.model.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
        self._on_selection_changed()

    def _select_row(self, row: int) -> None:
        # Not QTableView.selectRow: it follows the keyboard modifiers still held (Shift+F9 brought us here).
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )

    @Slot()
    def _on_selection_changed(self) -> None:
        current = self.table.currentIndex()
        self.details_label.setText(reason_details(self.model.row(current.row())) if current.isValid() else "")
        self.details_label.setVisible(current.isValid())
        self.resend_action.setEnabled(any(record.can_resend for record in self.selected_records()))
        self.resend_all_action.setEnabled(
            any(self.model.row(row).can_resend for row in range(self.model.rowCount())))

    @Slot(object)
    def _on_enrolled(self, enrolment: Enrolment) -> None:
        self.enrolled_label.setText(enrolled_text(enrolment))
        self.enrolled_label.show()
        self._controller.enrolled_now()
        self.sync_now_button.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(object)
    def _on_sync_finished(self, outcome: SyncOutcome) -> None:
        self._say(outcome_text(outcome))

    def _say(self, text: str) -> None:
        self.outcome_label.setText(text)
        self.outcome_label.setVisible(bool(text))

    @Slot()
    def _on_sync_now_clicked(self) -> None:
        self._controller.sync_now()

    # Getting back what the server holds

    def recover_from_server(self) -> None:
        """Pull what the store lacks from the server on the network lane, with the count received so far."""
        actor, path, connector = self._ctx.user, self._store_path, self._ctx.store.connector
        self.recover_button.setEnabled(False)
        self._say(_("Asking the server for what this computer lacks…"))
        (
            Op(self, lambda _store, progress: run_recovery(path, actor=actor, timeout=RECOVERY_TIMEOUT_SECONDS,
                                                           attempts=RECOVERY_ATTEMPTS, progress=progress,
                                                           connector=connector),
               runner=self._runner)
            .network()
            .progress(self._on_recovery_progress)
            .success(self._on_recovered)
            .failure(self._on_recovery_failed)
            .run(label=_("Getting back what the server holds…"))
        )

    def _on_recovery_progress(self, received: int, _total: int) -> None:
        self._say(_("{count} records received from the server…").format(count=received))

    def _on_recovered(self, outcome: RecoveryOutcome) -> None:
        self.recover_button.setEnabled(True)
        self._say(recovery_text(outcome))
        self._controller.refresh()

    def _on_recovery_failed(self, error: Exception) -> None:  # run_recovery never raises; the lane might
        self.recover_button.setEnabled(True)
        self._say(str(error))

    # Sending again

    @Slot()
    def _on_resend_triggered(self) -> None:
        ids = [record.record_id for record in self.selected_records() if record.can_resend]
        if ids:
            self._resend(ids)

    @Slot()
    def _on_resend_all_triggered(self) -> None:
        self._resend(None)

    def _resend(self, record_ids: list[str] | None) -> None:
        actor = self._ctx.user
        (
            Op(self, lambda store, _p: resend_rejected(store, record_ids, actor=actor),
               runner=self._runner)
            .success(self._on_resent)
            .failure(self._on_resend_failed)
            .run(label=_("Queuing records to be sent again…"))
        )

    def _on_resent(self, resent: Resent) -> None:
        self._say(_("{count} records queued to be sent again.").format(count=len(resent.records)))
        self._controller.refresh()
        self._controller.sync_now()

    def _on_resend_failed(self, error: Exception) -> None:
        if isinstance(error, DomainError):
            text = " ".join(message(problem) for problem in error.problems)
        else:
            text = str(error)
        self._say(_("The records could not be queued again: {error}").format(error=text))
        self._controller.refresh()

    def _action(self, text: str, shortcut: str, slot: object) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        # Only while this page is shown and has the focus: other pages may use the same keys.
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _button(self, action: QAction) -> QPushButton:
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        button = QPushButton(f"{action.text()} ({shortcut})")
        button.setAccessibleName(action.text())
        button.setEnabled(action.isEnabled())
        button.clicked.connect(action.trigger)
        action.enabledChanged.connect(button.setEnabled)
        return button
