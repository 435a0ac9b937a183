"""The window's supervisor session: signing in and out, and running calls with it in the background.

The token lives in the `SupervisorSession` only (memory). A call answered 401 (`SessionExpired`) opens
the sign-in dialog for the same server and name; once the password is typed again the call runs again,
so the supervisor's action is not lost. Every supervisor page (Batches, Batch, Progress beyond the
point, the province dashboard) calls the server through `call`, so each is asked again the same way.

When the window locks, the session ends (on the server too) and `changed` clears the pages; the
supervisor's name and server are kept (`asleep`), so the pages stay listed and the next call, or
opening one of them (`wake`), asks for the password again.
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
    changed = Signal()  # signed in, out (or locked out), or in again after a lock

    def __init__(self, runner: TaskRunner, window: QWidget, server_url: Callable[[], str]) -> None:
        super().__init__(window)
        self._runner = runner
        self._window = window
        self._server_url = server_url
        self.session: SupervisorSession | None = None
        self.asleep: tuple[str, str] | None = None  # (server, username) whose session the lock ended
        self.dialog: SupervisorSignInDialog | None = None
        self._waiting: list[Callable[[], None]] = []  # calls to run again once signed in again
        self._on_gave_up: Callable[[], None] = lambda: None  # the first waiting call's failure, if not signed in

    def sign_in(self) -> SupervisorSignInDialog:
        """Open the sign-in dialog (the server address prefilled); `changed` once signed in."""
        return self._open_dialog(SupervisorSignInDialog(self._runner, self._server_url(), self._window))

    @property
    def available(self) -> bool:
        """Whether supervisor pages may be used: signed in, or to be asked again after a lock."""
        return self.session is not None or self.asleep is not None

    def sign_out(self) -> None:
        """End the session (on the server too) and forget the supervisor."""
        was_asleep, self.asleep = self.asleep is not None, None
        if not self._end() and was_asleep:
            self.changed.emit()

    def lock(self) -> None:
        """The window locked: end the session (on the server too) and clear the pages, keeping who it was."""
        session = self.session
        if session is not None:
            self.asleep = (session.server_url, session.username)
        self._end()

    def wake(self) -> None:
        """Ask the supervisor the lock signed out for the password again (a page of theirs was opened)."""
        if self.session is None and self.asleep is not None:
            self._ask_again(lambda: None)

    def start(self, session: SupervisorSession) -> None:
        """Use `session` from now on (signed in by the dialog): the pages start afresh."""
        self.session, self.asleep = session, None
        self.changed.emit()

    def _end(self) -> bool:
        """End the session, if any, and say so (`changed`); whether there was one. The server is told in
        the background: a lock never waits on the network."""
        session, self.session = self.session, None
        self._waiting.clear()
        if self.dialog is not None:
            self.dialog.reject()
        if session is None:
            return False
        Op(self, lambda _store, _p: session.log_out(), runner=self._runner).supervisor() \
            .failure(lambda _error: None).run()
        self.changed.emit()
        return True

    def call(self, owner: QObject, fn: Callable[[SupervisorSession], R], *, success: Callable[[R], None],
             failure: Callable[[Exception], None], label: str | None = None, key: str | None = None) -> None:
        """Run `fn(session)` on the supervisor lane; a session that ended is renewed, then `fn` runs again."""
        session = self.session

        def again() -> None:
            self.call(owner, fn, success=success, failure=failure, label=label, key=key)

        if session is None:
            signed_out = SessionExpired(401, "auth.missing", "not signed in")
            if self.asleep is None:
                failure(signed_out)
            else:  # locked out: asked again, then run
                self._waiting.append(again)
                self._ask_again(lambda: failure(signed_out))
            return

        def failed(error: Exception) -> None:
            if isinstance(error, SessionExpired) and self.session is not None:
                self._waiting.append(again)
                self._ask_again(lambda: failure(error))
            else:
                failure(error)

        op: Op[Any] = Op(owner, lambda _store, _p: fn(session), runner=self._runner).supervisor()
        if key is not None:
            op.latest_only(key)
        # An answer arriving after a sign-out or a lock is dropped: the pages show nothing from before.
        op.success(lambda value: success(value) if self.session is not None else None).failure(failed).run(label=label)

    def _ask_again(self, gave_up: Callable[[], None]) -> None:
        """The sign-in dialog for the same server and name (`gave_up` if it is cancelled)."""
        if self.dialog is not None:  # already asking: the call waits with the others
            return
        who = (self.session.server_url, self.session.username) if self.session is not None else self.asleep
        assert who is not None
        server_url, username = who
        self._on_gave_up = gave_up
        self._open_dialog(SupervisorSignInDialog(self._runner, server_url, self._window, username=username))

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
        if self.session is None:  # signed in, or in again after a lock: pages start afresh
            self.start(dialog.session)
        else:  # renewed: the pages carry on where they were
            self.session.close()
            self.session = dialog.session
        for call in waiting:
            call()
