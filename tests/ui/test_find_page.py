"""The find page: search as you type, results in a table, the chosen person's household beside it."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.qtbot import QtBot

from collector_app.store.db import Store
from collector_app.store.search import PersonHit, search_people
from collector_app.ui.context import AppContext
from collector_app.ui.models.people_table import PeopleTableModel
from collector_app.ui.pages import find_page
from collector_app.ui.pages.find_page import FindPage

RELEASE_TIMEOUT = 10


@pytest.fixture
def page(qtbot: QtBot, ctx: AppContext) -> FindPage:
    widget = FindPage(ctx)
    qtbot.addWidget(widget)
    widget.resize(1100, 600)
    widget.show()
    return widget


def shown_names(page: FindPage) -> list[str]:
    column = page.model.column_number("name")
    return [page.model.index(row, column).data() for row in range(page.model.rowCount())]


def member_names(page: FindPage) -> list[str]:
    model = page.household.model
    column = model.column_number("name")
    return [model.index(row, column).data() for row in range(model.rowCount())]


def row_of(page: FindPage, name: str) -> QModelIndex:
    return page.model.index(shown_names(page).index(name), 0)


def test_typing_a_name_without_accents_finds_it_with_accents(qtbot: QtBot, page: FindPage, type_text) -> None:
    type_text(page.search_box, "dang thi h")

    qtbot.waitUntil(lambda: "Đặng Thị Hằng" in shown_names(page))
    assert "Đặng Văn Hùng" not in shown_names(page)


def test_vietnamese_typed_with_its_accents_reaches_the_box_and_finds_the_person(
    qtbot: QtBot, page: FindPage, type_text
) -> None:
    type_text(page.search_box, "Đặng Thị Hằng")

    assert page.search_box.text() == "Đặng Thị Hằng"
    qtbot.waitUntil(lambda: shown_names(page) == ["Đặng Thị Hằng"])


def test_a_result_row_shows_the_date_sex_citizen_id_household_commune_and_what_matched(
    qtbot: QtBot, page: FindPage, type_text
) -> None:
    type_text(page.search_box, "001178")
    qtbot.waitUntil(lambda: shown_names(page) == ["Đặng Thị Hằng"])

    row = [page.model.index(0, column).data() for column in range(page.model.columnCount())]
    assert row == [
        "Đặng Thị Hằng",
        "20/11/1978",
        "Nữ",
        "001178012345",
        "0987654321",
        "0101000123",
        "Phường Hoàn Kiếm",
        "Số CCCD",
    ]
    assert not page.table.isColumnHidden(page.model.column_number("matched_on"))


def test_the_number_of_people_found_is_shown(qtbot: QtBot, page: FindPage, type_text) -> None:
    type_text(page.search_box, "nguyen")

    qtbot.waitUntil(lambda: len(shown_names(page)) == 3)
    assert page.result_label.text() == "Tìm thấy 3 người"


def test_a_search_that_matches_no_one_says_so(qtbot: QtBot, page: FindPage, type_text) -> None:
    type_text(page.search_box, "xyz")

    qtbot.waitUntil(lambda: page.message_label.text() == "Không tìm thấy ai khớp với “xyz”.")
    assert page.message_label.isVisible()
    assert page.model.rowCount() == 0


def test_clearing_the_search_empties_the_results_and_says_what_to_type(
    qtbot: QtBot, page: FindPage, type_text
) -> None:
    type_text(page.search_box, "nguyen")
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)

    page.search_box.clear()

    qtbot.waitUntil(lambda: page.model.rowCount() == 0)
    assert page.message_label.isVisible()
    assert page.message_label.text().startswith("Nhập họ tên, số CCCD")
    assert page.result_label.text() == ""


def test_the_people_model_passes_the_qt_model_tester(qtmodeltester, store: Store) -> None:
    model = PeopleTableModel()
    model.set_rows(search_people(store, "nguyen"))

    qtmodeltester.check(model, force_py=True)


def test_choosing_a_result_shows_the_household_members_in_declared_order(
    qtbot: QtBot, page: FindPage, type_text
) -> None:
    type_text(page.search_box, "hang")
    qtbot.waitUntil(lambda: shown_names(page) == ["Đặng Thị Hằng"])

    page.table.selectRow(0)

    qtbot.waitUntil(page.household.is_showing_household)
    assert member_names(page) == ["Nguyễn Văn An", "Đặng Thị Hằng", "Nguyễn Minh Khôi", "Nguyễn Thị Lan"]
    assert page.household.model.highlighted_row() == 1
    assert page.household.code_label.text() == "0101000123"
    assert page.household.address_label.text() == "12 phố Hàng Bông"
    assert page.household.commune_label.text() == "Phường Hoàn Kiếm"
    assert page.household.province_label.text() == "Thành phố Hà Nội"
    assert page.household.members_title.text() == "4 thành viên"


def test_the_members_model_passes_the_qt_model_tester(
    qtmodeltester, qtbot: QtBot, page: FindPage, type_text
) -> None:
    type_text(page.search_box, "hang")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    page.table.selectRow(0)
    qtbot.waitUntil(page.household.is_showing_household)

    qtmodeltester.check(page.household.model, force_py=True)


def test_a_new_search_clears_the_household_of_the_previous_choice(
    qtbot: QtBot, page: FindPage, type_text
) -> None:
    type_text(page.search_box, "hang")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    page.table.selectRow(0)
    qtbot.waitUntil(page.household.is_showing_household)

    type_text(page.search_box, "x")

    qtbot.waitUntil(lambda: page.model.rowCount() == 0)
    assert not page.household.is_showing_household()


def test_down_arrow_moves_from_the_search_box_into_the_results(
    qtbot: QtBot, page: FindPage, type_text
) -> None:
    page.focus_search()
    type_text(page.search_box, "nguyen")
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)

    qtbot.keyClick(page.search_box, Qt.Key.Key_Down)

    assert page.table.currentIndex().row() == 0
    qtbot.waitUntil(page.household.is_showing_household)


def test_enter_pressed_before_the_results_arrive_still_moves_into_them(
    qtbot: QtBot, page: FindPage, type_text
) -> None:
    type_text(page.search_box, "nguyen van an")
    qtbot.keyClick(page.search_box, Qt.Key.Key_Return)  # sooner than the search delay

    qtbot.waitUntil(lambda: page.table.currentIndex().isValid())
    assert shown_names(page) == ["Nguyễn Văn An"]


def test_a_slow_stale_result_never_replaces_a_newer_one(
    qtbot: QtBot, page: FindPage, type_text, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale_started = threading.Event()
    release_stale = threading.Event()

    def slow_for_first_query(store: Store, text: str, *, limit: int = 50) -> list[PersonHit]:
        if text == "an":
            stale_started.set()
            release_stale.wait(RELEASE_TIMEOUT)
        return search_people(store, text, limit=limit)

    monkeypatch.setattr(find_page, "search_people", slow_for_first_query)
    shown: list[list[str]] = []
    page.model.modelReset.connect(lambda: shown.append(shown_names(page)))

    with qtbot.waitSignal(page.search_started):
        type_text(page.search_box, "an")
    assert stale_started.wait(RELEASE_TIMEOUT)
    page.search_box.clear()
    with qtbot.waitSignal(page.search_started, check_params_cb=lambda query: query == "dang thi h"):
        type_text(page.search_box, "dang thi h")
    release_stale.set()

    qtbot.waitUntil(lambda: shown_names(page) == ["Đặng Thị Hằng"])
    assert not any("Nguyễn Văn An" in names for names in shown)
