"""The Due page: renewals grouped by household, filters, and renewal in one step from the keyboard, the
payment form proposing the last period and naming the base salary change."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidgetItem
from pytestqt.qtbot import QtBot

from collector_app.formatting import format_vnd
from collector_app.services.device import acting_user
from collector_app.services.due import DueEntry, RenewalProposal
from collector_app.services.payments import record_family_hi_payment, record_vsi_payment
from collector_app.store.db import Store
from collector_app.store.people import person_by_citizen_id
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.collect_hi_dialog import CollectHiDialog
from collector_app.ui.dialogs.collect_vsi_dialog import CollectVsiDialog
from collector_app.ui.dialogs.make_round_dialog import MakeRoundDialog
from collector_app.ui.operations import Op
from collector_app.ui.pages.due_page import DuePage

ON = date(2026, 11, 23)
HUNG, HA = "048068000111", "048170000222"  # the Đặng household, Đà Nẵng: no top-up


@pytest.fixture
def paid(store: Store) -> None:
    """Family HI paid 20/10/2025 for 12 months: first card 19/11/2025 - 18/11/2026, ended 5 days ago,
    priced at the base salary of 2.340.000; Hùng's voluntary SI paid for November 2026."""
    collector = acting_user(store)
    record_family_hi_payment(store, household_id=person_by_citizen_id(store, HUNG).household_id, months=12,
                             on=date(2025, 10, 20), actor=collector, today=date(2025, 10, 20))
    record_vsi_payment(store, citizen_id=HUNG, monthly_income=2_200_000, months=1, on=date(2026, 11, 2),
                       period_from=date(2026, 11, 1), actor=collector, today=date(2026, 11, 2))


@pytest.fixture
def page(qtbot: QtBot, ctx: AppContext, paid: None) -> DuePage:
    widget = DuePage(ctx, today=lambda: ON)
    qtbot.addWidget(widget)
    widget.resize(1300, 650)
    widget.show()
    qtbot.waitUntil(lambda: widget.report is not None)
    return widget


def shown(page: DuePage) -> list[list[str]]:
    rows = []
    for index in range(page.tree.topLevelItemCount()):
        top = page.tree.topLevelItem(index)
        rows.append([top.text(0), top.text(8)])
        rows += [[top.child(i).text(c) for c in range(9)] for i in range(top.childCount())]
    return rows


def choose(page: DuePage, citizen_id: str, scheme: str) -> QTreeWidgetItem:
    top = page.tree.topLevelItem(0)
    for i in range(top.childCount()):
        entry = top.child(i).data(0, Qt.ItemDataRole.UserRole)
        if isinstance(entry, DueEntry) and (entry.citizen_id, entry.scheme.value) == (citizen_id, scheme):
            page.tree.setCurrentItem(top.child(i))
            return top.child(i)
    raise AssertionError(f"{citizen_id} {scheme} not listed")


def test_the_household_and_its_renewals_with_the_amounts_to_collect(page: DuePage) -> None:
    assert shown(page) == [
        ["45 Trần Phú — hộ —", "2.740.540 đ"],
        ["Đặng Văn Hùng", HUNG, "0905111222", "BHXH tự nguyện", "Đến hạn", "30/11/2026", "31/12/2026", "1",
         "418.000 đ"],
        ["Đặng Văn Hùng", HUNG, "0905111222", "BHYT hộ gia đình", "Đến hạn", "18/11/2026", "18/02/2027", "12",
         "1.366.200 đ"],
        ["Trần Thị Hà", HA, "—", "BHYT hộ gia đình", "Đến hạn", "18/11/2026", "18/02/2027", "12", "956.340 đ"],
    ]
    assert page.summary_label.text() == (
        "2 người trong 1 hộ; Đến hạn: 3, Quá hạn: 0, Đã gián đoạn: 0. Cần thu: 2.740.540 đ.")
    assert page.tree.currentItem() is page.tree.topLevelItem(0)


def test_filters_reload_the_list(qtbot: QtBot, page: DuePage) -> None:
    page.scheme_box.setCurrentIndex(page.scheme_box.findData("vsi"))
    qtbot.waitUntil(lambda: len(shown(page)) == 2)
    page.state_box.setCurrentIndex(page.state_box.findData("overdue"))
    qtbot.waitUntil(lambda: shown(page) == [])
    assert "0 người trong 0 hộ" in page.summary_label.text()
    page.state_box.setCurrentIndex(0)
    page.scheme_box.setCurrentIndex(0)
    page.search_edit.setText("tran phu")  # accents ignored
    qtbot.waitUntil(lambda: len(shown(page)) == 4)
    page.search_edit.setText("thôn Đông")
    qtbot.waitUntil(lambda: shown(page) == [])


