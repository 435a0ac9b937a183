"""The Progress page against the real provincial server on 127.0.0.1: a collector's own point online and
from the kept copy once the server is gone; a supervisor's session switching between the province, a point
and a commune; every chart checked against the table it is drawn from, the tables against figures counted
by hand; the exports opened and read back."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtCharts import QBarSeries, QLineSeries, QStackedBarSeries
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import update

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))

from sync_helpers import Collector, RunningServer, new_collector, start_server  # puts tests/server on the path

from server_helpers import SUPERVISOR_PASSWORD, add_supervisor  # noqa: E402 - after sync_helpers

from collector_app import i18n
from collector_app.store.sync_state import sync_state
from collector_app.sync.engine import client_for, seal, sync_once
from collector_app.sync.supervisor import log_in
from collector_app.ui.context import AppContext
from collector_app.ui.pages.progress_page import COMMUNE, OWN, POINT, PROVINCE, ProgressPage
from collector_app.ui.supervisor_link import SupervisorLink
from collector_app.ui.tasks import TaskRunner
from provincial_server.store.schema import sessions

WAIT_MS = 30_000
# The collector's example (tests/sync/sync_helpers.py `pay(3)`): a household of two buys family HI on
# 05/01/2026 (first cards, from 04/02/2026 for 12 months); the head pays voluntary SI on 10/01 and 10/02,
# a month each (January, February).
HI_PARTICIPANTS = [0] + [2] * 11
VSI_PARTICIPANTS = [1, 1] + [0] * 10


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    running = start_server(tmp_path / "server")
    try:
        yield running
    finally:
        running.stop()


def supervise(page: ProgressPage, server: RunningServer) -> None:
    """A supervisor signs in (a real login) and the page's link uses the session, as the window's does."""
    page._link.start(log_in(server.url, add_supervisor(server), SUPERVISOR_PASSWORD))


def synced_collector(server: RunningServer, folder: Path) -> Collector:
    collector = new_collector(folder, server)
    collector.pay(3)
    with collector.open() as store:
        seal(store, actor="test")
        with client_for(store) as client:
            assert sync_once(store, client).clean
    return collector


def point_of(collector: Collector) -> str:
    with collector.open() as store:
        reference = sync_state(store).reference
    assert reference is not None
    return str(json.loads(reference)["point_code"])


@pytest.fixture
def page_for(qtbot: QtBot) -> Iterator[Any]:
    opened: list[tuple[TaskRunner, Any]] = []

    def open_(collector: Collector) -> ProgressPage:
        store = collector.open()
        runner = TaskRunner(store)
        opened.append((runner, store))
        host = QWidget()  # the window the link's sign-in dialog opens over
        qtbot.addWidget(host)
        link = SupervisorLink(runner, host, lambda: "")
        page = ProgressPage(AppContext(store=store, runner=runner, language=i18n.language()), link)
        qtbot.addWidget(page)
        page.resize(1200, 640)
        return page

    yield open_
    for runner, store in opened:
        runner.shutdown()
        store.close()


def _series_values(page: ProgressPage) -> dict[str, list[float]]:
    """Every bar set and line of the three charts, by name."""
    found: dict[str, list[float]] = {}
    for tab in page.chart_tabs():
        for series in tab.chart.series():
            if isinstance(series, (QBarSeries, QStackedBarSeries)):
                for bars in series.barSets():
                    found[f"{tab.view.accessibleName()}/{bars.label()}"] = [bars.at(i) for i in range(bars.count())]
            elif isinstance(series, QLineSeries):
                found[f"{tab.view.accessibleName()}/line"] = [point.y() for point in series.points()]
    return found


def _column(model: Any, key: str) -> list[int | None]:
    return [model.value(row, key) for row in range(model.rowCount())]


def assert_charts_follow_their_tables(page: ProgressPage) -> None:
    values = _series_values(page)
    participants, amounts, new = page.participants_model, page.amount_model, page.new_model
    assert values["Participants by month/This year"] == _column(participants, "participants")
    assert values["Participants by month/Last year"] == _column(participants, "last_year_participants")
    if participants.value(0, "target") is not None:
        assert values["Participants by month/line"] == _column(participants, "target")
    assert values["Amount by month/This year"] == [v / 1e6 for v in _column(amounts, "amount")]
    assert values["Amount by month/Same month last year"] == [v / 1e6 for v in _column(amounts, "last_year_amount")]
    assert values["New and renewing participants/New this year"] == _column(new, "new")
    assert values["New and renewing participants/Renewing"] == _column(new, "renewing")


def test_a_collector_sees_the_points_figures_online_and_the_kept_copy_offline(
    server: RunningServer, tmp_path: Path, qtbot: QtBot, page_for: Any, english: None
):
    collector = synced_collector(server, tmp_path / "device")
    server.admin("set-target", "--year", "2026", "--point", point_of(collector), "--scheme", "family_hi",
                 "--participants", "8")
    with collector.open() as store, client_for(store) as client:
        sync_once(store, client)  # the target reaches the device
    page = page_for(collector)
    page.year_spin.setValue(2026)
    page.show()  # the first show asks the server
    qtbot.waitUntil(lambda: page.figures() is not None, timeout=WAIT_MS)
    assert page.view() == OWN and "from the provincial server" in page.status_label.text()
    assert _column(page.participants_model, "participants") == VSI_PARTICIPANTS
    assert _column(page.new_model, "new") == VSI_PARTICIPANTS  # the head's first payment: new
    assert_charts_follow_their_tables(page)

    page.scheme_combo.setCurrentIndex(page.scheme_combo.findData("family_hi"))
    assert _column(page.participants_model, "participants") == HI_PARTICIPANTS
    assert _column(page.participants_model, "target") == [8] * 12
    assert _column(page.amount_model, "amount")[0] > 0 and _column(page.amount_model, "amount")[1:] == [0] * 11
    assert_charts_follow_their_tables(page)
    assert page.summary_label.text().startswith("Participants: 2 of 8 (25,0 %), new: 2 · Collected: ")
    assert page.participants_model.data(page.participants_model.index(3, 1)) == "2"
    online = page.figures()

    server.stop()
    page.refresh()
    qtbot.waitUntil(lambda: "copy kept" in page.status_label.text(), timeout=WAIT_MS)
    assert page.figures() == online
    assert "could not be reached" in page.status_label.text()
    assert _column(page.participants_model, "participants") == HI_PARTICIPANTS

    page.year_spin.setValue(2025)
    page.refresh()
    qtbot.waitUntil(lambda: page.figures() is None, timeout=WAIT_MS)
    assert page.status_label.text().startswith("No figures yet: ")
    assert page.participants_model.rowCount() == 0 and not page.xlsx_button.isEnabled()


def test_a_supervisor_switches_between_the_province_a_point_and_a_commune(
    server: RunningServer, tmp_path: Path, qtbot: QtBot, page_for: Any, english: None
):
    one = synced_collector(server, tmp_path / "one")
    two = synced_collector(server, tmp_path / "two")
    page = page_for(one)
    page.year_spin.setValue(2026)
    page.view_combo.setCurrentIndex(page.view_combo.findData(PROVINCE))
    assert "need a supervisor signed in to the provincial server" in page.status_label.text()
    assert page.figures() is None

    supervise(page, server)
    qtbot.waitUntil(lambda: page.figures() is not None, timeout=WAIT_MS)
    found = page.figures()
    assert found is not None and found.scope == "province" and len(found.points) == 2
    page.scheme_combo.setCurrentIndex(page.scheme_combo.findData("family_hi"))
    assert _column(page.participants_model, "participants") == [2 * n for n in HI_PARTICIPANTS]
    assert_charts_follow_their_tables(page)

    page.view_combo.setCurrentIndex(page.view_combo.findData(POINT))
    assert page.figures() is None and page.status_label.text() == "Type the point's code, then press Enter."
    page.code_edit.setText(point_of(two).lower())
    page.code_edit.returnPressed.emit()
    qtbot.waitUntil(lambda: (f := page.figures()) is not None and f.scope == "point", timeout=WAIT_MS)
    assert page.figures().code == point_of(two)  # type: ignore[union-attr]
    assert _column(page.participants_model, "participants") == HI_PARTICIPANTS
    assert point_of(two) in page.status_label.text()

    page.view_combo.setCurrentIndex(page.view_combo.findData(COMMUNE))
    page.code_edit.setText("99999")
    page.refresh()
    qtbot.waitUntil(lambda: page.status_label.text() == "The provincial server holds no such point or commune.",
                    timeout=WAIT_MS)
    assert page.figures() is None

    page._link.sign_out()  # signed out: back to the collector's own point, asked for at once
    assert page.view() == OWN
    qtbot.waitUntil(lambda: (f := page.figures()) is not None and f.scope == "point", timeout=WAIT_MS)
    assert page.figures().code == point_of(one)  # type: ignore[union-attr]


def test_a_supervisor_whose_session_ended_is_asked_again_and_the_figures_come(
    server: RunningServer, tmp_path: Path, qtbot: QtBot, page_for: Any, english: None
):
    page = page_for(synced_collector(server, tmp_path / "device"))
    page.year_spin.setValue(2026)
    supervise(page, server)
    page.view_combo.setCurrentIndex(page.view_combo.findData(PROVINCE))
    qtbot.waitUntil(lambda: page.figures() is not None, timeout=WAIT_MS)
    server.execute(update(sessions).values(expires_at=datetime(2000, 1, 1, tzinfo=UTC)))  # the server's TTL passed

    page.refresh()
    qtbot.waitUntil(lambda: page._link.dialog is not None, timeout=WAIT_MS)
    dialog = page._link.dialog
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    assert dialog.username_edit.isReadOnly() and dialog.password_edit.hasFocus()
    assert page.status_label.text() == "Asking the provincial server…"
    qtbot.keyClicks(dialog.password_edit, SUPERVISOR_PASSWORD)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.status_label.text().startswith("The province · 2026 · From the provincial server"),
                    timeout=WAIT_MS)

    server.execute(update(sessions).values(expires_at=datetime(2000, 1, 1, tzinfo=UTC)))
    page.refresh()
    qtbot.waitUntil(lambda: page._link.dialog is not None, timeout=WAIT_MS)
    page._link.dialog.reject()  # not signed in again: one line, no figures
    qtbot.waitUntil(lambda: page.figures() is None, timeout=WAIT_MS)
    assert page.status_label.text() == "The provincial server asks you to sign in again."


def test_the_exports_hold_the_figures(server: RunningServer, tmp_path: Path, qtbot: QtBot, page_for: Any,
                                      english: None):
    collector = synced_collector(server, tmp_path / "device")
    server.admin("add-point", "INJECT1", "=HYPERLINK(\"http://example.com\")")
    page = page_for(collector)
    page.year_spin.setValue(2026)
    page.show()
    qtbot.waitUntil(lambda: page.figures() is not None, timeout=WAIT_MS)
    workbook_path = tmp_path / "progress.xlsx"
    page.export_xlsx(workbook_path)
    book = load_workbook(workbook_path)
    assert book.sheetnames == ["Voluntary SI", "Family HI"]
    hi = book["Family HI"]
    assert hi["B2"].value == "Participants" and hi["A4"].value == "02/2026"
    assert [hi.cell(row=r, column=2).value for r in range(3, 15)] == HI_PARTICIPANTS
    amount = hi.cell(row=3, column=7)
    assert isinstance(amount.value, int) and amount.value == page.figures().progress.scheme(  # type: ignore[union-attr]
        "family_hi").months[0].amount and amount.number_format == '#,##0 "đ"'

    page.tabs.setCurrentIndex(1)
    picture = tmp_path / "chart.png"
    assert page.export_png(picture)
    image = QImage(str(picture))
    assert image.size() == page.amount_tab.view.size() * page.devicePixelRatio() and not image.isNull()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 3  # drawn, not blank

    supervise(page, server)
    page.view_combo.setCurrentIndex(page.view_combo.findData(POINT))
    page.code_edit.setText("INJECT1")
    page.refresh()
    qtbot.waitUntil(lambda: (f := page.figures()) is not None and f.code == "INJECT1", timeout=WAIT_MS)
    page.export_xlsx(workbook_path)
    title = load_workbook(workbook_path)["Voluntary SI"]["A1"]
    assert title.data_type == "s" and title.value.startswith("'=HYPERLINK")


def test_figures_the_server_is_still_counting_are_asked_for_again_until_they_count_the_new_batch(
    server: RunningServer, tmp_path: Path, qtbot: QtBot, page_for: Any, english: None
):
    one = synced_collector(server, tmp_path / "one")  # voluntary SI for January and February
    page = page_for(one)
    page.year_spin.setValue(2026)
    page.show()  # figures are asked for again only while the page is seen
    supervise(page, server)
    page.view_combo.setCurrentIndex(page.view_combo.findData(POINT))
    page.code_edit.setText(point_of(one))
    page.code_edit.returnPressed.emit()
    qtbot.waitUntil(lambda: (f := page.figures()) is not None and f.scope == "point", timeout=WAIT_MS)
    page.scheme_combo.setCurrentIndex(page.scheme_combo.findData("vsi"))
    assert _column(page.participants_model, "participants") == VSI_PARTICIPANTS

    one.pay(1)  # March
    with one.open() as store:
        seal(store, actor="test")
        with client_for(store) as client:
            assert sync_once(store, client).clean
    page.refresh()  # at once: the server may still be counting the batch into the point's figures
    statuses: list[str] = []
    qtbot.waitUntil(lambda: statuses.append(page.status_label.text()) is None and (f := page.figures()) is not None
                    and f.as_of is None and _column(page.participants_model, "participants")[2] == 1,
                    timeout=WAIT_MS)
    assert _column(page.participants_model, "participants") == [1, 1, 1] + [0] * 9
    assert "counting" not in page.status_label.text()
    assert not page._ask_again.isActive()
    counting = [text for text in statuses if "the server is counting the batches received since" in text]
    assert all("Figures as of " in text for text in counting)
