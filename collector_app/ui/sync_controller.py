"""SyncController: syncs with the provincial server in the background, on a thread of its own.

The network never runs on the TaskRunner's store thread (a sync waiting on a slow server would hold
up every search and payment): each sync runs on its own daemon thread with its own `Store` on the
same file (WAL; the engine holds no transaction while it waits on the network). The thread touches
no widget; its progress and outcome reach the GUI thread by queued signals. One sync at a time.
A sync stopped half-way (the window closed) is safe: the engine resumes where it stopped.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from collector_app.domain.problems import DomainError
from collector_app.i18n import _
from collector_app.messages import message
from collector_app.services.changes import NOTHING, Change, Changes
from collector_app.services.device import acting_user
from collector_app.services.sync import AttentionRecord, SyncStatus, needing_attention, sync_status
from collector_app.store.db import Store, open_store
from collector_app.sync.client import Backoff, DeviceRevoked, ServerRefused, ServerUnavailable, SyncError
from collector_app.sync.engine import NotEnrolled, SyncReport, client_for, seal, sync_once
from collector_app.ui.context import AppContext
from collector_app.ui.operations import Op

log = logging.getLogger(__name__)

ENROL_HINT = "collector-app enrol --server URL --code CODE"


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


class Result(Enum):
    DONE = "done"  # delivered and pulled everything (some records may have been rejected)
    OFFLINE = "offline"  # the server could not be reached: the work stays queued
    REFUSED = "refused"  # the server answered, but refused (e.g. the device's token)
    NOT_ENROLLED = "not_enrolled"
    FAILED = "failed"  # anything else (disk full, a broken answer...)
    CANCELLED = "cancelled"  # the window closed meanwhile


@dataclass(frozen=True)
class SyncOverview:
    """Everything the indicator and the Sync page show, read in one go."""

    status: SyncStatus
    attention: tuple[AttentionRecord, ...]

    @property
    def attention_count(self) -> int:
        return len(self.attention)


@dataclass(frozen=True)
class SyncOutcome:
    result: Result
    sealed: int  # batches sealed by this sync
    report: SyncReport | None  # None unless DONE
    error: str | None  # for the user, in the current language; None when DONE
    overview: SyncOverview | None  # the figures after the attempt (None if they could not be read)

    @property
    def changes(self) -> Changes:
        """What a sync may have changed: what waits and the answers (the outbox), and a pulled table."""
        if self.result in (Result.NOT_ENROLLED, Result.CANCELLED) and not self.sealed:
            return NOTHING
        pulled = self.report is not None and bool(self.report.new_policy_versions)
        return frozenset({Change.OUTBOX, *([Change.POLICY] if pulled else [])})


def read_overview(store: Store) -> SyncOverview:
    return SyncOverview(status=sync_status(store), attention=tuple(needing_attention(store)))


def local_time_text(stamp: str | None) -> str:
    """A stored UTC time as local dd/mm/yyyy HH:MM; "" for None."""
    if not stamp:
        return ""
    return datetime.fromisoformat(stamp).astimezone().strftime("%d/%m/%Y %H:%M")


def describe_failure(error: BaseException) -> str:
    """What went wrong, in plain language for the user: never a traceback."""
    if isinstance(error, NotEnrolled):
        return not_enrolled_text()
    if isinstance(error, DeviceRevoked):  # enrolling again is refused too: the supervisor decides
        return _("{error} The work recorded here stays on this computer.").format(error=str(error))
    if isinstance(error, ServerRefused) and error.status == 401:
        return _("The server no longer accepts this device ({message}). Ask the province for a new "
                 "enrolment code and enrol again: {command}").format(message=error.server_message,
                                                                     command=ENROL_HINT)
    if isinstance(error, ServerUnavailable):
        return _("{error}. The work stays on this computer and goes out at the next sync.").format(
            error=str(error).rstrip("."))
    if isinstance(error, DomainError):
        return " ".join(message(problem) for problem in error.problems)
    if _disk_full(error):
        return _("The disk is full: free some space on this computer. Nothing recorded was lost.")
    if isinstance(error, SyncError):
        return str(error)
    return _("The sync failed: {error}").format(error=error or type(error).__name__)


def not_enrolled_text() -> str:
    return _("This computer is not enrolled with the provincial server yet. Ask the province for a "
             "one-time code, then choose Sync > Enrol this computer… (or run: {command})").format(command=ENROL_HINT)


def _disk_full(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno == errno.ENOSPC:
            return True
        if isinstance(seen, sqlite3.OperationalError) and "full" in str(seen):
            return True
        # SQLAlchemy keeps the driver's error as `orig`; Python chains the rest.
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


class _Cancelled(Exception):
    """The window closed while the sync ran: stop between two steps."""


def run_sync(
    store_path: Path, schedule: SyncSchedule, cancelled: threading.Event, progress: Callable[[int, int], None]
) -> SyncOutcome:
    """One whole sync on its own Store: seal what waits, deliver, pull. Runs on the sync thread; no Qt."""
    try:
        store = open_store(store_path)
    except Exception as error:
        log.exception("the sync could not open the store")
        return SyncOutcome(Result.FAILED, 0, None, describe_failure(error), None)
    try:
        return _sync_on(store, schedule, cancelled, progress)
    finally:
        store.close()


def _sync_on(
    store: Store, schedule: SyncSchedule, cancelled: threading.Event, progress: Callable[[int, int], None]
) -> SyncOutcome:
    def checked_progress(done: int, total: int) -> None:
        # Called before each batch goes out: the place to stop when the window closes.
        if cancelled.is_set():
            raise _Cancelled
        progress(done, total)

    sealed = 0
    report: SyncReport | None = None
    error: BaseException | None = None
    try:
        client = client_for(store, timeout=schedule.timeout, backoff=Backoff(attempts=schedule.attempts))
        with client:
            sealed = len(seal(store, actor=acting_user(store).user_id))
            report = sync_once(store, client, progress=checked_progress)
        result = Result.DONE
    except _Cancelled:
        result = Result.CANCELLED
    except NotEnrolled as failure:
        result, error = Result.NOT_ENROLLED, failure
    except ServerUnavailable as failure:
        result, error = Result.OFFLINE, failure
    except ServerRefused as failure:
        result, error = Result.REFUSED, failure
    except Exception as failure:
        if not isinstance(failure, (SyncError, DomainError)):
            log.exception("the sync failed")
        result, error = Result.FAILED, failure
    try:
        overview: SyncOverview | None = read_overview(store)
    except Exception:
        log.exception("the sync figures could not be read")
        overview = None
    return SyncOutcome(result, sealed, report, None if error is None else describe_failure(error), overview)


class _Relay(QObject):
    """Carries a sync thread's news to the GUI thread (queued connections)."""

    progress_made = Signal(int, int)  # done, total batches
    finished = Signal(object)  # SyncOutcome


