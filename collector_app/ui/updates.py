"""UpdateController: the window's side of app updates. It reads what the last sync learnt at start, and after
each sync that reached the server downloads a newer version in the background (network lane) and has the
notice show it; the Install button asks (UpdateDialog), then starts the installer and asks the window to close.
Nothing is installed without the user's word."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QWidget

from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.messages import message
from collector_app.services.syncing import Result, SyncOutcome
from collector_app.services.updates import (
    Launcher,
    Update,
    available_update,
    fetch_update,
    install_update,
    launch_installer,
)
from collector_app.store.db import Store
from collector_app.sync.client import SyncError
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.update_dialog import UpdateDialog
from collector_app.ui.operations import Op
from collector_app.ui.sync_controller import SyncController
from collector_app.ui.tasks import Progress
from collector_app.ui.widgets.update_notice import UpdateNotice

log = logging.getLogger(__name__)


class UpdateController(QObject):
    install_started = Signal()  # the installer runs: the window closes

    def __init__(self, ctx: AppContext, sync: SyncController, notice: UpdateNotice, window: QWidget, *,
                 folder: Path | None = None, launch: Launcher = launch_installer) -> None:
        super().__init__(window)
        self._ctx = ctx
        self._notice = notice
        self._window = window
        self._folder = folder
        self._launch = launch
        self.update: Update | None = None  # what the notice shows
        self.dialog: UpdateDialog | None = None
        self._fetching = False

        sync.sync_finished.connect(self._on_sync_finished)
        notice.install_requested.connect(self.ask_to_install)

    def check(self) -> None:
        """What the last sync learnt (at start): shown at once, downloaded after the next sync."""
        folder = self._folder
        Op(self, lambda store, _p: available_update(store, folder=folder), runner=self._ctx.runner) \
            .success(self._on_found).failure(lambda error: log.error("no update check", exc_info=error)).run()

    def fetch(self) -> None:
        """Download a newer version not downloaded yet (network lane, progress on the notice)."""
        if self._fetching:
            return
        self._fetching = True
        path, connector, folder = self._ctx.store.path, self._ctx.store.connector, self._folder

        def work(_store: Store, progress: Progress) -> Update | None:
            return fetch_update(path, connector=connector, folder=folder, progress=progress)

        Op(self, work, runner=self._ctx.runner).network().progress(self._on_progress) \
            .success(self._on_fetched).failure(self._on_fetch_failed).run()

    @Slot()
    def ask_to_install(self) -> None:
        if self.update is None or self.update.downloaded is None:
            return
        self.dialog = UpdateDialog(self.update, self._window)
        self.dialog.accepted.connect(self._on_install_confirmed)
        self.dialog.open()

    @Slot(object)
    def _on_sync_finished(self, outcome: SyncOutcome) -> None:
        if outcome.result == Result.DONE:
            self.fetch()

    def _on_found(self, update: Update | None) -> None:
        self.update = update
        if update is not None and not update.trusted:  # offered, but not signed by the province's key
            self._notice.show_refusal(message(Problem(ProblemCode.UPDATE_UNTRUSTED, {"version": update.version})))
        else:
            self._notice.show_update(update)

    def _on_progress(self, done: int, total: int) -> None:
        if self.update is not None:
            self._notice.show_progress(self.update, done, total)

    def _on_fetched(self, update: Update | None) -> None:
        self._fetching = False
        self._on_found(update)

    def _on_fetch_failed(self, error: Exception) -> None:
        self._fetching = False
        if isinstance(error, DomainError):  # refused: deleted, and why
            self._notice.show_refusal(" ".join(message(problem) for problem in error.problems))
        elif isinstance(error, SyncError):  # offline or refused by the server: the next sync tries again
            self._notice.show_update(self.update)
        else:
            log.error("the update could not be downloaded", exc_info=error)
            self._notice.show_update(self.update)

    @Slot()
    def _on_install_confirmed(self) -> None:
        update, launch = self.update, self._launch
        if update is None:
            return
        self._notice.install_button.setEnabled(False)
        Op(self, lambda _store, _p: install_update(update, launch=launch), runner=self._ctx.runner).network() \
            .success(lambda _none: self._on_installing(update)).failure(self._on_install_failed).run()

    def _on_installing(self, update: Update) -> None:
        self._notice.show_installing(update.version)
        self.install_started.emit()

    def _on_install_failed(self, error: Exception) -> None:
        self._notice.install_button.setEnabled(True)
        text = " ".join(message(p) for p in error.problems) if isinstance(error, DomainError) else str(error)
        self._notice.show_refusal(text)

