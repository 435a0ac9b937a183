"""Background sync in the window, against the real provincial server on 127.0.0.1: it delivers, it says
whether the server is reachable, it never holds up the store thread, and it lets the window close."""

from __future__ import annotations

import sqlite3
import sys
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy.exc import OperationalError

from collector_app.services.device import acting_user
from collector_app.services.payments import record_vsi_payment
from collector_app.store import stamps
from collector_app.store.search import search_people
from collector_app.sync import client
from collector_app.sync.client import DeviceRevoked
from collector_app.ui.operations import Op
from collector_app.services.syncing import Result, describe_failure
from collector_app.ui.sync_controller import SyncSchedule

# The real server and enrolled collectors of the sync tests (tests/sync/sync_helpers.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))

from sync_helpers import (
    Collector,
    RunningServer,
    assert_server_holds_everything_once,
    new_collector,
    start_server,
)
from window_sync_helpers import WAIT_MS, OpenWindow, frozen, open_window, server  # noqa: F401 - fixtures, found by name


@pytest.fixture
def collector(tmp_path: Path, server: RunningServer) -> Collector:
    return new_collector(tmp_path / "device", server)


def test_the_window_delivers_recorded_payments_in_the_background_and_the_indicator_says_so(
    qtbot: QtBot, collector: Collector, open_window: OpenWindow
) -> None:
    collector.pay(3)
    finished_on: list[threading.Thread] = []

    synced = open_window(collector)
    synced.controller.sync_finished.connect(lambda _outcome: finished_on.append(threading.current_thread()))
    outcome = synced.next_outcome(qtbot)

    assert outcome.sealed == 1 and [batch.accepted for batch in outcome.report.delivered] == [3]
    assert finished_on == [threading.main_thread()]  # results come back to the GUI thread
    indicator = synced.window.sync_indicator
    assert indicator.text().startswith("Có kết nối · Đã gửi hết · Đồng bộ lần cuối: ")
    assert not indicator.attention_button.isVisibleTo(indicator)
    assert_server_holds_everything_once(collector)
    # The next sync is on the timer, not under way.
    assert synced.controller.timer_active and not synced.controller.syncing

    collector.pay(2)  # e.g. the payment page, which then tells the controller
    synced.controller.sync_soon()
    assert [batch.accepted for batch in synced.next_outcome(qtbot).report.delivered] == [2]
    assert_server_holds_everything_once(collector)


def test_a_stopped_server_shows_offline_keeps_the_work_and_a_later_sync_delivers_it(
    qtbot: QtBot, tmp_path: Path, open_window: OpenWindow
) -> None:
    own = start_server(tmp_path / "server")
    try:
        collector = new_collector(tmp_path / "device", own)
        collector.pay(2)
        own.stop()

        synced = open_window(collector)
        offline = synced.next_outcome(qtbot, Result.OFFLINE)

        indicator = synced.window.sync_indicator
        assert indicator.text().startswith("Mất kết nối · Chưa gửi: 2 biên lai · Đồng bộ lần cuối: chưa có")
        assert "Không kết nối được với máy chủ" in indicator.state_button.toolTip()
        assert offline.error is not None and "sẽ được gửi ở lần đồng bộ sau" in offline.error
        assert synced.window.sync_page.outcome_label.text() == offline.error
        status = collector.status()
        assert (status["records"], status["pending_batches"], status["online"]) == (2, 1, False)

        own.start()
        # No one asks: the timer retries, sooner after a failure than after a success.
        while (outcome := synced.next_outcome(qtbot, None)).result != Result.DONE:
            assert outcome.result == Result.OFFLINE
        qtbot.waitUntil(lambda: indicator.text().startswith("Có kết nối · Đã gửi hết"), timeout=WAIT_MS)
        assert_server_holds_everything_once(collector)
    finally:
        own.stop()


def test_a_sync_waiting_on_a_frozen_server_holds_up_neither_searches_nor_payments(
    qtbot: QtBot, server: RunningServer, collector: Collector, open_window: OpenWindow
) -> None:
    collector.pay(1)
    synced = open_window(collector, SyncSchedule(first_delay=3600.0, timeout=120.0, attempts=1))
    window, runner = synced.window, synced.ctx.runner
    found: list[list[str]] = []
    receipts: list[str] = []

    with frozen(server):
        qtbot.keyClick(window, Qt.Key.Key_F9)
        qtbot.waitUntil(lambda: synced.controller.progress == (0, 1), timeout=WAIT_MS)  # the upload is out
        assert window.sync_indicator.text().startswith("Đang đồng bộ… 0/1")

        Op(window, lambda store, _p: [hit.full_name for hit in search_people(store, "dang van hung", limit=5)],
           runner=runner).success(found.append).run()
        Op(window, lambda store, _p: record_vsi_payment(
            store, citizen_id=collector.head, monthly_income=2_000_000, months=1, on=date(2026, 3, 10),
            actor=acting_user(store)).receipt_number, runner=runner).success(receipts.append).run()
        qtbot.waitUntil(lambda: bool(found and receipts), timeout=WAIT_MS)

        assert found == [["Đặng Văn Hùng"]] and synced.controller.syncing
        assert synced.outcomes == []

    assert [batch.accepted for batch in synced.next_outcome(qtbot).report.delivered] == [1]
    synced.controller.sync_now()  # the payment recorded meanwhile goes out next
    assert [batch.accepted for batch in synced.next_outcome(qtbot).report.delivered] == [1]
    assert_server_holds_everything_once(collector)