@dataclass
class _Running:
    thread: threading.Thread
    cancelled: threading.Event


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
        # Not parented to self: the sync thread holds it too and may outlive the controller.
        self._relay = _Relay()
        self._relay.progress_made.connect(self._on_progress_made, Qt.ConnectionType.QueuedConnection)
        self._relay.finished.connect(self._on_sync_finished, Qt.ConnectionType.QueuedConnection)
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

        A sync still waiting on the server after that is left to its daemon thread: it writes only
        to its own Store, and whatever it had not stored is sent again next time.
        """
        self._stopped = True
        self._timer.stop()
        running = self._running
        if running is None:
            return
        running.cancelled.set()
        running.thread.join(self.schedule.shutdown_wait)
        if running.thread.is_alive():
            log.warning("a sync is still waiting on the server; it is left to finish or time out")

    def is_thread_alive(self) -> bool:
        """Whether a sync thread (perhaps one left by `shutdown`) still runs."""
        return self._running is not None and self._running.thread.is_alive()

    # ---- the sync thread ------------------------------------------------------------------------

    def _start_sync(self) -> None:
        self._syncs_started += 1
        self._timer.stop()
        self._again = False
        self._sync_when_read = False
        self._progress = None
        relay, schedule, path = self._relay, self.schedule, self._ctx.store.path
        cancelled = threading.Event()

        def work() -> None:
            # The sync thread: plain data in, signals out; nothing here may touch a widget.
            try:
                outcome = run_sync(path, schedule, cancelled, relay.progress_made.emit)
            except BaseException as error:
                log.exception("the sync thread failed")
                outcome = SyncOutcome(Result.FAILED, 0, None, describe_failure(error), None)
            relay.finished.emit(outcome)

        thread = threading.Thread(target=work, name="collector-sync", daemon=True)
        self._running = _Running(thread, cancelled)
        thread.start()
        self.sync_started.emit()
        self.changed.emit()

    @Slot(int, int)
    def _on_progress_made(self, done: int, total: int) -> None:
        if self._running is not None:
            self._progress = (done, total)
            self.changed.emit()

    @Slot(object)
    def _on_sync_finished(self, outcome: SyncOutcome) -> None:
        if self._running is not None:
            self._running.thread.join()  # it has emitted its last signal: only returning is left
        self._running = None
        self._progress = None
        self._last_outcome = outcome
        if outcome.overview is not None:
            self._overview = outcome.overview
        if not self._stopped:
            self._schedule_after(outcome)
        self.changed.emit()
        self.sync_finished.emit(outcome)
        self._ctx.events.announce(outcome.changes)

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
