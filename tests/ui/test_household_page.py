"""The household view, opened from Find with the keyboard: members with their cover today, the household's
payments, the four actions as signals on their shortcuts, Escape back to the search as it was left."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from collector_app.services.device import acting_user
from collector_app.services.payments import record_family_hi_payment, record_vsi_payment
from collector_app.services.receipts import void_receipt
from collector_app.store.db import Store
from collector_app.store.people import person_by_citizen_id
from collector_app.ui.context import AppContext
from collector_app.ui.operations import Op
from collector_app.ui.pages import household_page
from collector_app.ui.pages.find_page import FindPage
from collector_app.ui.pages.household_page import HouseholdPage

TODAY = date(2026, 11, 23)
PAID_ON = date(2026, 10, 5)
AN, HANG, KHOI, LAN = "001075004321", "001178012345", "001205006789", "001310001234"


@pytest.fixture
def paid(store: Store) -> list[str]:
    """On 05/10/2026 the Nguyễn household paid 12 months of family HI; An 3 months and Hằng 1 month of
    voluntary SI; Khôi 1 month, whose receipt was then voided. Lan takes no voluntary SI."""
    collector = acting_user(store)
    numbers = [
        record_family_hi_payment(store, household_code="0101000123", months=12, on=PAID_ON,
                                 actor=collector, today=PAID_ON).receipt_number,
        record_vsi_payment(store, citizen_id=AN, monthly_income=1_500_000, months=3, on=PAID_ON,
                           actor=collector, today=PAID_ON).receipt_number,
        record_vsi_payment(store, citizen_id=HANG, monthly_income=1_500_000, months=1, on=PAID_ON,
                           actor=collector, today=PAID_ON).receipt_number,
        record_vsi_payment(store, citizen_id=KHOI, monthly_income=1_500_000, months=1, on=PAID_ON,
                           actor=collector, today=PAID_ON).receipt_number,
    ]
    void_receipt(store, numbers[3], reason="Thu nhầm người", actor=collector)
    return numbers


@pytest.fixture
def page(qtbot: QtBot, ctx: AppContext, paid: list[str], monkeypatch: pytest.MonkeyPatch) -> FindPage:
    monkeypatch.setattr(household_page, "today", lambda: TODAY)
    widget = FindPage(ctx)
    qtbot.addWidget(widget)
    widget.resize(1300, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    return widget


def cells(household: HouseholdPage, key: str) -> list[str]:
    model = household.members_model
    column = model.column_number(key)
    return [model.index(row, column).data() for row in range(model.rowCount())]


def person_id(store: Store, citizen_id: str) -> str:
    person = person_by_citizen_id(store, citizen_id)
    assert person is not None
    return person.person_id


def open_with_keyboard(qtbot: QtBot, page: FindPage, type_text, query: str) -> HouseholdPage:
    """Type in the search box, Down into the results, Enter: the household view, loaded."""
    page.focus_search()
    type_text(page.search_box, query)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Down)
    household = page.household_page
    with qtbot.waitSignal(household.household_loaded):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    return household


def test_down_from_the_search_box_makes_the_first_result_current_and_selected(
    qtbot: QtBot, page: FindPage, type_text
) -> None:
    type_text(page.search_box, "nguyen")
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)

    qtbot.keyClick(page.search_box, Qt.Key.Key_Down)

    assert QApplication.focusWidget() is page.table
    assert page.table.currentIndex().row() == 0
    assert [index.row() for index in page.table.selectionModel().selectedRows()] == [0]
    qtbot.waitUntil(page.household.is_showing_household)


def test_enter_from_the_search_box_selects_the_first_result_too(
    qtbot: QtBot, page: FindPage, type_text
) -> None:
    type_text(page.search_box, "nguyen")
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)

    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)

    assert [index.row() for index in page.table.selectionModel().selectedRows()] == [0]


def test_typing_without_accents_down_and_enter_opens_the_household_with_its_members_and_cover(
    qtbot: QtBot, page: FindPage, type_text
) -> None:
    household = open_with_keyboard(qtbot, page, type_text, "dang thi h")

    assert page.is_showing_household()
    assert household.title_label.text() == "Hộ 0101000123"
    assert household.address_label.text() == "Địa chỉ: 12 phố Hàng Bông, Phường Hoàn Kiếm, Thành phố Hà Nội"
    assert cells(household, "name") == ["Nguyễn Văn An", "Đặng Thị Hằng", "Nguyễn Minh Khôi", "Nguyễn Thị Lan"]
    assert cells(household, "relationship")[0] == "Chủ hộ"
    assert cells(household, "date_of_birth")[1] == "20/11/1978"
    assert cells(household, "citizen_id") == [AN, HANG, KHOI, LAN]
    assert cells(household, "phone")[:2] == ["0912345678", "0987654321"]
    assert cells(household, "vsi_state") == ["Còn hạn", "Quá hạn", "Chưa đóng", "Chưa tham gia"]
    assert cells(household, "vsi_paid_through") == ["12/2026", "10/2026", "—", "—"]
    assert cells(household, "vsi_support") == ["3/120", "1/120", "0/120", "—"]
    assert cells(household, "hi_state") == ["Còn hạn"] * 4
    assert cells(household, "hi_card") == ["04/11/2026 – 03/11/2027"] * 4
    assert household.members_title.text() == "4 thành viên, tình trạng ngày 23/11/2026"
    # The keyboard is in the members, on the person the collector came for, who is marked.
    assert QApplication.focusWidget() is household.members_view
    assert household.members_model.row(household.members_view.currentIndex().row()).citizen_id == HANG
    assert household.members_model.row_of(household.members_model._highlighted) == 1


def test_the_household_payments_show_date_receipt_scheme_amount_and_sync_state(
    qtbot: QtBot, page: FindPage, type_text, paid: list[str]
) -> None:
    household = open_with_keyboard(qtbot, page, type_text, "dang thi h")
    model = household.payments_model

    rows = [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]
    assert [row[1] for row in rows] == list(reversed(paid))  # newest receipt first
    hi_row = rows[-1]
    assert hi_row[0] == "05/10/2026"
    assert hi_row[2] == "BHYT hộ gia đình"
    assert hi_row[5] == "3.825.360 đ"
    assert hi_row[7] == "Chưa gửi"
    assert rows[0][6] == "Đã hủy"  # Khôi's voided receipt keeps its row and number
    assert household.payments_title.text() == "4 lần thu"


def test_each_state_has_its_words_and_a_colour_and_the_tooltip_gives_its_dates(
    qtbot: QtBot, page: FindPage, type_text
) -> None:
    household = open_with_keyboard(qtbot, page, type_text, "dang thi h")
    model = household.members_model
    state = model.index(1, model.column_number("vsi_state"))

    assert state.data() == "Quá hạn"
    assert state.data(Qt.ItemDataRole.ForegroundRole).name() == "#b71c1c"
    assert state.data(Qt.ItemDataRole.ToolTipRole) == (
        "Quá hạn; đã đóng đến hết tháng 10/2026; mức thu nhập tháng 1.500.000 đ; "
        "đã được Nhà nước hỗ trợ 1/120 tháng; vẫn có thể đóng tiếp đến hết ngày 31/05/2027"
    )


def test_escape_returns_to_find_with_the_search_text_and_the_selection_kept(
    qtbot: QtBot, page: FindPage, type_text
) -> None:
    type_text(page.search_box, "nguyen")
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Down)
    qtbot.keyClick(page.table, Qt.Key.Key_Down)
    chosen = page.model.row(1).full_name
    with qtbot.waitSignal(page.household_page.household_loaded):
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert page.is_showing_household()

    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)

    assert not page.is_showing_household()
    assert page.search_box.text() == "nguyen"
    assert QApplication.focusWidget() is page.table
    assert [index.row() for index in page.table.selectionModel().selectedRows()] == [1]
    assert page.model.row(page.table.currentIndex().row()).full_name == chosen


def test_the_actions_fire_their_signals_with_the_right_ids_on_their_shortcuts(
    qtbot: QtBot, page: FindPage, type_text, store: Store
) -> None:
    household = open_with_keyboard(qtbot, page, type_text, "dang thi h")
    household_id = household.household.household_id if household.household else ""

    # F5 and F6 are the window's Payments menu's keys, which trigger these actions while the household
    # is shown (tests/ui/test_collect_payments.py presses them in the window).
    with qtbot.waitSignal(household.collect_vsi_requested) as vsi:
        household.collect_vsi_action.trigger()
    assert vsi.args == [person_id(store, HANG)]

    qtbot.keyClick(household.members_view, Qt.Key.Key_Down)  # the next member
    with qtbot.waitSignal(household.edit_contact_requested) as contact:
        qtbot.keyClick(household.members_view, Qt.Key.Key_F2)
    assert contact.args == [person_id(store, KHOI)]

    with qtbot.waitSignal(household.collect_hi_requested) as hi:
        household.collect_hi_action.trigger()
    assert hi.args == [household_id]

    with qtbot.waitSignal(household.add_member_requested) as member:
        qtbot.keyClick(household.members_view, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert member.args == [household_id]


def test_ctrl_t_fills_the_selected_members_tk1_in_the_background_and_previews_it(
    qtbot: QtBot, page: FindPage, type_text
) -> None:
    household = open_with_keyboard(qtbot, page, type_text, "dang thi h")
    assert household.declaration_button.text() == "Tờ khai TK1-TS (Ctrl+T)"

    with qtbot.waitSignal(household.declaration_opened, timeout=20_000) as opened:
        qtbot.keyClick(household.members_view, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    dialog = opened.args[0]
    try:
        text = " ".join(page_.extract_text() for page_ in PdfReader(io.BytesIO(dialog._pdf)).pages)
        assert "TỜ KHAI THAM GIA" in " ".join(text.split()) and HANG in text
        assert dialog.page_count() == 1 and dialog.windowTitle() == "Tờ khai TK1-TS"
    finally:
        dialog.close()


def test_the_shortcuts_do_nothing_while_the_search_is_shown(
    qtbot: QtBot, page: FindPage, type_text
) -> None:
    fired: list[str] = []
    page.household_page.collect_vsi_requested.connect(fired.append)
    type_text(page.search_box, "nguyen")
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Down)

    qtbot.keyClick(page.table, Qt.Key.Key_F5)

    assert fired == []


def test_the_buttons_say_their_shortcuts_and_so_do_their_tooltips(
    qtbot: QtBot, page: FindPage, type_text
) -> None:
    household = open_with_keyboard(qtbot, page, type_text, "dang thi h")

    assert household.collect_vsi_button.text() == "Thu BHXH tự nguyện (F5)"
    assert household.collect_hi_button.text() == "Thu BHYT hộ gia đình (F6)"
    assert household.add_member_button.text() == "Thêm thành viên (Ctrl+M)"
    assert household.edit_contact_button.text() == "Sửa thông tin liên hệ (F2)"
    for button in (household.collect_vsi_button, household.collect_hi_button,
                   household.add_member_button, household.edit_contact_button, household.back_button):
        assert button.isEnabled()
        assert button.text().rsplit("(", 1)[1] in button.toolTip()


def test_tab_moves_from_the_members_to_the_actions_then_the_payments_and_back(
    qtbot: QtBot, page: FindPage, type_text
) -> None:
    household = open_with_keyboard(qtbot, page, type_text, "dang thi h")
    order = []
    for _ in range(8):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        order.append(QApplication.focusWidget())

    assert order == [household.collect_vsi_button, household.collect_hi_button, household.add_member_button,
                     household.edit_contact_button, household.declaration_button, household.payments_view,
                     household.back_button, household.members_view]


def test_tab_leaves_the_results_table_for_the_household_beside_it(
    qtbot: QtBot, page: FindPage, type_text
) -> None:
    type_text(page.search_box, "nguyen")
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Down)
    qtbot.waitUntil(page.household.is_showing_household)

    qtbot.keyClick(page.table, Qt.Key.Key_Tab)

    assert QApplication.focusWidget() is page.household.members_view
    qtbot.keyClick(page.household.members_view, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is page.household.open_button


def test_a_payment_recorded_elsewhere_shows_on_the_open_household_by_itself(
    qtbot: QtBot, page: FindPage, type_text, ctx: AppContext
) -> None:
    household = open_with_keyboard(qtbot, page, type_text, "nguyen thi lan")
    assert cells(household, "vsi_state")[3] == "Chưa tham gia"

    Op(page, lambda store, _p: record_vsi_payment(
        store, citizen_id=LAN, monthly_income=1_500_000, months=3, on=TODAY, actor=acting_user(store),
        today=TODAY), runner=ctx.runner).run()

    qtbot.waitUntil(lambda: cells(household, "vsi_state")[3] == "Còn hạn")
    assert household.payments_model.rowCount() == 5
    # The member the collector was on stays chosen.
    assert household.members_model.row(household.members_view.currentIndex().row()).citizen_id == LAN


def test_a_whole_phone_number_lists_the_phone_match_first_and_each_row_says_what_it_matched(
    qtbot: QtBot, page: FindPage, type_text, store: Store
) -> None:
    # A citizen ID that starts with An's phone number, 0912345678.
    from collector_app.domain.people import NewHousehold, NewPerson, Sex
    from collector_app.store.registration import add_households

    add_households(store, [NewHousehold(None, "1 Lê Lợi", "00070", "01", (
        NewPerson("Phạm Văn Bình", date(1991, 1, 1), Sex.MALE, "091234567801"),))], actor="test")
    type_text(page.search_box, "0912345678")
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)

    found_by = page.model.column_number("matched_on")
    assert not page.table.isColumnHidden(found_by)
    assert [(page.model.row(r).full_name, page.model.index(r, found_by).data()) for r in range(2)] == [
        ("Nguyễn Văn An", "Điện thoại"),
        ("Phạm Văn Bình", "Số CCCD"),
    ]


def test_the_found_by_column_is_hidden_for_a_name_search(qtbot: QtBot, page: FindPage, type_text) -> None:
    type_text(page.search_box, "nguyen")
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)

    assert page.table.isColumnHidden(page.model.column_number("matched_on"))


def test_the_household_models_pass_the_qt_model_tester(
    qtmodeltester, qtbot: QtBot, page: FindPage, type_text
) -> None:
    household = open_with_keyboard(qtbot, page, type_text, "dang thi h")

    qtmodeltester.check(household.members_model, force_py=True)
    qtmodeltester.check(household.payments_model, force_py=True)


def test_a_member_chosen_with_the_mouse_is_the_one_the_actions_use(
    qtbot: QtBot, page: FindPage, type_text, store: Store
) -> None:
    household = open_with_keyboard(qtbot, page, type_text, "dang thi h")
    household.members_view.selectionModel().setCurrentIndex(
        household.members_model.index(0, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

    with qtbot.waitSignal(household.collect_vsi_requested) as vsi:
        household.collect_vsi_button.click()
    assert vsi.args == [person_id(store, AN)]


LONG_NAME = "Nguyễn Thị Phương Thảo Nguyên Khánh"


@pytest.fixture
def long_names(store: Store) -> None:
    """Twenty people whose names and communes are long, in households with codes."""
    from collector_app.domain.people import NewHousehold, NewPerson, Sex
    from collector_app.store.registration import add_households

    add_households(store, [
        NewHousehold(f"01050087{number:02d}", "Thôn Đông Hội, đường Trường Sa", "25237", "48", (
            NewPerson(LONG_NAME, date(1990, 1, 1 + number), Sex.FEMALE, f"0481900{number:05d}", None,
                      f"09123400{number:02d}"),))
        for number in range(20)
    ], actor="test")


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize(("width", "height"), [(1200, 680), (900, 560)])  # the page at 100 % and 125 %
def test_find_results_never_scroll_sideways_and_codes_and_headers_are_whole(
    qtbot: QtBot, ctx: AppContext, long_names: None, type_text, language: str, width: int, height: int,
) -> None:
    from collector_app import i18n

    previous = i18n.language()
    i18n.set_language(language)
    try:
        page = FindPage(ctx)
        qtbot.addWidget(page)
        page.resize(width, height)
        page.show()
        qtbot.waitExposed(page)
        type_text(page.search_box, "nguyen thi phuong")
        qtbot.waitUntil(lambda: page.model.rowCount() == 20)
        qtbot.keyClick(page.search_box, Qt.Key.Key_Down)
        qtbot.waitUntil(page.household.is_showing_household)
        qtbot.wait(50)  # the panel fits its columns once laid out

        for view, model in ((page.table, page.model), (page.household.members_view, page.household.model)):
            assert view.horizontalScrollBar().maximum() == 0
            header = view.horizontalHeader()
            for number, column in enumerate(model.columns):
                if view.isColumnHidden(number) or column.elided:
                    continue
                whole = max(view.sizeHintForColumn(number), header.sectionSizeHint(number))
                assert header.sectionSize(number) >= whole, column.key  # never cut, header included
        code = page.model.column_number("household_code")
        assert not page.table.isColumnHidden(code)
        name = page.model.index(0, page.model.column_number("name"))
        assert name.data(Qt.ItemDataRole.ToolTipRole) == LONG_NAME  # elided names say it all on hover
        assert page.table.columnWidth(name.column()) >= find_page_module().NAME_MIN_PX
    finally:
        i18n.set_language(previous)


def find_page_module():
    from collector_app.ui.pages import find_page

    return find_page


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize(("width", "height"), [(1200, 680), (900, 560)])
def test_the_household_view_never_scrolls_sideways_and_keeps_the_cover_columns(
    qtbot: QtBot, page: FindPage, type_text, language: str, width: int, height: int,
) -> None:
    from collector_app import i18n

    previous = i18n.language()
    i18n.set_language(language)
    try:
        page.resize(width, height)
        household = open_with_keyboard(qtbot, page, type_text, "dang thi h")
        qtbot.wait(50)

        for view in (household.members_view, household.payments_view):
            assert view.horizontalScrollBar().maximum() == 0
        model = household.members_model
        for key in ("name", "citizen_id", "vsi_state", "vsi_paid_through", "hi_state", "hi_card"):
            assert not household.members_view.isColumnHidden(model.column_number(key)), key
        assert all(household.members_view.isColumnHidden(model.column_number(key)) == (width < 1000)
                   for key in ("vsi_support", "phone"))
    finally:
        i18n.set_language(previous)


def test_enter_on_a_member_in_the_panel_beside_the_results_opens_the_household_on_that_member(
    qtbot: QtBot, page: FindPage, type_text
) -> None:
    type_text(page.search_box, "dang thi h")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Down)
    qtbot.waitUntil(page.household.is_showing_household)
    qtbot.keyClick(page.table, Qt.Key.Key_Tab)
    qtbot.keyClick(page.household.members_view, Qt.Key.Key_Down)  # from Hằng to Khôi

    with qtbot.waitSignal(page.household_page.household_loaded):
        qtbot.keyClick(page.household.members_view, Qt.Key.Key_Return)

    household = page.household_page
    assert household.members_model.row(household.members_view.currentIndex().row()).citizen_id == KHOI


def test_the_open_button_beside_the_results_opens_the_chosen_persons_household(
    qtbot: QtBot, page: FindPage, type_text
) -> None:
    type_text(page.search_box, "dang thi h")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    qtbot.keyClick(page.search_box, Qt.Key.Key_Down)
    qtbot.waitUntil(page.household.is_showing_household)

    with qtbot.waitSignal(page.household_page.household_loaded):
        page.household.open_button.click()

    assert page.is_showing_household()
    assert page.household.open_button.text() == "Mở hộ (Enter)"
