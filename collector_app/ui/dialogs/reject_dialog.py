"""Rejecting a record: a reason chosen from the usual ones (or "Other", typed) and a note, both sent to the
collector's device, whose Today page and household view show them. Up/Down choose, Tab to the note,
Enter rejects, Esc cancels."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QListWidget, QVBoxLayout, QWidget

from collector_app.i18n import N_, _
from collector_app.ui.palette import attention_style

REASONS = (N_("Wrong amount"), N_("Wrong person"), N_("Duplicate receipt"), N_("Missing documents"))
OTHER = N_("Other (type the reason)")
NOTE_MAX = 300
MIN_WIDTH = 460  # the question on two lines at most


class RejectDialog(QDialog):
    def __init__(self, receipt: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Reject record"))
        self.setMinimumWidth(MIN_WIDTH)
        self.intro_label = QLabel(_("Why is the record {receipt} rejected? The collector sees this reason.").format(
            receipt=receipt))
        self.intro_label.setWordWrap(True)
        self.reason_list = QListWidget()
        self.reason_list.setAccessibleName(_("Reason"))
        for reason in (*REASONS, OTHER):
            self.reason_list.addItem(_(reason))
        self.reason_list.setCurrentRow(0)
        rows = self.reason_list.count()
        self.reason_list.setFixedHeight(self.reason_list.sizeHintForRow(0) * rows + 2 * self.reason_list.frameWidth())
        note_label = QLabel(_("&Note for the collector:"))
        self.note_edit = QLineEdit()
        self.note_edit.setMaxLength(NOTE_MAX)
        self.note_edit.setAccessibleName(_("Note for the collector"))
        note_label.setBuddy(self.note_edit)
        self.message_label = QLabel()
        self.message_label.setStyleSheet(attention_style("QLabel"))
        self.message_label.hide()
        self.buttons = QDialogButtonBox()
        self.reject_button = self.buttons.addButton(_("&Reject (Enter)"), QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = self.buttons.addButton(_("Cancel (Esc)"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setAutoDefault(False)
        self.reject_button.setDefault(True)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro_label)
        layout.addWidget(self.reason_list)
        layout.addWidget(note_label)
        layout.addWidget(self.note_edit)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)

        self.buttons.accepted.connect(self._on_reject_requested)
        self.buttons.rejected.connect(self.reject)
        self.reason_list.itemActivated.connect(self._on_reject_requested)
        self.reason_list.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def reason(self) -> str:
        """The reason as sent: the chosen one, with the note after it; "Other" is the note alone."""
        note = " ".join(self.note_edit.text().split())
        row = self.reason_list.currentRow()
        if row < 0 or row >= len(REASONS):
            return note
        chosen = _(REASONS[row])
        return f"{chosen}: {note}" if note else chosen

    @Slot()
    def _on_reject_requested(self) -> None:
        if not self.reason:
            self.message_label.setText(_("Type the reason in the note."))
            self.message_label.show()
            self.note_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.accept()