def test_closing_the_window_in_the_middle_of_a_sync_ends_cleanly_and_loses_nothing(
    qtbot: QtBot, server: RunningServer, collector: Collector, open_window: OpenWindow
) -> None:
    collector.pay(2)
    synced = open_window(collector, SyncSchedule(first_delay=3600.0, timeout=120.0, attempts=1, shutdown_wait=0.1))
    controller = synced.controller

    qtbot.waitUntil(lambda: controller.enrolled is True, timeout=WAIT_MS)  # the figures are read first

    with frozen(server):
        assert controller.sync_now()
        qtbot.waitUntil(lambda: controller.progress == (0, 1), timeout=WAIT_MS)
        assert synced.window.close()
        assert not synced.window.isVisible() and not controller.timer_active
        assert controller.is_thread_alive()  # left to finish on its own: the window did not wait for it

    qtbot.waitUntil(lambda: not controller.is_thread_alive(), timeout=WAIT_MS)
    assert not controller.sync_now()  # a closed window starts nothing more
    assert collector.run("sync").returncode == 0
    assert_server_holds_everything_once(collector)


def test_a_device_that_is_not_enrolled_says_how_to_enrol_and_never_starts_a_sync(
    qtbot: QtBot, tmp_path: Path, open_window: OpenWindow
) -> None:
    collector = new_collector(tmp_path / "device", None)
    collector.pay(1)

    synced = open_window(collector)
    started: list[object] = []
    synced.controller.sync_started.connect(lambda: started.append(True))
    indicator = synced.window.sync_indicator
    qtbot.waitUntil(lambda: indicator.text() == "Chưa đăng ký với máy chủ", timeout=WAIT_MS)
    assert "collector-app enrol --server URL --code CODE" in indicator.state_button.toolTip()
    assert not synced.controller.timer_active

    qtbot.keyClick(synced.window, Qt.Key.Key_F9)
    outcome = synced.next_outcome(qtbot, Result.NOT_ENROLLED)

    assert "collector-app enrol --server URL --code CODE" in (outcome.error or "")
    assert started == [] and not synced.controller.is_thread_alive() and not synced.controller.timer_active
    page = synced.window.sync_page
    assert "collector-app enrol --server URL --code CODE" in page.notice_label.text()
    assert "Đồng bộ > Đăng ký máy tính này…" in page.notice_label.text()
    assert page.notice_label.isVisibleTo(page) and page.state_label.text() == "Chưa đăng ký với máy chủ"
    assert collector.status()["pending_records"] == 1


def test_after_each_failure_the_next_try_waits_twice_as_long_up_to_the_cap() -> None:
    schedule = SyncSchedule(retry_first=30.0, retry_max=300.0)

    assert [schedule.retry_delay(failures) for failures in range(1, 7)] == [30, 60, 120, 240, 300, 300]


def test_a_full_disk_is_said_in_plain_words() -> None:
    try:
        try:
            raise sqlite3.OperationalError("database or disk is full")
        except sqlite3.OperationalError as driver_error:
            raise OperationalError("INSERT INTO meta ...", None, driver_error) from driver_error
    except OperationalError as error:
        text = describe_failure(error)

    assert text == "Ổ đĩa đã đầy: hãy giải phóng dung lượng trên máy này. Không mất dữ liệu nào đã ghi."


def test_a_revoked_device_is_not_told_to_enrol_again() -> None:
    text = describe_failure(DeviceRevoked(401, "device.revoked", "device revoked"))

    assert "thu hồi" in text and "vẫn được giữ trên máy này" in text
    assert "enrol" not in text


def test_a_clock_an_hour_ahead_is_shown_in_the_status_bar_and_the_work_still_arrives(
    qtbot: QtBot, collector: Collector, open_window: OpenWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Ahead(datetime):
        @classmethod
        def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
            return datetime.now(tz) + timedelta(hours=1)  # type: ignore[arg-type]

    monkeypatch.setattr(stamps, "datetime", Ahead)
    monkeypatch.setattr(client, "datetime", Ahead)
    collector.pay(1)

    synced = open_window(collector)
    synced.next_outcome(qtbot)

    indicator = synced.window.sync_indicator
    qtbot.waitUntil(lambda: indicator.clock_label.isVisibleTo(indicator), timeout=WAIT_MS)
    assert indicator.text().endswith("Đồng hồ sai giờ")
    assert indicator.clock_label.toolTip().startswith("Đồng hồ của máy tính này nhanh 60 phút so với máy chủ")
    assert_server_holds_everything_once(collector)
