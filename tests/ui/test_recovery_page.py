"""The Sync page's "Get back from the server…", against the real provincial server: a new laptop for the
point gets the point's households and people, with the count received, and asking again writes nothing."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / folder) for folder in ("server", "sync")]

from recovery_helpers import point_of, register, second_device
from sync_helpers import RunningServer, new_collector
from window_sync_helpers import WAIT_MS, OpenWindow, open_window, server  # noqa: F401 - fixtures, found by name

from collector_app.store.people import person_by_citizen_id


def test_a_new_laptop_gets_the_points_households_from_the_sync_page(
    qtbot: QtBot, tmp_path: Path, server: RunningServer, open_window: OpenWindow
) -> None:
    collector = new_collector(tmp_path / "old-laptop", server)
    serial = collector.head[-6:]
    head = f"001075{serial}"
    register(collector, (head, f"001178{serial}"), household_code=f"04{serial}99")
    assert collector.json("sync")["rejected"] == []
    laptop = second_device(tmp_path / "laptop", server, point_of(collector))

    synced = open_window(laptop)
    synced.next_outcome(qtbot)
    page = synced.window.sync_page
    qtbot.mouseClick(page.recover_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.recover_button.isEnabled() and "Từ máy chủ" in page.outcome_label.text(),
                    timeout=WAIT_MS)

    assert "đã ghi lại 1 hộ, 2 người" in page.outcome_label.text()
    with laptop.open() as store:
        assert person_by_citizen_id(store, head) is not None
    with laptop.open() as store, store.read() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM outbox").scalar_one() == 0

    qtbot.mouseClick(page.recover_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.recover_button.isEnabled() and "3 bản ghi đã có sẵn" in page.outcome_label.text(),
                    timeout=WAIT_MS)
    assert "đã ghi lại 0 hộ, 0 người" in page.outcome_label.text()
