"""A whole sync and an enrolment as the window runs them, and what the user is told when either fails.

Qt-free, so the window and the command line share one copy. Each opens a Store of its own on the
same file: it may wait on the server for a minute, and must not hold the window's store up meanwhile.
"""

from __future__ import annotations

import errno
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import requests

from collector_app.domain.problems import DomainError
from collector_app.i18n import _
from collector_app.messages import message
from collector_app.services.changes import NOTHING, Change, Changes
from collector_app.services.device import acting_user
from collector_app.services.sync import AttentionRecord, SyncStatus, needing_attention, sync_status
from collector_app.store.cipher import OPERATIONAL_ERRORS, Connector
from collector_app.store.db import Store, open_store
from collector_app.sync.client import (
    Backoff,
    DeviceRevoked,
    ServerRefused,
    ServerUnavailable,
    SyncClient,
    SyncError,
)
from collector_app.sync.engine import Enrolment, NotEnrolled, SyncReport, client_for, enrol, seal, sync_once
from collector_app.wire import ErrorCode

log = logging.getLogger(__name__)


ENROL_HINT = "collector-app enrol --server URL --code CODE"


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
        """What a sync may have changed: what waits and the answers (the outbox), a pulled table, facilities,
        visit rounds (with the people they list) and visits."""
        if self.result in (Result.NOT_ENROLLED, Result.CANCELLED) and not self.sealed:
            return NOTHING
        pulled = self.report is not None and bool(self.report.new_policy_versions)
        facilities = self.report is not None and self.report.facilities > 0
        rounds = self.report is not None and self.report.rounds > 0
        return frozenset({Change.OUTBOX, *([Change.POLICY] if pulled else []),
                          *([Change.FACILITIES] if facilities else []),
                          *([Change.ROUNDS, Change.PEOPLE, Change.HOUSEHOLDS] if rounds else [])})


def read_overview(store: Store) -> SyncOverview:
    return SyncOverview(status=sync_status(store), attention=tuple(needing_attention(store)))


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


def refusal_text(code: str, server_message: str) -> str:
    """Why the server refused a whole batch, in the current language where the app knows the reason."""
    if code == ErrorCode.BATCH_CHAIN_BROKEN:
        return _("its money log does not continue the one the province received last: payments, voids or "
                 "reprints were changed or deleted on this computer outside the app. Record nothing more, run "
                 "collector-app audit verify, and call your supervisor.")
    return server_message


def not_enrolled_text() -> str:
    return _("This computer is not enrolled with the provincial server yet. Ask the province for a "
             "one-time code, then choose Sync > Enrol this computer… (or run: {command})").format(command=ENROL_HINT)


def _disk_full(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno == errno.ENOSPC:
            return True
        if isinstance(seen, OPERATIONAL_ERRORS) and "full" in str(seen):
            return True
        # SQLAlchemy keeps the driver's error as `orig`; Python chains the rest.
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


class _Cancelled(Exception):
    """The window closed while the sync ran: stop between two steps."""


def run_sync(
    store_path: Path, *, timeout: float, attempts: int, cancelled: threading.Event,
    progress: Callable[[int, int], None], connector: Connector | None = None,
) -> SyncOutcome:
    """One whole sync on its own Store: seal what waits, deliver, pull; `timeout` and `attempts` per call.

    Stops between two batches once `cancelled` is set (the window closing): the engine resumes there.
    """
    try:
        store = open_store(store_path, connector=connector)
    except Exception as error:
        log.exception("the sync could not open the store")
        return SyncOutcome(Result.FAILED, 0, None, describe_failure(error), None)
    try:
        return _sync_on(store, timeout, attempts, cancelled, progress)
    finally:
        store.close()


def _sync_on(
    store: Store, timeout: float, attempts: int, cancelled: threading.Event, progress: Callable[[int, int], None]
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
        client = client_for(store, timeout=timeout, backoff=Backoff(attempts=attempts))
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


ENROL_TIMEOUT_SECONDS = 20.0
ENROL_BACKOFF = Backoff(attempts=3)  # the user is watching: fewer tries than the command line's


@dataclass(frozen=True)
class EnrolOutcome:
    enrolment: Enrolment | None  # None when it failed
    error: str | None  # for the user, in the current language; None when it worked


def describe_enrol_failure(error: BaseException) -> str:
    """Why enrolling failed, in plain language: the code, the server, the certificate, or the device."""
    if isinstance(error, ServerRefused) and not isinstance(error, DeviceRevoked) and error.code in (
        ErrorCode.ENROLMENT_CODE_INVALID, ErrorCode.ENROLMENT_PROOF_INVALID
    ):
        return _("The server does not accept this code: it is unknown, already used or expired. Check it, "
                 "or ask the province for a new one.")
    if isinstance(error, ServerUnavailable):
        if isinstance(error.__cause__, requests.exceptions.SSLError):  # the server's certificate is not trusted
            return _("{error}. Check the CA certificate file given by the province, and the server address.").format(
                error=str(error).rstrip("."))
        return _("{error}. Check the server address and that this computer is online.").format(
            error=str(error).rstrip("."))
    if isinstance(error, FileNotFoundError):
        return str(error)
    return describe_failure(error)


def run_enrolment(store_path: Path, server_url: str, code: str, ca_bundle: str | None,
                  connector: Connector | None = None) -> EnrolOutcome:
    """Enrol on a Store of its own. Safe to run again with the same code."""
    try:
        store = open_store(store_path, connector=connector)
    except Exception as error:
        log.exception("the enrolment could not open the store")
        return EnrolOutcome(None, describe_enrol_failure(error))
    try:
        with SyncClient(server_url, verify=ca_bundle or True, timeout=ENROL_TIMEOUT_SECONDS,
                        backoff=ENROL_BACKOFF) as client:
            return EnrolOutcome(enrol(store, client, code=code, ca_bundle=ca_bundle), None)
    except Exception as error:
        if not isinstance(error, (ServerUnavailable, ServerRefused, DomainError, FileNotFoundError)):
            log.exception("the enrolment failed")
        return EnrolOutcome(None, describe_enrol_failure(error))
    finally:
        store.close()


def enrolled_text(enrolment: Enrolment) -> str:
    """The confirmation, as the command line words it."""
    return _("Enrolled with {server}: collection point {name} ({code}); receipts numbered "
             "{series}-YY-NNNNNNN.").format(server=enrolment.server_url, name=enrolment.point_name,
                                            code=enrolment.point_code, series=enrolment.series)
