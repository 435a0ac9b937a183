"""Signing in to the window, unlocking it, and making the device's first user.

`SignInDialog` lists the device's users with the last one to sign in already chosen and the cursor
in the password field, so that typing the password and Enter signs in. The same dialog unlocks a
locked window (another user may sign in instead). The password is checked on the task runner: an
argon2id check takes a tenth of a second, too long for the GUI thread.
`FirstUserDialog` makes the device's first user (a collector) on a new device.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from collector_app.domain.accounts import check_password, check_username, normalise_username
from collector_app.domain.problems import DomainError
from collector_app.i18n import _
from collector_app.messages import message, role_label
from collector_app.services.users import (
    Opened,
    StoreUnopenable,
    UserChanged,
    create_first_user,
    open_new_device,
    open_signed_in,
    sign_in,
)
from collector_app.services.device import Device
from collector_app.store.users import User
from collector_app.ui.operations import Op
from collector_app.ui.palette import attention_style
from collector_app.ui.tasks import TaskRunner

FIELD_WIDTH_CHARS = 34


def point_line(device: Device) -> str:
    """"Điểm thu: Điểm thu xã Đông Hội (DA07), máy M2": where the window is, for the sign-in and status bar."""
    return _("Collection point: {name} ({code}), device {device}").format(
        name=device.point_name, code=device.point_code, device=device.device_code)


def user_title(user: User) -> str:
    """"Nguyễn Thị Thu (nhân viên thu)": how the window names a user."""
    return f"{user.full_name} ({role_label(user.role)})"


class SignInDialog(QDialog):
    """Enter signs in; Esc leaves (quits the window before sign-in; never unlocks a locked window)."""

    def __init__(self, runner: TaskRunner, users: list[User], parent: QWidget | None = None, *,
                 chosen: User | None = None, locked: bool = False, point: str = "",
                 store_path: Path | None = None, usernames: list[str] | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._users = users
        self._locked = locked
        # Before the store opens (`store_path`): the names come from the keyring, and signing in
        # unlocks the store's key and opens it (`opened`), off the GUI thread.
        self._store_path = store_path
        self.user: User | None = None  # who signed in, once accepted
        self.opened: Opened | None = None
        self.failure: StoreUnopenable | None = None  # signed in, but the store cannot be opened
        self.setWindowTitle(_("Unlock") if locked else _("Sign in"))

        if locked:
            intro = _("The window is locked. Type your password to go on, or choose another user to sign in.")
        else:
            intro = _("Choose your name and type your password.")
        self.intro_label = QLabel(intro + (f"\n{point}" if point else ""))
        self.intro_label.setWordWrap(True)
        self.user_combo = QComboBox()
        self.user_combo.setAccessibleName(_("User"))
        for user in users:
            self.user_combo.addItem(f"{user_title(user)} — {user.username}", user.user_id)
        for username in usernames or []:
            self.user_combo.addItem(username, username)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName(_("Password"))
        width = self.fontMetrics().averageCharWidth() * FIELD_WIDTH_CHARS
        self.user_combo.setMinimumWidth(width)
        self.password_edit.setMinimumWidth(width)
        form = QFormLayout()
        user_label = QLabel(_("&User:"))
        user_label.setBuddy(self.user_combo)
        password_label = QLabel(_("&Password:"))
        password_label.setBuddy(self.password_edit)
        form.addRow(user_label, self.user_combo)
        form.addRow(password_label, self.password_edit)

        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet(attention_style("QLabel"))
        self.message_label.setAccessibleName(_("Sign-in message"))
        self.message_label.hide()

        self.buttons = QDialogButtonBox()
        self.sign_in_button = self.buttons.addButton(_("Sign &in (Enter)"), QDialogButtonBox.ButtonRole.AcceptRole)
        leave = _("&Quit the program") if locked else _("&Quit (Esc)")
        self.quit_button: QPushButton = self.buttons.addButton(leave, QDialogButtonBox.ButtonRole.RejectRole)
        self.quit_button.setAutoDefault(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro_label)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)
        self.sign_in_button.setDefault(True)

        self.buttons.accepted.connect(self._on_sign_in_requested)
        self.quit_button.clicked.connect(self._on_quit_clicked)
        self.user_combo.currentIndexChanged.connect(self._on_user_changed)
        if chosen is not None:
            self.choose(chosen.user_id)
        self.password_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def choose(self, user_id: str) -> None:
        index = self.user_combo.findData(user_id)
        if index >= 0:
            self.user_combo.setCurrentIndex(index)

    @classmethod
    def before_store(cls, runner: TaskRunner, store_path: Path, usernames: list[str]) -> SignInDialog:
        """Signing in to a device whose store is encrypted: nothing of it is read before."""
        return cls(runner, [], store_path=store_path, usernames=usernames)

    @property
    def chosen_user(self) -> User | None:
        user_id = self.user_combo.currentData()
        return next((user for user in self._users if user.user_id == user_id), None)

    def reject(self) -> None:
        # Esc never unlocks: a locked window leaves only by signing in or by quitting on purpose.
        if not self._locked:
            super().reject()

    @Slot()
    def _on_quit_clicked(self) -> None:
        super().reject()

    @Slot()
    def _on_user_changed(self) -> None:
        self.message_label.hide()
        self.password_edit.clear()
        self.password_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def _on_sign_in_requested(self) -> None:
        if self._store_path is not None:
            self._open_store()
            return
        user = self.chosen_user
        password = self.password_edit.text()
        if user is None or not password:
            self._say(_("Type your password, then press Enter."))
            return
        self._set_busy(True)
        username = user.username
        (Op(self, lambda store, _p: sign_in(store, username, password, remember=True), runner=self._runner)
         .success(self._on_signed_in).failure(self._on_refused).run(label=_("Signing in…")))

    def _open_store(self) -> None:
        username, password, path = str(self.user_combo.currentData() or ""), self.password_edit.text(), self._store_path
        if not username or not password or path is None:
            self._say(_("Type your password, then press Enter."))
            return
        self._set_busy(True)
        (Op(self, lambda _store, _p: open_signed_in(path, username, password, remember=True), runner=self._runner)
         .success(self._on_opened).failure(self._on_refused).run(label=_("Signing in…")))

    def _on_opened(self, opened: Opened) -> None:
        self.opened = opened
        self._on_signed_in(opened.user)

    def _on_signed_in(self, user: User) -> None:
        self.user = user
        self._set_busy(False)
        self.accept()

    def _on_refused(self, error: Exception) -> None:
        self._set_busy(False)
        if isinstance(error, StoreUnopenable):  # the window cannot open: the caller says why, and how to restore
            self.failure = error
            super().reject()
            return
        if not isinstance(error, DomainError):
            raise error
        self._say(" ".join(message(problem) for problem in error.problems))
        self.password_edit.clear()
        self.password_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _say(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.show()

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.user_combo, self.password_edit, self.sign_in_button):
            widget.setEnabled(not busy)


class FirstUserDialog(QDialog):
    """The device's first user: a name to sign in with, the full name printed on receipts, a password twice."""

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None, *, store_path: Path | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        # A new device (`store_path`): the user's password wraps a new data key, then the encrypted
        # store is created with it (`opened`, with the recovery code to show once).
        self._store_path = store_path
        self.user: User | None = None
        self.opened: Opened | None = None
        self.setWindowTitle(_("First user of this computer"))
        intro = QLabel(_("Nobody uses this computer yet. Make the first user: a collector, who can then add "
                         "collaborators. Afterwards, enrol this computer with the province: Sync › Enrol this "
                         "computer…, with the server address and one-time code the province gives you."))
        intro.setWordWrap(True)
        self.username_edit = QLineEdit()
        self.username_edit.setPlaceholderText(_("for example thu.nguyen"))
        self.full_name_edit = QLineEdit()
        self.full_name_edit.setPlaceholderText(_("as printed on receipts"))
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_edit = QLineEdit()
        self.repeat_edit.setEchoMode(QLineEdit.EchoMode.Password)
        width = self.fontMetrics().averageCharWidth() * FIELD_WIDTH_CHARS
        form = QFormLayout()
        for label, edit in ((_("&User name:"), self.username_edit), (_("&Full name:"), self.full_name_edit),
                            (_("&Password:"), self.password_edit), (_("&Repeat the password:"), self.repeat_edit)):
            edit.setMinimumWidth(width)
            edit.setAccessibleName(label.replace("&", "").rstrip(":"))
            title = QLabel(label)
            title.setBuddy(edit)
            form.addRow(title, edit)
            edit.textChanged.connect(self._on_edited)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet(attention_style("QLabel"))
        self.message_label.setAccessibleName(_("Why the user cannot be made yet"))
        self.buttons = QDialogButtonBox()
        self.create_button = self.buttons.addButton(_("&Make the user (Enter)"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(_("&Quit (Esc)"), QDialogButtonBox.ButtonRole.RejectRole).setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)
        self.create_button.setDefault(True)
        self.buttons.accepted.connect(self._on_create_requested)
        self.buttons.rejected.connect(self.reject)
        self._on_edited()
        self.username_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def problem(self) -> str:
        """Why the user cannot be made yet, or "" (shown beside the disabled button)."""
        username = normalise_username(self.username_edit.text())
        if not username:
            return _("Type a user name.")
        if not self.full_name_edit.text().strip():
            return _("Type the full name printed on receipts.")
        problems = check_username(username) + check_password(self.password_edit.text())
        if problems:
            return message(problems[0])
        if self.repeat_edit.text() != self.password_edit.text():
            return _("The two passwords differ.")
        return ""

    @Slot()
    def _on_edited(self) -> None:
        problem = self.problem()
        self.message_label.setText(problem)
        self.create_button.setEnabled(not problem)
        self.create_button.setToolTip(problem)

    @Slot()
    def _on_create_requested(self) -> None:
        if self.problem():
            return
        username, full_name = self.username_edit.text(), self.full_name_edit.text()
        password = self.password_edit.text()
        self.create_button.setEnabled(False)
        path = self._store_path
        if path is not None:
            (Op(self, lambda _store, _p: open_new_device(path, username=username, full_name=full_name,
                                                          password=password), runner=self._runner)
             .success(self._on_opened).failure(self._on_refused).run(label=_("Making the user…")))
            return
        (Op(self, lambda store, _p: create_first_user(store, username=username, full_name=full_name,
                                                       password=password), runner=self._runner)
         .success(self._on_created).failure(self._on_refused).run(label=_("Making the user…")))

    def _on_opened(self, opened: Opened) -> None:
        self.opened = opened
        self.user = opened.user
        self.accept()

    def _on_created(self, result: UserChanged) -> None:
        self.user = result.user
        self.accept()

    def _on_refused(self, error: Exception) -> None:
        if not isinstance(error, DomainError):
            raise error
        self.message_label.setText(" ".join(message(problem) for problem in error.problems))
        self.create_button.setEnabled(True)


def first_offered(users: list[User], default_user_id: str | None) -> User | None:
    """The user the sign-in dialog offers first: the last to sign in, else the device's first user."""
    signed = [(user.last_sign_in_at, user) for user in users if user.last_sign_in_at is not None]
    if signed:
        return max(signed, key=lambda pair: pair[0])[1]
    return next((user for user in users if user.user_id == default_user_id), users[0] if users else None)
