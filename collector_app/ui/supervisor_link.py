"""The window's supervisor session: signing in and out, and running calls with it in the background.

The token lives in the `SupervisorSession` only (memory). A call answered 401 (`SessionExpired`) opens
the sign-in dialog for the same server and name; once the password is typed again the call runs again,
so the supervisor's action is not lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QDialog, QWidget

from collector_app.sync.supervisor import SessionExpired, SupervisorSession
from collector_app.ui.dialogs.supervisor_sign_in_dialog import SupervisorSignInDialog
from collector_app.ui.operations import Op
from collector_app.ui.tasks import TaskRunner

R = TypeVar("R")


class SupervisorLink(QObject):
    changed = Signal()  # signed in, out, or again with a new session

    def __init__(self, runner: TaskRunner, window: QWidget, server_url: Callable[[], str]) -> None:
        super().__init__(window)
        self._runner = runner
        self._window = window
        self._server_url = server_url
        self.session: SupervisorSession | None = None
        self.dialog: SupervisorSignInDialog | None = None
        self._waiting: list[Callable[[], None]] = []  # calls to run again once signed in again
        self._on_gave_up: Callable[[], None] = lambda: None  # the first waiting call's failure, if not signed in

    def sign_in(self) -> SupervisorSignInDialog:
        """Open the sign-in dialog (the server address prefilled); `changed` once signed in."""
        return self._open_dialog(SupervisorSignInDialog(self._runner, self._server_url(), self._window))

    def sign_out(self) -> None:
        session, self.session = self.session, None
        self._waiting.clear()
        if session is not None:
            session.close()
            self.changed.emit()

    def call(self, owner: QObject, fn: Callable[[SupervisorSession], R], *, success: Callable[[R], None],
             failure: Callable[[Exception], None], label: str | None = None, key: str | None = None) -> None:
        """Run `fn(session)` on the supervisor lane; a session that ended is renewed, then `fn` runs again."""
        session = self.session
        if session is None:
            failure(SessionExpired(401, "auth.missing", "not signed in"))
            return

        def again() -> None:
            self.call(owner, fn, success=success, failure=failure, label=label, key=key)

        def failed(error: Exception) -> None:
            if isinstance(error, SessionExpired) and self.session is not None:
                self._waiting.append(again)
                self._ask_again(failure, error)
            else:
                failure(error)

        op: Op[Any] = Op(owner, lambda _store, _p: fn(session), runner=self._runner).supervisor()
        if key is not None:
            op.latest_only(key)
        op.success(success).failure(failed).run(label=label)

    def _ask_again(self, failure: Callable[[Exception], None], error: Exception) -> None:
        if self.dialog is not None:  # already asking: the call waits with the others
            return
        assert self.session is not None
        dialog = SupervisorSignInDialog(self._runner, self.session.server_url, self._window,
                                        username=self.session.username)
        self._on_gave_up = lambda: failure(error)
        self._open_dialog(dialog)

    def _open_dialog(self, dialog: SupervisorSignInDialog) -> SupervisorSignInDialog:
        self.dialog = dialog
        dialog.finished.connect(self._on_dialog_finished)
        dialog.open()
        return dialog

    @Slot(int)
    def _on_dialog_finished(self, result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is None:
            return
        dialog.deleteLater()
        waiting, self._waiting = self._waiting, []
        if result != QDialog.DialogCode.Accepted or dialog.session is None:
            if waiting:
                self._on_gave_up()
            return
        renewed = self.session is not None
        if self.session is not None:
            self.session.close()
        self.session = dialog.session
        if not renewed:  # pages start afresh; a renewed session carries on where they were
            self.changed.emit()
        for call in waiting:
            call()
