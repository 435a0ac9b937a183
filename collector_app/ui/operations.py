"""The one way UI code runs work off the GUI thread: `Op(parent, fn, runner=...).success(cb).run()`.

`fn(store, progress)` runs on the runner's database worker and must not touch any widget: read the
form first and pass plain data in; return frozen dataclasses. Callbacks run on the GUI thread, and
not at all once `parent` has been deleted. `latest_only(key)` drops results that a newer Op with the
same key has made stale (search-as-you-type).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from collector_app.ui.tasks import Callbacks, Lane, Progress, TaskRunner

if TYPE_CHECKING:
    from collector_app.store.db import Store

R = TypeVar("R")


class Op(Generic[R]):
    """A piece of background work, configured fluently and started with `run()`."""

    def __init__(self, parent: QObject, fn: Callable[[Store, Progress], R], *, runner: TaskRunner) -> None:
        self._parent = parent
        self._fn = fn
        self._runner = runner
        self._on_success: Callable[[R], None] | None = None
        self._on_failure: Callable[[Exception], None] | None = None
        self._on_progress: Callable[[int, int], None] | None = None
        self._key: str | None = None
        self._lane = Lane.DATABASE

    def success(self, callback: Callable[[R], None]) -> Op[R]:
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[Exception], None]) -> Op[R]:
        """Without one, the runner logs the error and emits `unhandled_error` (the main window shows it)."""
        self._on_failure = callback
        return self

    def progress(self, callback: Callable[[int, int], None]) -> Op[R]:
        self._on_progress = callback
        return self

    def latest_only(self, key: str) -> Op[R]:
        """Only the newest Op of this parent with this key delivers its result; older ones are dropped."""
        self._key = key
        return self

    def long_read(self) -> Op[R]:
        """Run beside the database worker, not on it: a read of seconds that searches must not wait
        for (the store check at start). `fn` must not write; the store makes writes wait for it."""
        self._lane = Lane.LONG_READ
        return self

    def network(self) -> Op[R]:
        """Run on the network lane: a call to the provincial server, which may wait a minute. `fn` gets
        the window's Store only to learn its path: it opens a Store of its own (its writes must not queue
        behind the database lane, nor hold it)."""
        self._lane = Lane.NETWORK
        return self

    def supervisor(self) -> Op[R]:
        """Run on the supervisor's lane: a call to the provincial server with a supervisor's session.
        `fn` does not use the store (it is given the window's, unused)."""
        self._lane = Lane.SUPERVISOR
        return self

    def run(self, *, label: str | None = None) -> int:
        """Start it; `label` ("Recording payment…") is shown as busy while it runs. Returns the ticket."""
        callbacks = Callbacks(
            on_success=self._deliver_success,
            on_failure=self._deliver_failure,
            on_progress=self._deliver_progress if self._on_progress else None,
        )
        # Keys are per parent, so two pages searching at once never drop each other's results.
        key = (id(self._parent), self._key) if self._key is not None else None
        return self._runner.submit(self._fn, callbacks, key=key, label=label, lane=self._lane)

    def _parent_alive(self) -> bool:
        return shiboken6.isValid(self._parent)

    def _deliver_success(self, value: R) -> None:
        if self._on_success is not None and self._parent_alive():
            self._on_success(value)

    def _deliver_failure(self, error: Exception) -> None:
        if self._on_failure is None:
            self._runner.report_unhandled(error)
        elif self._parent_alive():
            self._on_failure(error)

    def _deliver_progress(self, done: int, total: int) -> None:
        if self._on_progress is not None and self._parent_alive():
            self._on_progress(done, total)


def supersede(parent: QWidget, key: str, *, runner: TaskRunner) -> None:
    """Drop the result of any Op of `parent` with `key` still under way (e.g. the query was cleared)."""
    runner.supersede((id(parent), key))
