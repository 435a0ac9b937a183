"""EnrolDialog: enrols this computer with the provincial server from the window (server, one-time code, CA file).

The enrolment talks to the network, so it runs on the TaskRunner's network lane (`Op.network`) with its
own `Store` on the same file, as syncs do; the enrolment itself is `services.syncing.run_enrolment`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from collector_app.domain.server_address import is_server_url
from collector_app.domain.text import escape_unsafe
from collector_app.i18n import _
from collector_app.services.syncing import EnrolOutcome, describe_enrol_failure, run_enrolment
from collector_app.ui.operations import Op
from collector_app.ui.palette import attention_style
from collector_app.ui.tasks import TaskRunner
from collector_app.wire import normalise_enrolment_code

log = logging.getLogger(__name__)

CODE_EXAMPLE = "K7QM-3XRT-9PAB-WC4D"
FIELD_WIDTH_CHARS = 42
SHOWN_VALUE_CHARS = 60  # how much of a refused address the message repeats


class EnrolDialog(QDialog):
    """Enter = Enrol, Esc = Cancel (also while it runs: enrolling again with the same code is safe)."""

    enrolled = Signal(object)  # Enrolment, once the server has taken this device

    def __init__(self, runner: TaskRunner, store_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._store_path = store_path
        self._running = False
        self.setWindowTitle(_("Enrol this computer"))

        intro = QLabel(_("Enrol this computer once with the provincial server; it then syncs by itself. "
                         "The province gives you the server address and a one-time code."))
        intro.setWordWrap(True)
        self.server_edit = QLineEdit()
        self.server_edit.setPlaceholderText("https://…")
        self.server_edit.setAccessibleName(_("Server address"))
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText(_("for example {code}").format(code=CODE_EXAMPLE))
        self.code_edit.setAccessibleName(_("One-time code"))
        self.ca_edit = QLineEdit()
        self.ca_edit.setPlaceholderText(_("only if the province gave you one"))
        self.ca_edit.setAccessibleName(_("CA certificate file"))
        self.browse_button = QPushButton(_("&Browse…"))
        self.browse_button.setAutoDefault(False)
        width = self.fontMetrics().averageCharWidth() * FIELD_WIDTH_CHARS
        for edit in (self.server_edit, self.code_edit, self.ca_edit):
            edit.setMinimumWidth(width)

        form = QFormLayout()
        server_label = QLabel(_("&Server address:"))
        server_label.setBuddy(self.server_edit)
        code_label = QLabel(_("One-time &code:"))
        code_label.setBuddy(self.code_edit)
        ca_label = QLabel(_("C&A certificate (optional):"))
        ca_label.setBuddy(self.ca_edit)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_edit, 1)
        ca_row.addWidget(self.browse_button)
        form.addRow(server_label, self.server_edit)
        form.addRow(code_label, self.code_edit)
        form.addRow(ca_label, ca_row)

        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)  # no figures to show: it only says "working"
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setAccessibleName(_("Enrolling…"))
        self.busy_bar.hide()
        self.message_label = QLabel()  # what is going on, or why it failed
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.setAccessibleName(_("Enrolment message"))
        self.message_label.hide()

        self.buttons = QDialogButtonBox()
        self.enrol_button = self.buttons.addButton(_("&Enrol"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(self.fontMetrics().height() // 2)
        layout.addLayout(form)
        layout.addWidget(self.busy_bar)
        layout.addWidget(self.message_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        # Only now that the button is inside the dialog: Enter anywhere presses it.
        self.enrol_button.setDefault(True)

        self.buttons.accepted.connect(self._on_enrol_requested)
        self.buttons.rejected.connect(self.reject)
        self.browse_button.clicked.connect(self._on_browse_clicked)
        self.server_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def running(self) -> bool:
        return self._running

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # QDialog's Enter presses the default button even while it is disabled: not twice at once.
        if self._running and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)

    def reject(self) -> None:
        # Esc, Cancel or the window's close button: an enrolment under way finishes on the network lane
        # (its store write is safe, and so is enrolling again with the same code); its news is dropped.
        self._running = False
        super().reject()

    # ---- enrolling ----------------------------------------------------------------------------

    @Slot()
    def _on_enrol_requested(self) -> None:
        if self._running:
            return
        server = self.server_edit.text().strip()
        code = normalise_enrolment_code(self.code_edit.text())
        ca_text = self.ca_edit.text().strip()
        if not server:
            self._fail(_("Type the server address the province gave you."), self.server_edit)
            return
        if not is_server_url(server):
            shown = server if len(server) <= SHOWN_VALUE_CHARS else server[:SHOWN_VALUE_CHARS] + "…"
            self._fail(_("'{value}' is not a server address such as https://bhxh.example.vn").format(
                value=escape_unsafe(shown)), self.server_edit)
            return
        if not code:
            self._fail(_("Type the one-time code the province gave you."), self.code_edit)
            return
        ca_path = Path(ca_text).expanduser() if ca_text else None
        if ca_path is not None and not ca_path.is_file():
            self._fail(_("File not found: {path}").format(path=ca_path), self.ca_edit)
            return
        ca_bundle = str(ca_path.resolve()) if ca_path is not None else None
        self._set_running(True)
        path = self._store_path
        (
            Op(self, lambda store, _progress: run_enrolment(path, server, code, ca_bundle, store.connector),
               runner=self._runner)
            .network().success(self._on_finished).failure(self._on_failed).run()
        )

    def _on_failed(self, error: Exception) -> None:
        log.error("the enrolment failed", exc_info=error)
        self._on_finished(EnrolOutcome(None, describe_enrol_failure(error)))

    def _on_finished(self, outcome: EnrolOutcome) -> None:
        if not self._running:  # cancelled meanwhile
            return
        self._set_running(False)
        if outcome.enrolment is None:
            self._fail(outcome.error or "", self.code_edit)
            return
        self.enrolled.emit(outcome.enrolment)
        self.accept()

    def _set_running(self, running: bool) -> None:
        self._running = running
        for widget in (self.server_edit, self.code_edit, self.ca_edit, self.browse_button, self.enrol_button):
            widget.setEnabled(not running)
        self.busy_bar.setVisible(running)
        if running:
            self._say(_("Enrolling with the server…"), error=False)
            self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fail(self, text: str, field: QLineEdit) -> None:
        self._say(text, error=True)
        field.setFocus(Qt.FocusReason.OtherFocusReason)
        field.selectAll()

    def _say(self, text: str, *, error: bool) -> None:
        self.message_label.setStyleSheet(attention_style("QLabel") if error else "")
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))

    @Slot()
    def _on_browse_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("CA certificate file"), str(Path(self.ca_edit.text()).expanduser().parent)
            if self.ca_edit.text().strip() else "",
            _("Certificates (*.pem *.crt *.cer);;All files (*)"))
        if path:
            self.ca_edit.setText(path)
        self.ca_edit.setFocus(Qt.FocusReason.OtherFocusReason)