def test_enter_on_a_family_hi_member_opens_the_household_form_proposing_12_months_and_naming_the_new_base_salary(
    qtbot: QtBot, ctx: AppContext, page: DuePage
) -> None:
    asked: list[tuple[str, RenewalProposal]] = []
    page.renew_hi_requested.connect(lambda household_id, proposal: asked.append((household_id, proposal)))
    item = choose(page, HA, "family_hi")
    page.tree.setFocus()
    qtbot.keyClick(page.tree, Qt.Key.Key_Return)
    entry = item.data(0, Qt.ItemDataRole.UserRole)
    assert [household_id for household_id, _ in asked] == [entry.household_id]

    dialog = CollectHiDialog(ctx, entry.household_id, on=ON, proposal=asked[0][1])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.plan is not None)
    assert dialog.months() == 12
    assert dialog.policy_label.isVisible()
    assert dialog.policy_label.text() == ("Chính sách đã thay đổi so với kỳ đóng trước: lương cơ sở đổi từ "
                                          "2.340.000 đ thành 2.530.000 đ từ 01/07/2026.")
    assert dialog.total_value.text() == "2.322.540 đ"  # 1.366.200 + 956.340, as the Due page said


def test_enter_on_voluntary_si_proposes_the_last_method_and_income_and_a_renewal_takes_it_off(
    qtbot: QtBot, ctx: AppContext, page: DuePage
) -> None:
    asked: list[tuple[str, RenewalProposal]] = []
    page.renew_vsi_requested.connect(lambda person_id, proposal: asked.append((person_id, proposal)))
    choose(page, HUNG, "vsi")
    page.renew_action.trigger()  # the button's action: the same as Enter
    person_id, proposal = asked[0]
    assert (proposal.months, proposal.monthly_income, proposal.changes) == (1, 2_200_000, ())

    dialog = CollectVsiDialog(ctx, person_id, on=ON, proposal=proposal)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.plan is not None)
    assert (dialog.months_buttons.value(), dialog.income_edit.value()) == (1, 2_200_000)
    assert dialog.payable_value.text() == "418.000 đ"
    assert not dialog.policy_label.isVisible()

    # Paid (as the form records it, through the task runner): the page reloads without it.
    Op(page, lambda store, _p: record_vsi_payment(store, person_id=person_id, monthly_income=2_200_000, months=3,
                                                  on=ON, actor=acting_user(store), today=ON),
       runner=ctx.runner).run()
    qtbot.waitUntil(lambda: len(shown(page)) == 3)
    assert [row[3] for row in shown(page)[1:]] == ["BHYT hộ gia đình", "BHYT hộ gia đình"]


