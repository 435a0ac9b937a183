"""Visit rounds in the window: made from the Due page for a collaborator, listed with households visited and
paid, a visit marked from the keyboard, the visit list previewed, the round's file written and read back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from collector_app.domain.payments import Role
from collector_app.services import rounds
from collector_app.services.device import acting_user, set_up
from collector_app.services.due import due_list
from collector_app.services.payments import record_family_hi_payment, record_vsi_payment
from collector_app.services.users import hash_password
from collector_app.store.accounts import add_user
from collector_app.store.db import Store
from collector_app.store.people import person_by_citizen_id
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.make_round_dialog import MakeRoundDialog
from collector_app.ui.dialogs.pdf_preview import PdfPreviewDialog
from collector_app.ui.pages.due_page import DuePage
from collector_app.ui.pages.rounds_page import RoundsPage
from collector_app.ui.printing import PrintPreferences

ON = date(2026, 11, 23)
HUNG, HA = "048068000111", "048170000222"  # the Đặng household, Đà Nẵng


@pytest.fixture
def due(store: Store) -> None:
    """The Đặng household's family card ended 18/11/2026 and Hùng's voluntary SI is paid through 11/2026."""
    set_up(store, point_code="DA07")
    add_user(store, username="ctv.lan", full_name="Phạm Thị Lan", role=Role.COLLABORATOR, actor="test",
             password_hash=hash_password("mật khẩu của Lan 2026"))
    collector = acting_user(store)
    record_family_hi_payment(store, household_id=person_by_citizen_id(store, HUNG).household_id, months=12,
                             on=date(2025, 10, 20), actor=collector, today=date(2025, 10, 20))
    record_vsi_payment(store, citizen_id=HUNG, monthly_income=2_200_000, months=1, on=date(2026, 11, 2),
                       period_from=date(2026, 11, 1), actor=collector, today=date(2026, 11, 2))


@pytest.fixture
def page(qtbot: QtBot, ctx: AppContext, due: None, tmp_path: Path) -> RoundsPage:
    widget = RoundsPage(ctx, PrintPreferences(tmp_path / "print.json"))
    qtbot.addWidget(widget)
    widget.resize(1300, 700)
    return widget


def made_from_due_page(qtbot: QtBot, ctx: AppContext, *, only_chosen: bool) -> rounds.RoundMade:
    due_page = DuePage(ctx, today=lambda: ON)
    qtbot.addWidget(due_page)
    due_page.show()
    qtbot.waitUntil(lambda: due_page.report is not None and due_page.tree.topLevelItemCount() > 0)
    due_page.tree.setFocus()
    due_page.tree.setCurrentItem(due_page.tree.topLevelItem(0).child(0))
    with qtbot.waitSignal(due_page.round_requested) as asked:
        qtbot.keyClick(due_page.tree, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    households, chosen, on = asked.args
    assert on == ON and [h.household_id for h in chosen] == [households[0].household_id]
    dialog = MakeRoundDialog(ctx, households, chosen, on=on)
    qtbot.addWidget(dialog)
    dialog.load()
    dialog.show()
    qtbot.waitUntil(lambda: dialog.make_button.isEnabled())
    assert dialog.collaborator_box.currentText() == "Phạm Thị Lan (ctv.lan)"  # collaborators first
    if only_chosen:
        dialog.one_choice.setChecked(True)
    with qtbot.waitSignal(dialog.made) as done:
        qtbot.keyClick(dialog.collaborator_box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    made = done.args[0]
    assert isinstance(made, rounds.RoundMade)
    return made


def test_a_round_made_from_the_due_page_is_listed_and_a_visit_is_marked_from_the_keyboard(
        qtbot: QtBot, ctx: AppContext, page: RoundsPage, store: Store) -> None:
    made = made_from_due_page(qtbot, ctx, only_chosen=True)
    assert made.header.collaborator == "ctv.lan" and [h.address for h in made.households] == ["45 Trần Phú"]
    page.show()
    qtbot.waitUntil(lambda: page.households_model.rowCount() == 1)
    listed = [page.rounds_model.index(0, c).data() for c in range(page.rounds_model.columnCount())]
    assert listed[:6] == ["1", "Phạm Thị Lan", "23/11/2026", "1", "0", "0"]
    assert page.households_model.index(0, 3).data() == "chưa đến"

    page.outcome_box.setCurrentIndex(page.outcome_box.findData("not_at_home"))
    page.households_table.setFocus()
    with qtbot.waitSignal(page.loaded):
        qtbot.keyClick(page.households_table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.households_model.index(0, 3).data() == "đã đến: không có nhà")
    assert page.rounds_model.index(0, 4).data() == "1" and page.households_model.index(0, 4).data() == "chưa đóng"

    # Paid is what a receipt says: Hùng renews his voluntary SI after the round was made.
    paid = record_vsi_payment(store, citizen_id=HUNG, monthly_income=2_200_000, months=1, on=date(2026, 11, 24),
                              period_from=date(2026, 12, 1), actor=acting_user(store), today=date(2026, 11, 24))
    page.load()
    qtbot.waitUntil(lambda: page.households_model.index(0, 6).data() == paid.receipt_number)
    assert page.households_model.index(0, 4).data() == "đóng một phần"  # the family card is not renewed yet


def test_the_visit_list_is_previewed_and_the_rounds_file_is_written_then_refused_here_in_one_line(
        qtbot: QtBot, ctx: AppContext, page: RoundsPage, tmp_path: Path) -> None:
    made_from_due_page(qtbot, ctx, only_chosen=False)
    page.show()
    qtbot.waitUntil(lambda: page.households_model.rowCount() == 1)
    qtbot.keyClick(page.rounds_table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(page.preview, PdfPreviewDialog) and page.preview.isVisible())
    assert page.preview.windowTitle() == "Danh sách đi thu của đợt số 1"
    page.preview.close()

    path = tmp_path / "stick" / "round-1.json"
    path.parent.mkdir()
    page.export_to(path)
    qtbot.waitUntil(lambda: path.exists() and "hãy nhập tệp này trên máy của cộng tác viên" in page.status.text())
    page.import_from(path)
    qtbot.waitUntil(lambda: "đã có trên máy này" in page.status.text())
    assert page.status.text() == "Đợt đi thu số 1 trong round-1.json đã có trên máy này: không có gì mới."


def test_the_window_makes_a_round_from_the_due_page_and_imports_a_round_file_from_the_file_menu(
        qtbot: QtBot, ctx: AppContext, due: None, store: Store, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    from collector_app.ui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    report = due_list(store, on=ON)
    dialog = window.show_make_round(report.households, (), ON)
    qtbot.waitUntil(lambda: dialog.make_button.isEnabled())
    assert not dialog.one_choice.isEnabled()  # no household chosen: the whole list
    qtbot.keyClick(dialog.collaborator_box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.rounds_page)
    qtbot.waitUntil(lambda: window.rounds_page.rounds_model.rowCount() == 1)

    path = tmp_path / "not-a-round.json"
    path.write_text('{"format": 1}', encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_args, **_kw: (str(path), ""))
    window.import_round_action.trigger()
    qtbot.waitUntil(lambda: "không phải tệp đợt đi thu" in window.rounds_page.status.text())
