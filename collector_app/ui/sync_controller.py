"""SyncController: when the window syncs with the provincial server, and what it shows of it.

Each sync runs on the TaskRunner's network lane (`Op.network`), never on its database lane (a sync
waiting on a slow server would hold up every search and payment), with its own `Store` on the same
file (WAL; the engine holds no transaction while it waits on the network); the sync itself is
`services.syncing.run_sync`, Qt-free. One sync at a time. A sync stopped half-way (the window
closed) is safe: the engine resumes where it stopped.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from collector_app.services.syncing import (
    Result,
    SyncOutcome,
    SyncOverview,
    describe_failure,
    not_enrolled_text,
    read_overview,
    run_sync,
)
from collector_app.store.db import Store
from collector_app.ui.context import AppContext
from collector_app.ui.operations import Op
from collector_app.ui.tasks import Progress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncSchedule:
    """When the window syncs by itself, and how long it waits on the server. Seconds."""

    first_delay: float = 5.0  # after start-up: the window is up and the first search done first
    interval: float = 300.0  # between syncs while all goes well
    soon_delay: float = 10.0  # after a payment: a few recorded in a row go out together
    retry_first: float = 30.0  # after a failure; doubled after each further failure...
    retry_max: float = 300.0  # ...up to this
    timeout: float = 20.0  # per connection and per read of an answer
    attempts: int = 3  # tries per call (the client's own jittered backoff between them)
    shutdown_wait: float = 3.0  # closing the window waits this long for a sync under way, no longer

    def retry_delay(self, failures: int) -> float:
        """The pause after `failures` failed syncs in a row (1 for the first)."""
        return min(self.retry_max, self.retry_first * 2.0 ** max(0, failures - 1))


def local_time_text(stamp: str | None) -> str:
    """A stored UTC time as local dd/mm/yyyy HH:MM; "" for None."""
    if not stamp:
        return ""
    return datetime.fromisoformat(stamp).astimezone().strftime("%d/%m/%Y %H:%M")


@dataclass
class _Running:
    cancelled: threading.Event  # set: stop between two batches (the window is closing)
    ended: threading.Event  # set by the sync itself once it has returned, whoever listens


class SyncController(QObject):
    """Keeps the sync figures and runs syncs: on a timer while enrolled, soon after a payment, on demand."""

    changed = Signal()  # any figure, the phase or the progress changed: redraw from the properties
    sync_started = Signal()
    sync_finished = Signal(object)  # SyncOutcome

    def __init__(self, ctx: AppContext, schedule: SyncSchedule | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.schedule = schedule or SyncSchedule()
        self._overview: SyncOverview | None = None
        self._last_outcome: SyncOutcome | None = None
        self._progress: tuple[int, int] | None = None
        self._running: _Running | None = None
        self._failures = 0
        self._syncs_started = 0  # figures read before the latest sync began are stale
        self._again = False  # asked for while one ran: go again once it ends
        self._sync_when_read = False  # "sync now" before the figures said whether we are enrolled
        self._stopped = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)

    # ---- what widgets read ----------------------------------------------------------------------

    @property
    def overview(self) -> SyncOverview | None:
        """The latest figures; None until first read."""
        return self._overview

    @property
    def last_outcome(self) -> SyncOutcome | None:
        return self._last_outcome

    @property
    def syncing(self) -> bool:
        return self._running is not None

    @property
    def progress(self) -> tuple[int, int] | None:
        """(done, total) batches of the sync under way, once it has sealed and counted them."""
        return self._progress

    @property
    def enrolled(self) -> bool | None:
        return None if self._overview is None else self._overview.status.enrolled

    @property
    def timer_active(self) -> bool:
        return self._timer.isActive()

    # ---- what the window asks ------------------------------------------------------------------

    def start(self) -> None:
        """Read the figures; once enrolled, the first sync follows shortly."""
        self.refresh(schedule_first=True)

    def refresh(self, *, schedule_first: bool = False) -> None:
        """Read the figures again on the store thread (after a payment, a resend, or when shown)."""
        if self._stopped:  # the window is closing: the store thread may be gone
            return
        op = Op(self, lambda store, _p: read_overview(store), runner=self._ctx.runner)
        read = self._on_first_overview if schedule_first else self._on_overview_read
        op.success(partial(read, self._syncs_started)).failure(self._on_overview_failed).run()

    @Slot()
    def sync_now(self) -> bool:
        """Sync at once; True if a sync started now. While one runs, another follows it; before the
        figures say whether the device is enrolled, they are read first and the sync follows if it is."""
        if self._stopped:
            return False
        if self._running is not None:
            self._again = True
            return False
        if not self.enrolled:
            # Perhaps enrolled from the command line since: read again, and sync if so.
            self._sync_when_read = True
            self.refresh()
            return False
        self._start_sync()
        return True

    def enrolled_now(self) -> None:
        """The device has just enrolled (the Enrol dialog): read the figures again and sync at once;
        the schedule follows from that sync, as after any other."""
        if self._stopped:
            return
        self._failures = 0
        if self._running is not None:  # enrolled again while a sync ran: go again with the new token
            self._again = True
            return
        self._sync_when_read = True
        self.refresh()

    @Slot()
    def sync_soon(self) -> None:
        """Something was recorded: sync within `soon_delay` (a payment page calls this)."""
        if self._stopped or not self.enrolled:
            return
        if self._running is not None:
            self._again = True
        elif not self._timer.isActive() or self._timer.remainingTime() > self.schedule.soon_delay * 1000:
            self._schedule_in(self.schedule.soon_delay)
        self.refresh()

    def shutdown(self) -> None:
        """Stop the timer and any sync under way, waiting at most `shutdown_wait` for it.

        A sync still waiting on the server after that is left to the network lane's daemon thread: it
        writes only to its own Store, and whatever it had not stored is sent again next time.
        """
        self._stopped = True
        self._timer.stop()
        running = self._running
        if running is None:
            return
        running.cancelled.set()
        if not running.ended.wait(self.schedule.shutdown_wait):
            log.warning("a sync is still waiting on the server; it is left to finish or time out")

    def is_thread_alive(self) -> bool:
        """Whether a sync (perhaps one left by `shutdown`) still runs on the network lane."""
        return self._running is not None and not self._running.ended.is_set()

    # ---- the sync, on the runner's network lane ---------------------------------------------------

    def _start_sync(self) -> None:
        self._syncs_started += 1
        self._timer.stop()
        self._again = False
        self._sync_when_read = False
        self._progress = None
        schedule, path, connector = self.schedule, self._ctx.store.path, self._ctx.store.connector
        running = self._running = _Running(threading.Event(), threading.Event())

        def work(_store: Store, progress: Progress) -> SyncOutcome:
            # The network lane: plain data in, a result out; nothing here may touch a widget.
            try:
                return run_sync(path, timeout=schedule.timeout, attempts=schedule.attempts,
                                cancelled=running.cancelled, progress=progress, connector=connector)
            finally:
                running.ended.set()

        (
            Op(self, work, runner=self._ctx.runner).network()
            .progress(self._on_progress_made).success(self._on_sync_finished).failure(self._on_sync_failed)
            .run()
        )
        self.sync_started.emit()
        self.changed.emit()

    def _on_progress_made(self, done: int, total: int) -> None:
        if self._running is not None:
            self._progress = (done, total)
            self.changed.emit()

    def _on_sync_failed(self, error: Exception) -> None:
        log.error("the sync failed", exc_info=error)
        self._on_sync_finished(SyncOutcome(Result.FAILED, 0, None, describe_failure(error), None))

    def _on_sync_finished(self, outcome: SyncOutcome) -> None:
        # What the sync changed is announced by the runner, as for any command.
        self._running = None
        self._progress = None
        self._last_outcome = outcome
        if outcome.overview is not None:
            self._overview = outcome.overview
        if not self._stopped:
            self._schedule_after(outcome)
        self.changed.emit()
        self.sync_finished.emit(outcome)

    def _schedule_after(self, outcome: SyncOutcome) -> None:
        if outcome.result in (Result.NOT_ENROLLED, Result.CANCELLED):
            self._timer.stop()
            return
        if outcome.result == Result.DONE:
            self._failures = 0
            delay = 0.0 if self._again else self.schedule.interval
        else:
            self._failures += 1
            delay = self.schedule.retry_delay(self._failures)
        self._schedule_in(delay)

    def _schedule_in(self, seconds: float) -> None:
        self._timer.start(max(0, round(seconds * 1000)))

    @Slot()
    def _on_timer_timeout(self) -> None:
        if not self._stopped and self._running is None and self.enrolled:
            self._start_sync()

    # ---- figures read on the store thread -------------------------------------------------------

    def _on_first_overview(self, generation: int, overview: SyncOverview) -> None:
        self._on_overview_read(generation, overview)
        if overview.status.enrolled and not self._stopped and self._running is None and not self._timer.isActive():
            self._schedule_in(self.schedule.first_delay)

    def _on_overview_read(self, generation: int, overview: SyncOverview) -> None:
        if self._running is not None or generation != self._syncs_started:
            return  # a sync under way or begun since brings fresher figures
        self._overview = overview
        if self._sync_when_read:
            self._sync_when_read = False
            if overview.status.enrolled and not self._stopped:
                self._start_sync()
                return
            # Asked for by the user: say why nothing happens. No thread is started.
            self._last_outcome = SyncOutcome(Result.NOT_ENROLLED, 0, None, not_enrolled_text(), overview)
            self.changed.emit()
            self.sync_finished.emit(self._last_outcome)
            return
        self.changed.emit()

    def _on_overview_failed(self, error: Exception) -> None:
        log.error("the sync figures could not be read", exc_info=error)
        self._sync_when_read = False
        self._last_outcome = SyncOutcome(Result.FAILED, 0, None, describe_failure(error), self._overview)
        self.changed.emit()
