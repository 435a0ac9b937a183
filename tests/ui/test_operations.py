"""Background work through Op and TaskRunner: results come back on the GUI thread, stale ones never."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from collector_app.domain.problems import ProblemCode
from collector_app.services.changes import Change
from collector_app.store.health import StoreFailure
from collector_app.ui.operations import Op, supersede
from collector_app.ui.tasks import Progress, TaskRunner
from signing import open_test_store

class _NoStore:
    """What the runner hands every task in these tests, which need no real store."""

    def failure(self, error: BaseException) -> None:
        return None  # no failure is SQLite's here


STORE = _NoStore()
RELEASE_TIMEOUT = 10  # seconds a blocked task waits before giving up, so a failing test cannot hang


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    task_runner = TaskRunner(STORE)  # type: ignore[arg-type]
    yield task_runner
    task_runner.shutdown()


@pytest.fixture
def parent(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def test_the_work_runs_off_the_gui_thread_and_success_runs_on_it(
    qtbot: QtBot, runner: TaskRunner, parent: QWidget
) -> None:
    gui_thread = QThread.currentThread()
    seen: dict[str, object] = {}

    def work(store: object, progress: Progress) -> str:
        seen["work_on_gui_thread"] = QThread.currentThread() is gui_thread
        seen["store"] = store
        return "done"

    def on_success(value: str) -> None:
        seen["value"] = value
        seen["callback_on_gui_thread"] = QThread.currentThread() is gui_thread

    with qtbot.waitSignal(runner.task_done):
        Op(parent, work, runner=runner).success(on_success).run()

    assert seen == {
        "work_on_gui_thread": False,
        "store": STORE,
        "value": "done",
        "callback_on_gui_thread": True,
    }


def test_an_exception_in_the_work_reaches_failure_on_the_gui_thread(
    qtbot: QtBot, runner: TaskRunner, parent: QWidget
) -> None:
    gui_thread = QThread.currentThread()
    failures: list[tuple[Exception, bool]] = []
    successes: list[object] = []

    def work(store: object, progress: Progress) -> None:
        raise LookupError("no such household")

    def on_failure(error: Exception) -> None:
        failures.append((error, QThread.currentThread() is gui_thread))

    with qtbot.waitSignal(runner.task_done):
        Op(parent, work, runner=runner).success(successes.append).failure(on_failure).run()

    assert successes == []
    [(error, on_gui_thread)] = failures
    assert isinstance(error, LookupError) and str(error) == "no such household"
    assert on_gui_thread


def test_a_failure_without_a_handler_is_reported_by_the_runner(
    qtbot: QtBot, runner: TaskRunner, parent: QWidget
) -> None:
    def work(store: object, progress: Progress) -> None:
        raise RuntimeError("disk full")

    with qtbot.waitSignal(runner.unhandled_error) as reported:
        Op(parent, work, runner=runner).run()

    assert isinstance(reported.args[0], RuntimeError)


def test_progress_reports_arrive_in_order_on_the_gui_thread(
    qtbot: QtBot, runner: TaskRunner, parent: QWidget
) -> None:
    gui_thread = QThread.currentThread()
    reports: list[tuple[int, int, bool]] = []

    def work(store: object, progress: Progress) -> None:
        for done in range(1, 4):
            progress(done, 3)

    def on_progress(done: int, total: int) -> None:
        reports.append((done, total, QThread.currentThread() is gui_thread))

    with qtbot.waitSignal(runner.task_done):
        Op(parent, work, runner=runner).progress(on_progress).run()

    assert reports == [(1, 3, True), (2, 3, True), (3, 3, True)]


def test_tasks_run_one_at_a_time_so_writes_are_serialised(
    qtbot: QtBot, runner: TaskRunner, parent: QWidget
) -> None:
    second_started = threading.Event()
    results: list[bool] = []

    def first(store: object, progress: Progress) -> bool:
        # With a second worker the next task would start now and set the event.
        return second_started.wait(timeout=0.5)

    def second(store: object, progress: Progress) -> None:
        second_started.set()

    with qtbot.waitSignals([runner.task_done, runner.task_done]):
        Op(parent, first, runner=runner).success(results.append).run()
        Op(parent, second, runner=runner).run()

    assert results == [False]


def test_a_long_read_runs_beside_the_database_worker_and_does_not_hold_it_up(
    qtbot: QtBot, runner: TaskRunner, parent: QWidget
) -> None:
    release = threading.Event()
    delivered: list[str] = []

    def long_read(store: object, progress: Progress) -> str:
        return "checked" if release.wait(timeout=RELEASE_TIMEOUT) else "timed out"

    Op(parent, long_read, runner=runner).long_read().success(delivered.append).run(label="Checking")
    with qtbot.waitSignal(runner.task_done):
        Op(parent, lambda store, progress: "searched", runner=runner).success(delivered.append).run()
    assert delivered == ["searched"]
    assert runner.busy_label == "Checking"

    release.set()
    qtbot.waitUntil(lambda: delivered == ["searched", "checked"])
    assert runner.busy_label == ""


def test_a_result_made_stale_by_a_newer_op_with_the_same_key_is_dropped(
    qtbot: QtBot, runner: TaskRunner, parent: QWidget
) -> None:
    started = threading.Event()
    release = threading.Event()
    delivered: list[str] = []

    def slow(store: object, progress: Progress) -> str:
        started.set()
        release.wait(RELEASE_TIMEOUT)
        return "old query"

    first = Op(parent, slow, runner=runner).success(delivered.append).latest_only("search").run()
    assert started.wait(RELEASE_TIMEOUT)
    Op(parent, lambda store, progress: "new query", runner=runner).success(delivered.append).latest_only(
        "search"
    ).run()

    with qtbot.waitSignal(runner.task_done, check_params_cb=lambda ticket: ticket == first):
        release.set()
    qtbot.waitUntil(lambda: delivered == ["new query"])  # the old result arrived first, and was dropped


def test_a_waiting_op_superseded_before_it_starts_never_runs(
    qtbot: QtBot, runner: TaskRunner, parent: QWidget
) -> None:
    release = threading.Event()
    ran: list[str] = []

    def blocker(store: object, progress: Progress) -> None:
        release.wait(RELEASE_TIMEOUT)

    def record(name: str) -> object:
        def work(store: object, progress: Progress) -> str:
            ran.append(name)
            return name

        return work

    delivered: list[str] = []
    Op(parent, blocker, runner=runner).run()
    Op(parent, record("a"), runner=runner).success(delivered.append).latest_only("search").run()
    Op(parent, record("ab"), runner=runner).success(delivered.append).latest_only("search").run()
    release.set()

    qtbot.waitUntil(lambda: delivered == ["ab"])
    assert ran == ["ab"]


def test_superseding_a_key_drops_the_result_under_way(
    qtbot: QtBot, runner: TaskRunner, parent: QWidget
) -> None:
    release = threading.Event()
    delivered: list[str] = []

    def slow(store: object, progress: Progress) -> str:
        release.wait(RELEASE_TIMEOUT)
        return "results for a query the user has since cleared"

    ticket = Op(parent, slow, runner=runner).success(delivered.append).latest_only("search").run()
    supersede(parent, "search", runner=runner)

    with qtbot.waitSignal(runner.task_done, check_params_cb=lambda done: done == ticket):
        release.set()
    assert delivered == []


def test_the_same_key_on_two_parents_does_not_make_either_stale(
    qtbot: QtBot, runner: TaskRunner, parent: QWidget
) -> None:
    other = QWidget()
    qtbot.addWidget(other)
    delivered: list[str] = []

    with qtbot.waitSignals([runner.task_done, runner.task_done]):
        Op(parent, lambda s, p: "first page", runner=runner).success(delivered.append).latest_only("q").run()
        Op(other, lambda s, p: "second page", runner=runner).success(delivered.append).latest_only("q").run()

    assert delivered == ["first page", "second page"]


def test_no_callback_runs_once_the_parent_widget_is_deleted(qtbot: QtBot, runner: TaskRunner) -> None:
    release = threading.Event()
    doomed = QWidget()
    delivered: list[object] = []

    def slow(store: object, progress: Progress) -> str:
        release.wait(RELEASE_TIMEOUT)
        return "late"

    ticket = Op(doomed, slow, runner=runner).success(delivered.append).run()
    doomed.deleteLater()
    qtbot.waitUntil(lambda: not _alive(doomed))

    with qtbot.waitSignal(runner.task_done, check_params_cb=lambda done: done == ticket):
        release.set()
    assert delivered == []


def test_the_busy_label_shows_while_a_labelled_op_runs(
    qtbot: QtBot, runner: TaskRunner, parent: QWidget
) -> None:
    release = threading.Event()
    labels: list[str] = []
    runner.busy_changed.connect(labels.append)

    with qtbot.waitSignal(runner.task_done):
        Op(parent, lambda s, p: release.wait(RELEASE_TIMEOUT), runner=runner).run(label="Importing…")
        assert runner.busy_label == "Importing…"
        release.set()

    assert labels == ["Importing…", ""]
    assert runner.busy_label == ""


def _alive(widget: QWidget) -> bool:
    import shiboken6

    return shiboken6.isValid(widget)


def test_sqlite_failing_on_the_store_reaches_the_page_in_plain_words(
    qtbot: QtBot, parent: QWidget, tmp_path: Path
) -> None:
    with open_test_store(tmp_path / "store.sqlite3") as store:
        runner = TaskRunner(store)
        failures: list[Exception] = []

        def work(store: object, progress: Progress) -> None:
            raise sqlite3.DatabaseError("database disk image is malformed")

        Op(parent, work, runner=runner).failure(failures.append).run()
        qtbot.waitUntil(lambda: bool(failures))
        runner.shutdown()

    [failure] = failures
    assert isinstance(failure, StoreFailure) and failure.problem.code is ProblemCode.STORE_DAMAGED
    assert str(failure).startswith("Tệp dữ liệu ")


def test_what_a_command_changed_is_announced_once_it_has_succeeded_and_never_after_a_failure(
    qtbot: QtBot, runner: TaskRunner, parent: QWidget
) -> None:
    heard: list[frozenset[Change]] = []
    runner.events.changed.connect(heard.append)

    @dataclass(frozen=True)
    class Recorded:
        @property
        def changes(self) -> frozenset[Change]:
            return frozenset({Change.PAYMENTS, Change.RECEIPTS})

    def record(store: object, progress: Progress) -> Recorded:
        return Recorded()

    def fail(store: object, progress: Progress) -> Recorded:
        raise RuntimeError("refused")

    with qtbot.waitSignal(runner.task_done):
        Op(parent, fail, runner=runner).failure(lambda _error: None).run()
    with qtbot.waitSignal(runner.events.changed):
        Op(parent, record, runner=runner).run()
    with qtbot.waitSignal(runner.task_done):
        Op(parent, lambda store, progress: "a plain read", runner=runner).run()

    assert heard == [frozenset({Change.PAYMENTS, Change.RECEIPTS})]


def test_a_network_call_waiting_on_a_server_holds_up_neither_reads_nor_writes(
    qtbot: QtBot, runner: TaskRunner, parent: QWidget
) -> None:
    release = threading.Event()
    threads: list[threading.Thread] = []
    answers: list[str] = []

    def wait_on_the_server(store: object, progress: Progress) -> str:
        threads.append(threading.current_thread())
        release.wait(RELEASE_TIMEOUT)
        return "synced"

    Op(parent, wait_on_the_server, runner=runner).network().success(answers.append).run()
    qtbot.waitUntil(lambda: bool(threads))
    with qtbot.waitSignal(runner.task_done):
        Op(parent, lambda store, progress: "recorded", runner=runner).success(answers.append).run()

    assert answers == ["recorded"]  # while the network call still waits
    assert threads[0].daemon  # a call left waiting never keeps the program from ending
    release.set()
    qtbot.waitUntil(lambda: answers == ["recorded", "synced"])
