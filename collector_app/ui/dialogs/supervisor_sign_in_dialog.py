"""Signing in to the provincial server as a supervisor: the server's address (the device's, when it has one),
the server account's username and password. The login runs in the background; a refusal (wrong password,
too many tries with the wait, no server) is one line under the fields, and the fields stay as typed."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from collector_app.i18n import _
from collector_app.sync.client import SyncError
from collector_app.sync.supervisor import SupervisorSession, log_in
from collector_app.ui.operations import Op
from collector_app.ui.palette import attention_style
from collector_app.ui.tasks import TaskRunner

MIN_WIDTH = 460


class SupervisorSignInDialog(QDialog):
    """`session` holds the signed-in session once the dialog is accepted. With `username`, the dialog asks
    again for the password of a session that ended (address and name fixed)."""

    def __init__(self, runner: TaskRunner, server_url: str, parent: QWidget | None = None, *,
                 username: str = "") -> None:
        super().__init__(parent)
        self._runner = runner
        self.session: SupervisorSession | None = None
        again = bool(username)
        self.setWindowTitle(_("Sign in to the provincial server"))
        self.setMinimumWidth(MIN_WIDTH)

        self.intro_label = QLabel(
            _("Your supervisor session has ended: type your password again to go on.") if again else
            _("Supervisors sign in with their account on the provincial server to review the batches "
              "collection points have sent. The window must stay online meanwhile."))
        self.intro_label.setWordWrap(True)
        self.server_edit = QLineEdit(server_url)
        self.server_edit.setPlaceholderText("https://bhxh.example.vn")
        self.username_edit = QLineEdit(username)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.server_edit.setReadOnly(again)
        self.username_edit.setReadOnly(again)
        form = QFormLayout()
        for text, field in ((_("&Server address:"), self.server_edit), (_("&Username:"), self.username_edit),
                            (_("&Password:"), self.password_edit)):
            label = QLabel(text)
            label.setBuddy(field)
            field.setAccessibleName(text.replace("&", "").rstrip(":"))
            form.addRow(label, field)

        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet(attention_style("QLabel"))
        self.message_label.setAccessibleName(_("Sign-in message"))
        self.message_label.hide()

        self.buttons = QDialogButtonBox()
        self.sign_in_button = self.buttons.addButton(_("Sign &in (Enter)"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(_("Cancel (Esc)"), QDialogButtonBox.ButtonRole.RejectRole)
        self.cancel_button.setAutoDefault(False)
        self.sign_in_button.setDefault(True)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro_label)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)

        self.buttons.accepted.connect(self._on_sign_in_requested)
        self.buttons.rejected.connect(self.reject)
        first_empty = next((field for field in (self.server_edit, self.username_edit, self.password_edit)
                            if not field.text()), self.password_edit)
        first_empty.setFocus(Qt.FocusReason.OtherFocusReason)

    def say(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.show()

    @Slot()
    def _on_sign_in_requested(self) -> None:
        server, username, password = (self.server_edit.text().strip(), self.username_edit.text().strip(),
                                      self.password_edit.text())
        if not server or not username or not password:
            self.say(_("Type the server's address, your username and your password, then press Enter."))
            return
        self._set_busy(True)
        (Op(self, lambda _store, _p: log_in(server, username, password), runner=self._runner).supervisor()
         .success(self._on_signed_in).failure(self._on_refused).run(label=_("Signing in to the provincial server…")))

    def _on_signed_in(self, session: SupervisorSession) -> None:
        self.session = session
        self._set_busy(False)
        self.accept()

    def _on_refused(self, error: Exception) -> None:
        self._set_busy(False)
        if not isinstance(error, SyncError):
            raise error
        self.say(str(error))
        self.password_edit.selectAll()
        self.password_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.server_edit, self.username_edit, self.password_edit, self.sign_in_button):
            widget.setEnabled(not busy)
        if busy:
            self.say(_("Signing in to the provincial server…"))
