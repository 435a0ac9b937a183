"""TaskRunner: one worker thread for the database, and a queued-signal hop back to the GUI thread.

Three more lanes, each one thread: long reads that must not hold up searching (the store check at
start; the store orders them against writes itself), network calls (a sync, an enrolment), which
may wait on a server for a minute and so must hold up neither: they open a Store of their own on the
same file, and a supervisor's calls to the server (no store), which must not wait behind a sync. The
network lanes' threads are daemons: a call still waiting when the window closes never
keeps the program from ending (what it had not stored is sent again next time).

The rule: a function run here gets the store and a `progress(done, total)` callback and returns plain
data. It never touches a widget or any other GUI-thread object. Every callback (success, failure,
progress) runs on the GUI thread, delivered by a queued signal. UI code uses `operations.Op`, not this.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Hashable
import queue
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from collector_app.services.changes import changes_of
from collector_app.ui.events import Events

if TYPE_CHECKING:
    from collector_app.store.db import Store

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Work = Callable[["Store", Progress], Any]


class Lane(Enum):
    DATABASE = "database"  # every write, and reads a user waits for: one at a time, in order
    LONG_READ = "long_read"  # a read of seconds, beside the database lane
    NETWORK = "network"  # talking to the provincial server: a sync, an enrolment
    SUPERVISOR = "supervisor"  # a supervisor's calls to the server, which must not wait behind a sync


class _DaemonLane:
    """One daemon thread running submitted calls in order (a ThreadPoolExecutor's threads are joined at
    exit, which would keep the program waiting on a server)."""

    def __init__(self, name: str) -> None:
        self._calls: queue.SimpleQueue[tuple[Future[None], Callable[[], None]] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, call: Callable[[], None]) -> Future[None]:
        future: Future[None] = Future()
        self._calls.put((future, call))
        return future

    def shutdown(self) -> None:
        """Run nothing more that is still waiting; the call under way, if any, is left to finish."""
        self._calls.put(None)

    def _run(self) -> None:
        while (item := self._calls.get()) is not None:
            future, call = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                call()
            except BaseException as error:  # noqa: BLE001 - _execute reports failures itself
                future.set_exception(error)
            else:
                future.set_result(None)
        while not self._calls.empty():  # shut down: what was still waiting never runs
            left = self._calls.get()
            if left is not None:
                left[0].cancel()


@dataclass(frozen=True)
class Callbacks:
    """What to call on the GUI thread when a task ends or reports progress."""

    on_success: Callable[[Any], None]
    on_failure: Callable[[Exception], None]
    on_progress: Callable[[int, int], None] | None = None


@dataclass
class _Task:
    ticket: int
    key: Hashable | None
    label: str | None
    callbacks: Callbacks
    future: Future[None] | None = None


@dataclass(frozen=True)
class _Outcome:
    ticket: int
    value: object
    error: Exception | None


class TaskRunner(QObject):
    """Runs store work on one worker thread, so writes are serialised and reads never block the GUI."""

    task_done = Signal(int)  # ticket: its callbacks have run, or it was dropped as stale or cancelled
    busy_changed = Signal(str)  # label of the oldest labelled task still going; "" when none
    unhandled_error = Signal(object)  # Exception from a task that has no failure callback of its own

    # Emitted on the worker thread; the queued connections carry them to the GUI thread.
    _outcome_ready = Signal(object)  # _Outcome
    _progress_made = Signal(int, int, int)  # ticket, done, total

    def __init__(self, store: Store | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # None until signing in has opened the store (an encrypted store opens with the user's key):
        # the work run before then is the sign-in itself, which opens the store and is given none.
        self._store: Store | None = store
        # After a task whose result says what it changed (`services.changes`), the pages hear of it.
        self.events = Events(self)
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="collector-db")
        self._long_reads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="collector-long-read")
        self._network = _DaemonLane("collector-network")
        self._supervisor = _DaemonLane("collector-supervisor")
        self._tickets = itertools.count(1)
        self._tasks: dict[int, _Task] = {}
        self._latest: dict[Hashable, int] = {}
        self._busy_label = ""
        self._outcome_ready.connect(self._on_outcome_ready, Qt.ConnectionType.QueuedConnection)
        self._progress_made.connect(self._on_progress_made, Qt.ConnectionType.QueuedConnection)

    def submit(
        self,
        work: Work,
        callbacks: Callbacks,
        *,
        key: Hashable | None = None,
        label: str | None = None,
        lane: Lane = Lane.DATABASE,
    ) -> int:
        """Queue `work(store, progress)` on `lane`; returns its ticket. Call from the GUI thread.

        With a `key`, this task supersedes every earlier one with the same key: one still waiting
        is cancelled, and the result of one already running is dropped when it arrives.
        """
        ticket = next(self._tickets)
        task = _Task(ticket, key, label, callbacks)
        if key is not None:
            self.supersede(key)
            self._latest[key] = ticket
        self._tasks[ticket] = task
        if lane in (Lane.NETWORK, Lane.SUPERVISOR):
            daemon = self._network if lane is Lane.NETWORK else self._supervisor
            task.future = daemon.submit(lambda: self._execute(ticket, work))
        else:
            executor = self._long_reads if lane is Lane.LONG_READ else self._db
            task.future = executor.submit(self._execute, ticket, work)
        self._update_busy_label()
        return ticket

    def supersede(self, key: Hashable) -> None:
        """Make every task submitted so far under `key` stale (e.g. the search box was cleared)."""
        previous = self._latest.pop(key, None)
        if previous is None:
            return
        task = self._tasks.get(previous)
        if task is not None and task.future is not None and task.future.cancel():
            # It never started, so no outcome will come back for it.
            del self._tasks[previous]
            self._update_busy_label()
            self.task_done.emit(previous)

    def use_store(self, store: Store) -> None:
        """The store signing in opened: the work queued from now on is given it."""
        self._store = store

    def shutdown(self) -> None:
        """Cancel waiting tasks, finish the running ones and stop the workers (before closing the store).

        A network call under way is not waited for here: its owner waits for it as long as it sees fit,
        and it works on a Store of its own.
        """
        self._network.shutdown()
        self._supervisor.shutdown()
        self._long_reads.shutdown(wait=True, cancel_futures=True)
        self._db.shutdown(wait=True, cancel_futures=True)
        self._tasks.clear()
        self._update_busy_label()

    @property
    def busy_label(self) -> str:
        return self._busy_label

    def report_unhandled(self, error: Exception) -> None:
        """Default failure handling: log it, and let the main window show it."""
        log.error("background task failed", exc_info=error)
        self.unhandled_error.emit(error)

    def _execute(self, ticket: int, work: Work) -> None:
        # Worker thread: no Qt object is touched here except this runner's signals.
        def progress(done: int, total: int) -> None:
            self._progress_made.emit(ticket, done, total)

        try:
            value = work(self._store, progress)  # type: ignore[arg-type]  # None only before sign-in
        except Exception as error:  # noqa: BLE001 - every failure goes back to the GUI thread
            # SQLite failing on the file (a damaged page met by a search, say) in plain words, as writes say it.
            failure = self._store.failure(error) if self._store is not None else None
            self._outcome_ready.emit(_Outcome(ticket, None, failure or error))
        else:
            self._outcome_ready.emit(_Outcome(ticket, value, None))

    @Slot(object)
    def _on_outcome_ready(self, outcome: _Outcome) -> None:
        task = self._tasks.pop(outcome.ticket, None)
        if task is None:  # the runner was shut down meanwhile
            return
        try:
            if self._is_current(task):
                if outcome.error is None:
                    task.callbacks.on_success(outcome.value)
                else:
                    task.callbacks.on_failure(outcome.error)
        finally:
            self._update_busy_label()
            self.task_done.emit(task.ticket)
            if outcome.error is None:  # what a command changed is announced even if its result is stale
                self.events.announce(changes_of(outcome.value))

    @Slot(int, int, int)
    def _on_progress_made(self, ticket: int, done: int, total: int) -> None:
        task = self._tasks.get(ticket)
        if task is not None and task.callbacks.on_progress is not None and self._is_current(task):
            task.callbacks.on_progress(done, total)

    def _is_current(self, task: _Task) -> bool:
        return task.key is None or self._latest.get(task.key) == task.ticket

    def _update_busy_label(self) -> None:
        label = next((t.label for t in self._tasks.values() if t.label), "")
        if label != self._busy_label:
            self._busy_label = label
            self.busy_changed.emit(label)
