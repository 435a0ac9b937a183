"""Helpers and fixtures of the window's sync tests: the real provincial server (tests/sync/sync_helpers.py)
and main windows opened on an enrolled collector's store, with a schedule fast enough for tests.

Test modules import the fixtures `server` and `open_window` from here by name."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))

from sync_helpers import Collector, RunningServer, start_server

from collector_app import i18n
from collector_app.store.db import Store
from collector_app.ui.context import AppContext
from collector_app.ui.main_window import MainWindow
from collector_app.services.syncing import Result, SyncOutcome
from collector_app.ui.sync_controller import SyncController, SyncSchedule
from collector_app.ui.tasks import TaskRunner

WAIT_MS = 30_000  # the machine is shared: generous, and only ever reached when something is wrong

FAST = SyncSchedule(first_delay=0.0, interval=3600.0, soon_delay=0.0, retry_first=0.3, retry_max=1.0,
                    timeout=60.0, attempts=1, shutdown_wait=0.2)
"""Syncs at once on start-up and soon after a payment, retries quickly; one try per call (a refused
connection is seen at once), a long read timeout (a frozen server keeps the sync waiting)."""

@dataclass
class SyncedWindow:
    """A main window on a collector's store, and every sync outcome it has had so far."""

    window: MainWindow
    ctx: AppContext
    outcomes: list[SyncOutcome] = field(default_factory=list)
    _seen: int = 0

    @property
    def controller(self) -> SyncController:
        return self.window.sync_controller

    def next_outcome(self, qtbot: QtBot, result: Result | None = Result.DONE) -> SyncOutcome:
        """The first outcome not returned before, once it has come (checked to be `result`, unless None)."""
        qtbot.waitUntil(lambda: len(self.outcomes) > self._seen, timeout=WAIT_MS)
        outcome = self.outcomes[self._seen]
        self._seen += 1
        if result is not None:
            assert outcome.result == result, outcome.error
        return outcome


OpenWindow = Callable[..., SyncedWindow]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The real provincial server on SQLite, one per test module."""
    running = start_server(tmp_path_factory.mktemp("server"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def open_window(qtbot: QtBot) -> Iterator[OpenWindow]:
    """`open_window(collector, schedule=FAST)`: a shown main window on the collector's store; all are
    closed at the end."""
    opened: list[tuple[MainWindow, TaskRunner, Store]] = []

    def open_(collector: Collector, schedule: SyncSchedule = FAST) -> SyncedWindow:
        store = collector.open()
        runner = TaskRunner(store)
        ctx = AppContext(store=store, runner=runner, language=i18n.language())
        window = MainWindow(ctx, sync_schedule=schedule)
        synced = SyncedWindow(window, ctx)
        window.sync_controller.sync_finished.connect(synced.outcomes.append)
        qtbot.addWidget(window)
        opened.append((window, runner, store))
        window.resize(1200, 700)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()  # its shortcuts (F9) only work in the active window
        qtbot.waitUntil(window.isActiveWindow)
        return synced

    yield open_
    for window, runner, store in opened:
        window.close()
        runner.shutdown()
        store.close()


@contextmanager
def frozen(server: RunningServer) -> Iterator[None]:
    """The server process stopped (SIGSTOP): connections are accepted by the kernel, never answered."""
    os.kill(server.process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(server.process.pid, signal.SIGCONT)
