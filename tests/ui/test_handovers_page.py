"""The Hand-overs page: each collaborator's cash, and a hand-over recorded from the keyboard."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from collector_app.domain.payments import Role
from collector_app.services.closing import collaborators_cash
from collector_app.services.device import set_up
from collector_app.services.payments import record_vsi_payment
from collector_app.store.accounts import add_user
from collector_app.store.db import Store
from collector_app.ui.context import AppContext
from collector_app.ui.pages.handovers_page import HandoversPage

TODAY = date.today()
EARLIER = TODAY - timedelta(days=3)


@pytest.fixture
def page(qtbot: QtBot, ctx: AppContext, store: Store) -> HandoversPage:
    set_up(store)
    lan = add_user(store, username="ctv.lan", full_name="Phạm Thị Lan", role=Role.COLLABORATOR, actor="test")
    # Đà Nẵng: 374.000 đ a month on 2.000.000 đ; one paid three days ago, one today.
    for citizen_id, on in (("048068000111", EARLIER), ("048170000222", TODAY)):
        record_vsi_payment(store, citizen_id=citizen_id, monthly_income=2_000_000, months=1, on=on, actor=lan)
    widget = HandoversPage(ctx)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.model.rowCount() == 1)
    return widget


def test_the_page_shows_what_each_collaborator_holds(page: HandoversPage) -> None:
    cells = [page.model.index(0, column).data() for column in range(page.model.columnCount())]
    assert cells == ["Phạm Thị Lan (ctv.lan)", "748.000 đ", "0 đ", "748.000 đ", "2", EARLIER.strftime("%d/%m/%Y")]
    assert page.amount.value() == 748_000  # the form proposes exactly what is held
    assert page.covered.text() == f"2 biên lai đã thu đến ngày {TODAY:%d/%m/%Y}: 748.000 đ"


def test_an_earlier_up_to_day_proposes_only_the_cash_of_the_receipts_it_covers(
    qtbot: QtBot, page: HandoversPage, store: Store
) -> None:
    assert [label.text() for label in page.findChildren(QLabel) if label.buddy() is page.until] == [
        "Biên lai thu đến &ngày:"]  # Alt+N reaches the day
    page.until.setFocus()
    qtbot.keyClick(page.until, Qt.Key.Key_Down)  # the day field goes back one day: today's receipt is left out
    assert page.until_day() == TODAY - timedelta(days=1)
    assert page.amount.value() == 374_000
    assert page.covered.text() == f"1 biên lai đã thu đến ngày {TODAY - timedelta(days=1):%d/%m/%Y}: 374.000 đ"
    page.until.setDate(EARLIER - timedelta(days=1))
    assert page.amount.value() == 0 and page.covered.text().startswith("0 biên lai")
    page.until.setDate(TODAY)
    assert page.amount.value() == 748_000

    page.until.setDate(EARLIER)  # recorded as proposed: the earlier receipt only, the other still held
    qtbot.keyClick(page.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.model.row(0).handed_over == 374_000)
    assert page.model.row(0).held == 374_000 and page.model.row(0).oldest_held == TODAY
    assert collaborators_cash(store)[0].held_receipts == 1


def test_a_short_hand_over_needs_a_reason_then_is_recorded(
    qtbot: QtBot, page: HandoversPage, store: Store, type_text
) -> None:
    page.amount.set_value(740_000)
    qtbot.keyClick(page.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "8.000" in page.status.text())  # the difference, in the refusal
    assert collaborators_cash(store)[0].handed_over == 0
    type_text(page.reason, "Thiếu 8.000 đ, nộp bù ngày mai")
    qtbot.keyClick(page.reason, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and page.model.row(0).handed_over == 740_000)
    assert page.model.row(0).held == 0 and page.model.index(0, 5).data() == "—"
