"""The collector's own point's progress against plan: fetched from the server when it answers, else the
copy kept from the last time, with the time it was fetched. Targets come from the device's store (pulled
through the changes feed), so they show even before the first figures arrive.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from collector_app.domain.progress import Progress
from collector_app.i18n import _
from collector_app.store.cipher import Connector
from collector_app.store.db import Store, open_store
from collector_app.store.stamps import utc_now
from collector_app.store.target_updates import keep_progress
from collector_app.services.syncing import describe_failure
from collector_app.store.targets import kept_progress, point_targets
from collector_app.sync.client import (
    DEFAULT_TIMEOUT,
    Backoff,
    ProtocolError,
    ServerRefused,
    ServerUnavailable,
    SyncError,
)
from collector_app.sync.engine import client_for
from collector_app.sync.progress import ServerProgress, read_progress

FETCH_BACKOFF = Backoff(attempts=2)  # someone is looking at the page: the copy kept is better than waiting


@dataclass(frozen=True)
class PointProgress:
    figures: ServerProgress | None  # None: never fetched, and the server cannot be reached now
    fetched_at: str | None  # UTC ISO 8601 of the figures shown
    from_copy: bool  # the server did not answer: the copy kept from `fetched_at`
    error: SyncError | None  # why the server's figures are not fresh (None when they are)


def my_progress(store: Store, year: int, *, timeout: float = DEFAULT_TIMEOUT) -> PointProgress:
    """The point's figures for `year`, from the server (kept for later) or from the copy kept last time."""
    try:
        with client_for(store, timeout=timeout, backoff=FETCH_BACKOFF) as client:
            answer, text = client.my_progress(year)
        figures = read_progress(answer)
        fetched_at = utc_now()
        keep_progress(store, year, text, fetched_at=fetched_at)
        return PointProgress(_with_own_targets(store, figures), fetched_at, from_copy=False, error=None)
    except SyncError as error:  # NotEnrolled, ServerUnavailable, ServerRefused, ProtocolError
        return _kept(store, year, error)


def my_progress_on(store_path: Path, year: int, *, connector: Connector | None = None,
                   timeout: float = DEFAULT_TIMEOUT) -> PointProgress:
    """`my_progress` on a Store of its own (the window's network lane: its write must not wait for the
    database lane)."""
    store = open_store(store_path, connector=connector)
    try:
        return my_progress(store, year, timeout=timeout)
    finally:
        store.close()


def fetch_failure_text(error: BaseException) -> str:
    """Why the server's figures could not be had, in one sentence for the user."""
    if isinstance(error, ServerUnavailable):
        return str(error).rstrip(".") + "."
    if isinstance(error, ServerRefused) and error.status == 401:
        return _("The provincial server asks you to sign in again.")
    if isinstance(error, ServerRefused) and error.status == 404:
        return _("The provincial server holds no such point or commune.")
    if isinstance(error, ServerRefused):
        return _("The provincial server refused: {message}").format(message=error.server_message)
    if isinstance(error, ProtocolError):
        return _("The provincial server's answer could not be read.")
    return describe_failure(error)


def _kept(store: Store, year: int, error: SyncError) -> PointProgress:
    kept = kept_progress(store, year)
    if kept is None:
        return PointProgress(None, None, from_copy=True, error=error)
    try:
        figures = read_progress(json.loads(kept.document))
    except (ValueError, ProtocolError):  # a copy from a server of another shape: as good as none
        return PointProgress(None, None, from_copy=True, error=error)
    return PointProgress(_with_own_targets(store, figures), kept.fetched_at, from_copy=True, error=error)


def _with_own_targets(store: Store, figures: ServerProgress) -> ServerProgress:
    """The figures with the targets the device holds (the same as the server's once a sync pulled them)."""
    held = {target.scheme: target for target in point_targets(store, figures.progress.year)}
    schemes = tuple(
        replace(scheme, target_participants=held[scheme.scheme].participants,
                target_amount=held[scheme.scheme].amount) if scheme.scheme in held else scheme
        for scheme in figures.progress.schemes)
    return replace(figures, progress=Progress(year=figures.progress.year, schemes=schemes))
