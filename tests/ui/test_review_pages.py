"""Supervisor mode against the real provincial server (SQLite and PostgreSQL): signing in (good, wrong password,
throttled, no server, a session that ended), the Batches page (filter, totals, paging, sort, no server), a batch
decided from the keyboard, and a rejection reaching the collector's window after its next sync."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "sync"), str(Path(__file__).resolve().parents[1] / "server")]

from server_helpers import SUPERVISOR_PASSWORD, add_supervisor, enrol, free_port, vsi_payment
from sqlalchemy import select, update
from sync_helpers import HOUSEHOLD, Collector, RunningServer, new_collector, start_server_on

from signing import PASSWORD

from collector_app.domain.policy import PolicyTable
from collector_app.policies import current_table
from collector_app.services.device import device_of
from collector_app.store.people import household_id_by_code
from collector_app.store.targets import point_targets as point_targets_held
from collector_app.sync.review import ReviewRecord
from collector_app.ui.dialogs.supervisor_sign_in_dialog import SupervisorSignInDialog
from collector_app.ui.main_window import MainWindow
from collector_app.ui.pages.batch_page import RECORD_COLUMNS
from collector_app.ui.palette import ATTENTION
from provincial_server.store.schema import sessions, supervisors
from window_sync_helpers import FAST, WAIT_MS, OpenWindow, open_window  # noqa: F401 - fixture

ON_F9 = replace(FAST, first_delay=3600.0)  # the collector's window syncs when asked (F9)


@pytest.fixture(scope="module", params=("sqlite", "postgresql"))
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server_on(request, request.param, tmp_path_factory.mktemp(f"server-{request.param}"))
    try:
        yield running
    finally:
        running.stop()


def sign_in_dialog(qtbot: QtBot, window: MainWindow) -> SupervisorSignInDialog:
    window.supervisor_sign_in_action.trigger()
    dialog = window.supervisor_link.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    return dialog


def sign_in(qtbot: QtBot, window: MainWindow, username: str, password: str = SUPERVISOR_PASSWORD,
            *, server_url: str | None = None) -> SupervisorSignInDialog:
    dialog = sign_in_dialog(qtbot, window)
    if server_url is not None:
        dialog.server_edit.setText(server_url)
    dialog.username_edit.setText(username)
    dialog.password_edit.setFocus()
    qtbot.keyClicks(dialog.password_edit, password)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    return dialog


def signed_in(qtbot: QtBot, window: MainWindow, server: RunningServer) -> MainWindow:
    sign_in(qtbot, window, add_supervisor(server))
    qtbot.waitUntil(lambda: window.supervisor is not None, timeout=WAIT_MS)
    return window


def wait_loaded(qtbot: QtBot, window: MainWindow) -> None:
    model = window.review_page.batches_page.model
    qtbot.waitUntil(lambda: model.total is not None and not model._fetching, timeout=WAIT_MS)


def _point_of(collector: Collector) -> str:
    with collector.open() as store:
        return device_of(store).point_code


def upload_batches(server: RunningServer, point: str, count: int, table: PolicyTable) -> list[str]:
    device = enrol(server, point)
    made = []
    for _ in range(count):
        batch = device.seal([vsi_payment(device, table)])
        assert device.upload(batch).status_code == 200
        made.append(batch["batch_id"])
    return made


def test_signing_in_proposes_the_devices_server_and_says_when_the_password_is_wrong(
    qtbot: QtBot, tmp_path: Path, server: RunningServer, open_window: OpenWindow
) -> None:
    window = open_window(new_collector(tmp_path / "device", server), ON_F9).window
    review_row = window.pages.indexOf(window.review_page)
    assert window.navigation.item(review_row).isHidden()
    username = add_supervisor(server)

    dialog = sign_in(qtbot, window, username, "not the password")
    assert dialog.server_edit.text().rstrip("/") + "/api/v1" == server.url or server.url.startswith(
        dialog.server_edit.text().rstrip("/"))
    qtbot.waitUntil(lambda: dialog.message_label.text() == "Tên đăng nhập hoặc mật khẩu không đúng.",
                    timeout=WAIT_MS)
    assert window.supervisor is None and dialog.isVisible()

    dialog.password_edit.clear()
    qtbot.keyClicks(dialog.password_edit, SUPERVISOR_PASSWORD)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.supervisor is not None, timeout=WAIT_MS)
    assert window.supervisor.username == username
    assert not window.navigation.item(review_row).isHidden()
    assert window.pages.currentWidget() is window.review_page
    assert "token" not in repr(window.supervisor)

    window.supervisor_sign_out_action.trigger()
    assert window.supervisor is None and window.navigation.item(review_row).isHidden()
    assert window.pages.currentWidget() is window.today_page


def test_a_throttled_name_is_told_how_long_to_wait_and_no_server_is_one_line(
    qtbot: QtBot, tmp_path: Path, server: RunningServer, open_window: OpenWindow
) -> None:
    window = open_window(new_collector(tmp_path / "device", server), ON_F9).window
    username = add_supervisor(server)
    for _ in range(5):
        requests.post(f"{server.url}/auth/login", json={"username": username, "password": "wrong"}, timeout=30)
    dialog = sign_in(qtbot, window, username)
    qtbot.waitUntil(lambda: "thử lại sau" in dialog.message_label.text(), timeout=WAIT_MS)
    assert dialog.message_label.text().startswith("Đăng nhập sai quá nhiều lần với tên này")
    assert "phút" in dialog.message_label.text() and window.supervisor is None
    dialog.reject()

    nowhere = f"http://127.0.0.1:{free_port()}"
    dialog = sign_in(qtbot, window, add_supervisor(server), server_url=nowhere)
    qtbot.waitUntil(lambda: "Không kết nối được" in dialog.message_label.text(), timeout=WAIT_MS)
    assert "\n" not in dialog.message_label.text() and "Traceback" not in dialog.message_label.text()
    assert window.supervisor is None


def test_the_batches_page_filters_pages_as_it_scrolls_sorts_and_says_when_the_server_is_gone(
    qtbot: QtBot, tmp_path: Path, server: RunningServer, open_window: OpenWindow
) -> None:
    collector = new_collector(tmp_path / "device", server)
    point = _point_of(collector)
    with collector.open() as store:
        table = current_table(store)
    made = upload_batches(server, point, 12, table)
    window = signed_in(qtbot, open_window(collector, ON_F9).window, server)
    page = window.review_page.batches_page
    page.page_size = 5
    page.table.setFixedHeight(page.table.verticalHeader().defaultSectionSize() * 4)  # fewer rows than a page
    model = page.model

    qtbot.keyClicks(page.point_edit, point)
    qtbot.keyClick(page.point_edit, Qt.Key.Key_Return)
    wait_loaded(qtbot, window)
    assert (model.total, model.rowCount()) == (12, 5)
    assert page.totals_label.text().startswith("12 lô · 12 bản ghi · ")
    assert [model.row(n).batch_id for n in range(5)] == made[::-1][:5]  # newest first
    for shown in (10, 12):  # the view asks for the next page when scrolled to its end
        page.table.scrollToBottom()
        qtbot.waitUntil(lambda: model.rowCount() == shown and not model._fetching, timeout=WAIT_MS)
    assert not model.canFetchMore(QModelIndex())
    assert [model.row(n).batch_id for n in range(12)] == made[::-1]

    page.table.sortByColumn(model.column_number("received_at"), Qt.SortOrder.AscendingOrder)
    wait_loaded(qtbot, window)
    assert [model.row(n).batch_id for n in range(5)] == made[:5]

    page.state_combo.setCurrentIndex(page.state_combo.findData("reviewed"))
    wait_loaded(qtbot, window)
    assert (model.total, model.rowCount()) == (0, 0)
    assert page.message_label.text() == "Không có lô nào khớp bộ lọc này."
    page.from_edit.setText("31/02/2026")
    qtbot.keyClick(page.from_edit, Qt.Key.Key_Return)
    assert page.message_label.text().startswith("Ngày “từ” không phải là ngày")

    server.stop()
    try:
        page.clear_filters()
        qtbot.waitUntil(page.retry_button.isVisible, timeout=WAIT_MS)
        assert "Không kết nối được" in page.message_label.text()
    finally:
        server.start()
    qtbot.mouseClick(page.retry_button, Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, window)
    assert model.rowCount() > 0 and not page.retry_button.isVisible()

    batch = window.review_page.batch_page
    server.stop()
    try:
        page.batch_opened.emit(model.row(0).batch_id)
        qtbot.waitUntil(batch.retry_button.isVisible, timeout=WAIT_MS)
        assert "Không kết nối được" in batch.message_label.text()
    finally:
        server.start()
    qtbot.mouseClick(batch.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: batch.records_model.rowCount() == 1, timeout=WAIT_MS)
    assert not batch.retry_button.isVisible()


def test_a_batch_is_decided_from_the_keyboard_and_the_rejection_reaches_the_collectors_window(
    qtbot: QtBot, tmp_path: Path, server: RunningServer, open_window: OpenWindow
) -> None:
    collector = new_collector(tmp_path / "device", server)
    receipts = collector.pay(3)
    synced = open_window(collector, ON_F9)
    window = synced.window
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F9)
    synced.next_outcome(qtbot)
    signed_in(qtbot, window, server)
    page = window.review_page
    batches = page.batches_page
    batches.point_edit.setText(_point_of(collector))
    batches.apply_filter()
    wait_loaded(qtbot, window)
    assert batches.model.rowCount() == 1 and batches.model.row(0).state == "new"

    batches.focus_list()
    qtbot.keyClick(batches.table, Qt.Key.Key_Return)
    batch = page.batch_page
    assert page.stack.currentWidget() is batch
    qtbot.waitUntil(lambda: batch.records_model.rowCount() == 3, timeout=WAIT_MS)
    first = batch.records_model.row(0)
    assert (first.receipt_number, first.review, first.receipt_check) == (receipts[0], "pending", "valid")
    signature = [column.key for column in RECORD_COLUMNS].index("signature")
    assert batch.records_model.headerData(signature, Qt.Orientation.Horizontal) == "Chữ ký QR"
    # Signed on the device as printed, checked by the server with the device's key.
    assert [batch.records_model.index(row, signature).data() for row in range(3)] == ["Hợp lệ"] * 3
    assert first.citizen_id is not None and first.citizen_id.startswith("********")
    qtbot.waitUntil(lambda: batch.history_model.rowCount() == 1, timeout=WAIT_MS)

    qtbot.keyClick(batch.records_table, Qt.Key.Key_A)  # approve the first
    qtbot.waitUntil(lambda: batch.records_model.row(0).review == "approved", timeout=WAIT_MS)
    qtbot.keyClick(batch.records_table, Qt.Key.Key_J)
    assert batch.records_table.currentIndex().row() == 1
    qtbot.keyClick(batch.records_table, Qt.Key.Key_R)  # reject the second, wrong amount
    dialog = batch.reject_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    qtbot.keyClick(dialog.reason_list, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.reason_list, Qt.Key.Key_Up)  # back to "Sai số tiền"
    dialog.note_edit.setFocus()
    qtbot.keyClicks(dialog.note_edit, "thu 2 thang")
    qtbot.keyClick(dialog.note_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: batch.records_model.row(1).review == "rejected", timeout=WAIT_MS)
    assert batch.records_model.row(1).reason == "Sai số tiền: thu 2 thang"
    qtbot.waitUntil(lambda: batch.history_model.rowCount() == 2, timeout=WAIT_MS)

    qtbot.keyClick(batch.records_table, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    box = batch.confirm_box
    assert box is not None
    qtbot.waitUntil(box.isVisible, timeout=WAIT_MS)
    assert "1 bản ghi" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: batch.records_model.row(2).review == "approved", timeout=WAIT_MS)
    assert not batch.approve_rest_button.isEnabled()

    qtbot.keyClick(batch.records_table, Qt.Key.Key_Escape)
    assert page.stack.currentWidget() is batches
    assert batches.model.row(0).state == "reviewed" and batches.table.currentIndex().row() == 0

    # The collector's next sync brings the rejection back: the Today page and the household view show it.
    window.activateWindow()  # the confirmation had the keyboard; the window's shortcuts need it back
    qtbot.waitUntil(window.isActiveWindow)
    window.show_today_page()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F9)
    synced.next_outcome(qtbot)
    today = window.today_page
    qtbot.waitUntil(lambda: today.rejected_model.rowCount() == 1, timeout=WAIT_MS)
    row = {column.key: today.rejected_model.index(0, number).data()
           for number, column in enumerate(today.rejected_model.columns)}
    assert row["receipt"] == receipts[1] and "Sai số tiền: thu 2 thang" in row["reason"]
    assert row["rejected_by"] == "Cán bộ kiểm tra"

    household_id = household_id_by_code(synced.ctx.store, HOUSEHOLD)
    assert household_id is not None
    window.show_household(household_id)
    household = window.find_page.household_page
    qtbot.waitUntil(lambda: household.payments_model.rowCount() == 3, timeout=WAIT_MS)
    sync_texts = {household.payments_model.row(n).receipt_number:
                  household.payments_model.index(n, household.payments_model.column_number("delivery")).data()
                  for n in range(3)}
    assert sync_texts[receipts[1]] == "Cán bộ kiểm tra từ chối: Sai số tiền: thu 2 thang"
    assert sync_texts[receipts[0]] == "Đã duyệt"


def test_a_session_that_ended_asks_for_the_password_again_and_the_action_goes_on(
    qtbot: QtBot, tmp_path: Path, server: RunningServer, open_window: OpenWindow
) -> None:
    collector = new_collector(tmp_path / "device", server)
    window = signed_in(qtbot, open_window(collector, ON_F9).window, server)
    wait_loaded(qtbot, window)
    username = window.supervisor.username
    server.execute(update(sessions).values(expires_at=datetime(2000, 1, 1, tzinfo=UTC)))

    page = window.review_page.batches_page
    page.point_edit.setText(_point_of(collector))
    page.apply_filter()
    qtbot.waitUntil(lambda: window.supervisor_link.dialog is not None, timeout=WAIT_MS)
    dialog = window.supervisor_link.dialog
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    assert dialog.username_edit.text() == username and dialog.username_edit.isReadOnly()
    assert dialog.password_edit.hasFocus()
    qtbot.keyClicks(dialog.password_edit, SUPERVISOR_PASSWORD)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    wait_loaded(qtbot, window)
    assert page.model.total == 0 and page.message_label.text() == "Không có lô nào khớp bộ lọc này."
    assert window.supervisor is not None and window.supervisor.username == username


def test_a_supervisor_gets_the_province_dashboard_and_any_points_progress_and_enter_opens_its_batches(
    qtbot: QtBot, tmp_path: Path, server: RunningServer, open_window: OpenWindow
) -> None:
    collector = new_collector(tmp_path / "device", server)
    window = open_window(collector, ON_F9).window
    point = _point_of(collector)
    with collector.open() as store:
        table = current_table(store)
    upload_batches(server, point, 2, table)
    signed_in(qtbot, window, server)
    dashboard = window.dashboard_page
    assert not window.navigation.item(window.pages.indexOf(dashboard)).isHidden()
    window.dashboard_action.trigger()
    assert window.pages.currentWidget() is dashboard
    qtbot.waitUntil(lambda: any(dashboard.model.point_code(row) == point for row in range(dashboard.model.rowCount())),
                    timeout=WAIT_MS)
    row = next(row for row in range(dashboard.model.rowCount()) if dashboard.model.point_code(row) == point)
    dashboard.table.setFocus()
    dashboard.table.setCurrentIndex(dashboard.model.index(row, 0))
    qtbot.keyClick(dashboard.table, Qt.Key.Key_Return)
    assert window.pages.currentWidget() is window.review_page
    assert window.review_page.batches_page.point_edit.text() == point
    wait_loaded(qtbot, window)
    model = window.review_page.batches_page.model
    assert model.total == 2 and {model.row(r).point_code for r in range(model.rowCount())} == {point}

    window.supervisor_sign_out_action.trigger()
    assert window.navigation.item(window.pages.indexOf(dashboard)).isHidden()
    assert not window.dashboard_action.isEnabled()


def test_a_lock_ends_the_supervisors_session_and_their_pages_ask_again_when_next_used(
    qtbot: QtBot, tmp_path: Path, server: RunningServer, open_window: OpenWindow, type_text: Any
) -> None:
    collector = new_collector(tmp_path / "device", server)
    window = open_window(collector, ON_F9).window
    point = _point_of(collector)
    with collector.open() as store:
        table = current_table(store)
    upload_batches(server, point, 1, table)
    signed_in(qtbot, window, server)
    username = window.supervisor.username
    supervisor_id = _supervisor_id(server, username)
    review = window.review_page
    review.show_point(point)
    wait_loaded(qtbot, window)
    review.open_batch(review.batches_page.model.row(0).batch_id)
    qtbot.waitUntil(lambda: review.batch_page.records_model.rowCount() == 1, timeout=WAIT_MS)
    window.dashboard_action.trigger()
    qtbot.waitUntil(lambda: window.dashboard_page.model.rowCount() > 0, timeout=WAIT_MS)
    assert server.count("sessions", supervisor_id=supervisor_id) == 1

    window.lock()
    assert window.supervisor is None
    qtbot.waitUntil(lambda: server.count("sessions", supervisor_id=supervisor_id) == 0, timeout=WAIT_MS)  # revoked
    assert review.batches_page.model.rowCount() == 0 and review.batch_page.records_model.rowCount() == 0
    assert review.batch_page.title_label.text() == "" and window.dashboard_page.model.rowCount() == 0
    assert not window.dashboard_page.xlsx_button.isEnabled()

    dialog = window.unlock_dialog
    assert dialog is not None
    dialog.password_edit.setFocus()
    type_text(dialog.password_edit, PASSWORD)  # the collector unlocks
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.locked, timeout=WAIT_MS)
    # Back on the dashboard, the supervisor's page: nothing from before, and the password asked again.
    assert window.pages.currentWidget() is window.dashboard_page
    assert window.dashboard_page.model.rowCount() == 0
    assert window.dashboard_page.status.text().startswith("Bảng theo dõi toàn tỉnh cần")
    asked = window.supervisor_link.dialog
    assert asked is not None and asked.username_edit.text() == username and asked.username_edit.isReadOnly()
    asked.reject()  # not now: the pages stay listed, empty, saying what they need
    assert window.supervisor is None and window.dashboard_page.model.rowCount() == 0
    assert not window.navigation.item(window.pages.indexOf(review)).isHidden()
    assert review.batches_page.message_label.text().startswith("Các trang này cần")

    window.show_review_page()  # used again: asked again; signed in, the list comes back
    asked = window.supervisor_link.dialog
    assert asked is not None and asked.username_edit.text() == username
    qtbot.waitUntil(asked.isVisible, timeout=WAIT_MS)
    qtbot.keyClicks(asked.password_edit, SUPERVISOR_PASSWORD)
    qtbot.keyClick(asked.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.supervisor is not None, timeout=WAIT_MS)
    assert window.pages.currentWidget() is review and window.supervisor.username == username
    review.show_point(point)
    wait_loaded(qtbot, window)
    assert review.batches_page.model.total == 1


def test_signing_out_forgets_the_supervisor_a_lock_had_signed_out(
    qtbot: QtBot, tmp_path: Path, server: RunningServer, open_window: OpenWindow
) -> None:
    window = signed_in(qtbot, open_window(new_collector(tmp_path / "device", server), ON_F9).window, server)
    window.lock()
    assert window.supervisor_link.asleep is not None and window.supervisor_sign_out_action.isEnabled()
    window.supervisor_sign_out_action.trigger()
    assert window.supervisor_link.asleep is None
    assert window.navigation.item(window.pages.indexOf(window.review_page)).isHidden()
    assert window.navigation.item(window.pages.indexOf(window.dashboard_page)).isHidden()


def _supervisor_id(server: RunningServer, username: str) -> int:
    with server.engine.connect() as connection:
        return int(connection.scalar(select(supervisors.c.id).where(supervisors.c.username == username)))


@pytest.mark.parametrize(("state", "words"), [("valid", "Hợp lệ"), ("invalid", "Không hợp lệ"), ("absent", "Không có"),
                                              (None, "")])
def test_the_qr_signature_column_says_the_servers_verdict_in_words(state: str | None, words: str) -> None:
    record = ReviewRecord(
        record_id="r", kind="payment" if state else "void", status="accepted", code=None, message=None,
        review="pending", receipt_number="BD01M1-26-0000001", person="Nguyễn Văn An", citizen_id="********4321",
        scheme="vsi", period_start=None, period_end=None, amount=231_000, receipt_check="valid", signature=state,
        decision=None, reason=None, decided_by=None, decided_at=None)
    column = next(column for column in RECORD_COLUMNS if column.key == "signature")
    assert column.text(record) == words


def test_a_supervisor_sees_the_points_closed_days_beside_the_servers_ledger_and_enter_opens_the_points_batches(
    qtbot: QtBot, tmp_path: Path, server: RunningServer, open_window: OpenWindow
) -> None:
    collector = new_collector(tmp_path / "device", server)
    point = _point_of(collector)
    [hi, _vsi] = collector.pay(2)  # the family HI payment (cash) on 05/01/2026
    closed = collector.json("day", "close", "--date", "2026-01-05", "--count", "500000=1", "--reason", "Thừa tiền")
    assert collector.json("sync")["rejected"] == []
    window = open_window(collector, ON_F9).window
    days = window.days_page
    assert window.navigation.item(window.pages.indexOf(days)).isHidden()  # a collector alone has no such page
    signed_in(qtbot, window, server)
    assert not window.navigation.item(window.pages.indexOf(days)).isHidden()
    window.navigation.setCurrentRow(window.pages.indexOf(days))
    qtbot.waitUntil(lambda: days.model.rowCount() > 0, timeout=WAIT_MS)

    [day] = [days.model.row(r) for r in range(days.model.rowCount()) if days.model.row(r).point_code == point]
    assert (day.expected_cash, day.counted_cash, day.server_expected_cash) == (
        closed["expected_cash"], 500_000, closed["expected_cash"])
    row = [days.model.row(r) for r in range(days.model.rowCount())].index(day)
    shown = {column.key: days.model.data(days.model.index(row, n)) for n, column in enumerate(days.model.columns)}
    assert shown["day"] == "05/01/2026" and shown["check"] == "Khớp"
    assert shown["counted"] == "500.000 đ" and shown["reason"] == "Thừa tiền"
    colour = {key: days.model.data(days.model.index(row, days.model.column_number(key)), Qt.ItemDataRole.ForegroundRole)
              for key in ("check", "difference")}
    assert colour["check"] is None and colour["difference"] == QColor(ATTENTION)  # counted more than expected
    assert "1 ngày đã chốt" in days.summary.text()

    days.from_edit.setText("06/01/2026")  # after the day: nothing
    qtbot.keyClick(days.from_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: days.model.rowCount() == 0, timeout=WAIT_MS)
    assert days.message.text() == "Không có ngày đã chốt nào khớp bộ lọc này."
    days.from_edit.setText("31/02/2026")
    qtbot.keyClick(days.from_edit, Qt.Key.Key_Return)
    assert days.message.text().startswith("Ngày “từ” không phải là ngày hợp lệ") and days.model.rowCount() == 0
    days.from_edit.setText("05/01/2026")
    days.point_edit.setText(point.lower())  # codes are typed in any case
    qtbot.keyClick(days.point_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: days.model.rowCount() == 1, timeout=WAIT_MS)

    days.table.setFocus()
    days.table.setCurrentIndex(days.model.index(0, 0))
    qtbot.keyClick(days.table, Qt.Key.Key_Return)
    assert window.pages.currentWidget() is window.review_page
    assert window.review_page.batches_page.point_edit.text() == point

    window.supervisor_sign_out_action.trigger()
    assert window.navigation.item(window.pages.indexOf(days)).isHidden()
    assert days.model.rowCount() == 0


def test_a_supervisor_sets_a_points_target_and_imports_the_plan_from_the_window_and_the_device_gets_them(
    qtbot: QtBot, tmp_path: Path, server: RunningServer, open_window: OpenWindow
) -> None:
    collector = new_collector(tmp_path / "device", server)
    point = _point_of(collector)
    window = open_window(collector, ON_F9).window
    assert not window.targets_action.isEnabled()
    signed_in(qtbot, window, server)
    dialog = window.open_targets()
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    dialog.year_spin.setValue(2026)
    dialog.point_edit.setFocus()
    qtbot.keyClicks(dialog.point_edit, point.lower())
    qtbot.keyClick(dialog.point_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "chưa có chỉ tiêu năm 2026" in dialog.status.text(), timeout=WAIT_MS)

    dialog.scheme_combo.setCurrentIndex(dialog.scheme_combo.findData("family_hi"))
    dialog.participants_spin.setValue(480)
    dialog.amount_edit.setFocus()
    qtbot.keyClicks(dialog.amount_edit, "350000000")
    qtbot.keyClick(dialog.amount_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Đã lưu"), timeout=WAIT_MS)
    assert "480 người tham gia, 350.000.000 đ" in dialog.status.text()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=WAIT_MS)
    assert (dialog.model.row(0).scheme, dialog.model.row(0).participants) == ("family_hi", 480)

    plan = tmp_path / "kehoach.csv"
    plan.write_text(f"year,point_code,scheme,participants,amount\n2026,{point},vsi,120,\n"
                    f"2026,{point},family_hi,500,360.000.000\n", encoding="utf-8")
    dialog.import_file(plan)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Đã nhập kế hoạch"), timeout=WAIT_MS)
    assert "2 chỉ tiêu, 2 mới hoặc thay đổi, 0 giữ nguyên" in dialog.status.text()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=WAIT_MS)

    wrong = tmp_path / "sai.csv"
    wrong.write_text(f"year,point_code,scheme,participants,amount\n2026,{point},vsi,130,\n2026,{point},xyz,1,\n",
                     encoding="utf-8")
    dialog.import_file(wrong)
    qtbot.waitUntil(lambda: "line 3" in dialog.status.text(), timeout=WAIT_MS)
    assert "nothing imported" in dialog.status.text() and "\n" not in dialog.status.text()
    assert dialog.import_button.isEnabled()  # enabled again after the refusal
    assert window.supervisor is not None
    held = {(t["scheme"], t["participants"], t["amount"])
            for t in window.supervisor.get_json("/targets", {"year": 2026, "point": point})["targets"]}
    assert held == {("vsi", 120, None), ("family_hi", 500, 360_000_000)}  # the wrong file wrote nothing

    assert collector.json("sync")["rejected"] == []  # the device pulls its point's targets
    with collector.open() as store:
        assert {(t.scheme, t.participants) for t in point_targets_held(store, 2026)} == {
            ("vsi", 120), ("family_hi", 500)}
    dialog.close()