def test_ctrl_o_asks_for_the_household(qtbot: QtBot, page: DuePage) -> None:
    asked: list[str] = []
    page.household_requested.connect(asked.append)
    page.tree.setFocus()
    qtbot.keyClick(page.tree, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert asked == [page.report.households[0].household_id]


def test_the_today_pages_due_list_leads_to_the_due_page(qtbot: QtBot, ctx: AppContext, paid: None) -> None:
    from collector_app.ui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    dialog = window.today_page.open_due_list()
    dialog.due_page_button.click()
    assert window.pages.currentWidget() is window.due_page
    assert not dialog.isVisible()


def test_the_list_is_read_when_the_page_is_shown_and_after_a_change_only_while_it_shows(
    qtbot: QtBot, ctx: AppContext, paid: None
) -> None:
    from collector_app.services.changes import Change

    hidden = DuePage(ctx, today=lambda: ON)
    qtbot.addWidget(hidden)
    qtbot.wait(200)
    assert hidden.report is None  # built, never shown: nothing read
    hidden.show()
    qtbot.waitUntil(lambda: hidden.report is not None)
    first = hidden.report
    hidden.hide()
    ctx.events.announce({Change.PAYMENTS})
    qtbot.wait(200)
    assert hidden.report is first  # hidden: only marked to read again
    hidden.show()
    qtbot.waitUntil(lambda: hidden.report is not first)


def test_a_round_of_several_households_chosen_from_the_keyboard(qtbot: QtBot, ctx: AppContext, store: Store) -> None:
    from collector_app.domain.people import NewHousehold, NewPerson, Sex
    from collector_app.services.due import due_list
    from collector_app.store.registration import add_households

    households = [NewHousehold(f"48000002{n:02}", f"Thôn {n:02}", "20242", "48", (
        NewPerson(f"Trần Văn Số {n}", date(1981, 1, 1 + n), Sex.MALE, f"0480810001{n:02}"),)) for n in range(4)]
    add_households(store, households, actor="test")
    for household in households:
        record_family_hi_payment(store, household_code=household.household_code, months=12, on=date(2025, 10, 20),
                                 actor=acting_user(store), today=date(2025, 10, 20))
    listed = due_list(store, on=ON).households
    page = DuePage(ctx, today=lambda: ON)
    qtbot.addWidget(page)
    page.resize(1000, 500)
    page.show()
    qtbot.waitUntil(lambda: page.report is not None and page.tree.topLevelItemCount() == len(listed))
    page.tree.setFocus()
    while page.tree.currentItem() is not page.tree.topLevelItem(1):  # down to the second household
        qtbot.keyClick(page.tree, Qt.Key.Key_Down)
    # Shift+Down over the second household's member rows to the third household's: two households chosen.
    while page.tree.currentItem() is not page.tree.topLevelItem(2):
        qtbot.keyClick(page.tree, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert page.chosen_households() == listed[1:3]
    asked: list[tuple[object, ...]] = []
    page.round_requested.connect(lambda households, chosen, on: asked.append((households, chosen, on)))
    qtbot.keyClick(page.tree, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: bool(asked))
    assert asked[0] == (listed, listed[1:3], ON)

    dialog = MakeRoundDialog(ctx, listed, listed[1:3], on=ON)
    qtbot.addWidget(dialog)
    assert dialog.one_choice.isChecked()  # chosen on purpose: the round is theirs unless All is chosen
    amount = format_vnd(sum(h.amount for h in listed[1:3]))
    assert dialog.one_choice.text() == f"&Chỉ 2 hộ đang chọn ({amount})"
    assert dialog.chosen_households() == listed[1:3]
    dialog.all_choice.setChecked(True)
    assert dialog.chosen_households() == listed


def test_a_long_list_is_read_a_page_at_a_time_as_it_is_scrolled_from_the_keyboard(
    qtbot: QtBot, ctx: AppContext, store: Store
) -> None:
    from collector_app.domain.people import NewHousehold, NewPerson, Sex
    from collector_app.services.due import due_list
    from collector_app.store.registration import add_households

    # Twenty households of one member each, their cards ended 5 days ago: due, in twenty villages.
    households = [NewHousehold(f"48000001{n:02}", f"Thôn {n:02}", "20242", "48", (
        NewPerson(f"Lê Văn Số {n}", date(1980, 1, 1 + n), Sex.MALE, f"0480800001{n:02}"),)) for n in range(20)]
    add_households(store, households, actor="test")
    collector = acting_user(store)
    for household in households:
        record_family_hi_payment(store, household_code=household.household_code, months=12, on=date(2025, 10, 20),
                                 actor=collector, today=date(2025, 10, 20))
    whole = due_list(store, on=ON)
    assert whole.household_count == 20

    page = DuePage(ctx, today=lambda: ON)
    page.page_size = 3
    qtbot.addWidget(page)
    page.resize(1000, 330)  # a few rows show: the list is read a screen or so ahead of them
    page.show()
    qtbot.waitUntil(lambda: page.report is not None and not page._fetching)
    qtbot.wait(100)
    read = page.tree.topLevelItemCount()
    assert 3 <= read < 20 and not page.report.complete
    assert "20 hộ" in page.summary_label.text()  # the figures are the whole list's from the start
    asked: list[tuple[object, ...]] = []
    page.round_requested.connect(lambda households, chosen, on: asked.append((households, chosen, on)))
    page.round_action.trigger()  # a round of every household listed: the whole list, not the households read
    qtbot.waitUntil(lambda: bool(asked))
    assert (list(asked[0][0]), asked[0][2]) == (list(whole.households), ON)

    page.tree.setFocus()
    while not page.report.complete:
        qtbot.keyClick(page.tree, Qt.Key.Key_End)
        qtbot.waitUntil(lambda: not page._fetching)
        assert page.tree.topLevelItemCount() > read
        read = page.tree.topLevelItemCount()
    assert [page.tree.topLevelItem(n).data(0, Qt.ItemDataRole.UserRole) for n in range(20)] == list(whole.households)
