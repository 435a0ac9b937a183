"""A downgrade in the window: an older app signing in to a data file a newer one upgraded says so in one
message, without offering a backup to restore (the newer version's records would be lost), and changes
nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from signing import open_test_store

from collector_app.services.backups import back_up
from collector_app.ui import app as ui_app


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_data_file_from_a_newer_app_is_refused_in_one_message_and_left_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signs_in_at_start: None
):
    folder = tmp_path / "data"
    monkeypatch.setenv("COLLECTOR_APP_DATA_DIR", str(folder))
    path = folder / "collector.sqlite3"
    with open_test_store(path) as store:
        back_up(store)  # a good backup exists, and is not what this user needs
        with store.begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0099'")
    before = snapshot(folder)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text: shown.append(text))


    assert ui_app.run([]) == 1

    assert shown == [f"Tệp dữ liệu {path} do một phiên bản mới hơn của ứng dụng ghi (lược đồ 0099). "
                     "Hãy cài phiên bản mới hơn để mở tệp này."]
    assert snapshot(folder) == before
