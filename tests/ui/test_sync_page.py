"""The Sync page, against the real provincial server: the figures in full, the records that need the user
(rejected by the server, or by a supervisor, with the reason), and sending them again by keyboard."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from collector_app.formatting import format_vnd
from collector_app.ui.pages.sync_page import SyncPage

# The real server, its supervisors and enrolled collectors, as the server and sync tests have them.
sys.path[:0] = [str(Path(__file__).resolve().parents[1] / folder) for folder in ("server", "sync")]

from server_helpers import Supervisor, add_supervisor, log_in
from sync_helpers import (
    POLICY_FILE,
    Collector,
    RunningServer,
    assert_server_holds_everything_once,
    new_collector,
    start_server,
)
from window_sync_helpers import WAIT_MS, OpenWindow, open_window, server  # noqa: F401 - fixtures, found by name


def rows(page: SyncPage) -> list[dict[str, str]]:
    model = page.model
    return [{column.key: model.index(row, number).data() for number, column in enumerate(model.columns)}
            for row in range(model.rowCount())]


def test_a_record_the_server_rejected_is_listed_with_its_reason_and_the_figures_are_in_full(
    qtbot: QtBot, tmp_path: Path, server: RunningServer, open_window: OpenWindow
) -> None:
    collector = new_collector(tmp_path / "device", server)
    collector.pay(2)
    wrong = collector.pay_with_a_wrong_gross()

    synced = open_window(collector)
    outcome = synced.next_outcome(qtbot)
    window = synced.window

    assert [(batch.accepted, batch.rejected) for batch in outcome.report.delivered] == [(2, 1)]
    indicator = window.sync_indicator
    assert indicator.attention_button.text() == "1 bản ghi cần xử lý"
    qtbot.mouseClick(indicator.attention_button, Qt.MouseButton.LeftButton)
    page = window.sync_page
    assert window.pages.currentWidget() is page and QApplication.focusWidget() is page.table

    [row] = rows(page)
    status = collector.status()
    [quarantined] = status["quarantined"]
    assert row["rejected_by"] == "Máy chủ" and row["kind"] == "khoản nộp"
    assert (row["receipt"], row["person"], row["code"]) == (wrong, "Đặng Văn Hùng", "payment.money_mismatch")
    assert row["amount"].endswith(" đ") and row["when"]
    params = quarantined["params"]
    assert row["reason"] == (f"Tổng số tiền đóng (người thứ 1) là {format_vnd(params['amount'])}, "
                             f"nhưng theo bảng chính sách {params['version']} thì phải là "
                             f"{format_vnd(params['expected'])}.")
    tooltip = page.model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    with collector.open() as store, store.read() as connection:
        server_words = connection.exec_driver_sql(
            "SELECT result_message FROM outbox WHERE result = 'rejected'").scalar_one()
    assert tooltip.split("\n") == [row["reason"],
                                   f"Cách xử lý: Hãy hủy biên lai số {wrong} rồi thu lại: khoản nộp đã ghi "
                                   "không bao giờ được sửa.",
                                   "Nguyên văn của máy chủ: " + server_words,
                                   f"Bản ghi {quarantined['record_id']} thuộc lô {quarantined['batch_id']}"]
    assert page.details_label.text() == tooltip  # the whole of it, for the keyboard too

    figures = {key: label.text() for key, label in page.figures.items()}
    assert figures["server"] == status["server_url"] and figures["series"] == status["series"]
    assert (figures["pending_records"], figures["pending_batches"], figures["delivered"]) == ("0", "0", "1")
    assert figures["sealed"] == f"1 lô, 3 bản ghi, 2 khoản nộp, {format_vnd(status['payments_total'])}"
    assert figures["last_sync"] != "chưa có" and figures["policy"] == status["policy_version"]
    assert page.state_label.text() == "Có kết nối" and page.notice_label.isHidden()
    assert page.outcome_label.text().startswith("Đã gửi lên tỉnh: tỉnh nhận 2, từ chối 1.")
    assert page.unsent_label.text() == "Đã gửi hết lên tỉnh."
    assert "đóng" not in page.unsent_label.text() + page.outcome_label.text()
    assert page.attention_box.title() == "1 bản ghi cần xử lý"

    # The Receipts page says the same of each receipt, the rejected one in red.
    receipts = window.receipts_page
    receipts.set_dates(date(2000, 1, 1), date(2099, 12, 31))  # whatever day the payments were taken
    window.navigation.setCurrentRow(window.pages.indexOf(receipts))
    column = receipts.model.column_number("delivery")
    qtbot.waitUntil(lambda: receipts.model.rowCount() == 3, timeout=WAIT_MS)
    by_number = {receipts.model.index(r, 0).data(): receipts.model.index(r, column) for r in range(3)}
    assert sorted(index.data() for index in by_number.values()) == ["Máy chủ từ chối", "Máy chủ đã nhận",
                                                                    "Máy chủ đã nhận"]
    assert by_number[wrong].data() == "Máy chủ từ chối"
    assert by_number[wrong].data(Qt.ItemDataRole.ForegroundRole).name() == "#b71c1c"


def test_send_again_by_keyboard_queues_rejected_records_and_the_next_sync_delivers_them(
    qtbot: QtBot, tmp_path: Path, open_window: OpenWindow
) -> None:
    own = start_server(tmp_path / "server", publish_policy=False)
    try:
        collector = new_collector(tmp_path / "device", own)
        collector.pay(2)
        synced = open_window(collector)
        synced.next_outcome(qtbot)
        window, page = synced.window, synced.window.sync_page
        assert [row["code"] for row in rows(page)] == ["sync.policy_unknown"] * 2
        own.admin("publish-policy", str(POLICY_FILE))  # the cause is fixed on the server's side

        qtbot.keyClick(window, Qt.Key.Key_F9, Qt.KeyboardModifier.ShiftModifier)  # the Sync page, in its table
        assert QApplication.focusWidget() is page.table and page.table.currentIndex().row() == 0
        first = page.selected_records()[0].record_id
        qtbot.keyClick(page.table, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
        synced.next_outcome(qtbot)

        assert [row["code"] for row in rows(page)] == ["sync.policy_unknown"]
        assert page.model.row(0).record_id != first
        page.table.setFocus()
        qtbot.keyClick(page.table, Qt.Key.Key_G,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        synced.next_outcome(qtbot)

        assert rows(page) == [] and page.attention_box.title() == "Không có bản ghi nào cần xử lý."
        assert not page.resend_action.isEnabled() and not page.resend_all_action.isEnabled()
        status = assert_server_holds_everything_once(collector)
        assert (status["batches"], status["records"], status["payments"]) == (3, 4, 2)
    finally:
        own.stop()


def test_a_supervisors_rejection_is_listed_with_the_reason_and_cannot_be_sent_again(
    qtbot: QtBot, tmp_path: Path, server: RunningServer, open_window: OpenWindow
) -> None:
    collector: Collector = new_collector(tmp_path / "device", server)
    collector.pay(1)
    synced = open_window(collector)
    synced.next_outcome(qtbot)
    with collector.open() as store, store.read() as connection:
        record_id = connection.exec_driver_sql("SELECT record_id FROM outbox").scalar_one()
    supervisor = Supervisor(server=server, token=log_in(server, add_supervisor(server)).json()["token"])
    response = supervisor.post(f"/review/records/{record_id}", {"decision": "reject", "reason": "Sai họ tên"})
    assert response.status_code == 200, response.text

    qtbot.keyClick(synced.window, Qt.Key.Key_F9)
    outcome = synced.next_outcome(qtbot)

    page = synced.window.sync_page
    assert outcome.report.reviews == 1
    [row] = rows(page)
    assert (row["rejected_by"], row["reason"], row["code"]) == ("Cán bộ kiểm tra", "Sai họ tên", "")
    status = collector.status()
    assert row["receipt"].startswith(status["series"]) and row["amount"].endswith(" đ")
    assert status["quarantined"] == [] and len(status["review_rejected"]) == 1
    page.table.selectRow(0)
    assert not page.resend_action.isEnabled() and not page.resend_button.isEnabled()
    qtbot.waitUntil(lambda: synced.window.sync_indicator.attention_button.text() == "1 bản ghi cần xử lý",
                    timeout=WAIT_MS)
