"""The Province dashboard page against the real provincial server, with a supervisor who logged in there:
the server's order and figures shown, silent points shaded, sorting by a header, a point chosen with
Enter, the exports read back with openpyxl, and failures said in one line."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))

from sync_helpers import BACKENDS, RunningServer, start_server_on  # noqa: E402  (puts tests/server on the path too)
from dashboard_helpers import VSI_3_MONTHS, Province, build_province  # noqa: E402
from server_helpers import (  # noqa: E402
    POLICY_FILE,
    SUPERVISOR_PASSWORD,
    Supervisor,
    add_supervisor,
    free_port,
    log_in,
)
from sqlalchemy import select, update  # noqa: E402

from collector_app.domain.policy import PolicyTable  # noqa: E402
from collector_app.i18n import _  # noqa: E402
from collector_app.sync.client import ServerUnavailable, SyncClient  # noqa: E402
from collector_app.sync.supervisor import SUPERVISOR_BACKOFF, SupervisorSession  # noqa: E402
from collector_app.sync.supervisor import log_in as session_log_in  # noqa: E402
from collector_app.ui.context import AppContext  # noqa: E402
from collector_app.ui.pages.dashboard_page import DashboardPage  # noqa: E402
from collector_app.ui.palette import ATTENTION, ATTENTION_BACKGROUND  # noqa: E402
from collector_app.ui.supervisor_link import SupervisorLink  # noqa: E402
from provincial_server.store.schema import points, sessions, supervisors  # noqa: E402

FORMULA_NAME = "=HYPERLINK(\"http://evil.example\",\"Bấm\")"


@pytest.fixture(scope="module", params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The real provincial server, on SQLite then on PostgreSQL (the module runs on each)."""
    running = start_server_on(request, request.param, tmp_path_factory.mktemp(f"server-{request.param}"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def session(server: RunningServer) -> SupervisorSession:
    """The window's supervisor session: a real login, its token in memory only."""
    return session_log_in(server.url, add_supervisor(server), SUPERVISOR_PASSWORD)


@pytest.fixture(scope="module")
def province(server: RunningServer) -> Province:
    response = log_in(server, add_supervisor(server))
    assert response.status_code == 200, response.text
    table = PolicyTable.from_toml(POLICY_FILE.read_text(encoding="utf-8"))
    built = build_province(server, Supervisor(server=server, token=response.json()["token"]), table)
    server.execute(update(points).where(points.c.code == built.b).values(name=FORMULA_NAME))
    return built


@pytest.fixture
def page(qtbot: QtBot, ctx: AppContext) -> DashboardPage:
    host = QWidget()  # the window the link's sign-in dialog opens over
    qtbot.addWidget(host)
    shown = DashboardPage(ctx, SupervisorLink(ctx.runner, host, lambda: ""))
    qtbot.addWidget(shown)
    shown.resize(1200, 600)
    shown.show()
    return shown


def load_march(qtbot: QtBot, page: DashboardPage, session: SupervisorSession) -> None:
    with qtbot.waitSignal(page.loaded, timeout=30_000):
        page.month.setDate(QDate(2026, 3, 1))  # before signing in: the page fetches this month then
        page._link.start(session)


def codes(page: DashboardPage) -> list[str | None]:
    return [page.model.point_code(row) for row in range(page.model.rowCount())]


def cell(page: DashboardPage, row: int, key: str, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
    return page.model.data(page.model.index(row, page.model.column_number(key)), role)


def test_without_a_supervisor_the_page_says_what_it_needs(page: DashboardPage):
    assert "giám sát" in page.status.text()  # "... cần một người giám sát đăng nhập ..."
    assert not page.refresh_button.isEnabled() and not page.xlsx_button.isEnabled()
    assert page.model.rowCount() == 0


def test_the_points_furthest_behind_plan_come_first_with_the_totals_last(qtbot: QtBot, page: DashboardPage,
                                                                         session: SupervisorSession,
                                                                         province: Province):
    load_march(qtbot, page, session)
    shown = codes(page)
    assert shown[-1] is None  # the totals row
    ours = [code for code in shown if code in (province.a, province.b, province.c)]
    assert ours == [province.c, province.a, province.b]  # 0 %, 30 %, no target
    a = shown.index(province.a)
    assert cell(page, a, "this_month") == "2.973.120 đ"
    assert cell(page, a, "behind") == "30,0 %"
    assert cell(page, a, "vsi") == "75,0 %"  # 3 of 4 participants
    assert cell(page, shown.index(province.b), "behind") == _("No target")
    # A has a silent device: shaded, and said in words.
    assert cell(page, a, "devices", Qt.ItemDataRole.BackgroundRole) == QColor(ATTENTION_BACKGROUND)
    assert (cell(page, a, "devices"), cell(page, a, "silent")) == ("2", "1")
    assert cell(page, a, "pending") == "2 (7)"
    assert cell(page, a, "rejected") == "1 · 1"
    assert "3/10" in cell(page, a, "behind", Qt.ItemDataRole.ToolTipRole)  # family HI: 3 of 10 participants
    assert province.silent_device.series in cell(page, a, "devices", Qt.ItemDataRole.ToolTipRole)
    assert cell(page, shown.index(province.b), "devices", Qt.ItemDataRole.BackgroundRole) is None
    totals = len(shown) - 1
    assert cell(page, totals, "point", Qt.ItemDataRole.FontRole).bold()
    assert cell(page, totals, "this_month") == "3.798.120 đ"  # the module's server holds these three points


def test_a_header_click_sorts_on_the_server_and_a_second_turns_the_order_round(qtbot: QtBot, page: DashboardPage,
                                                                               session: SupervisorSession,
                                                                               province: Province):
    load_march(qtbot, page, session)
    column = page.model.column_number("this_month")
    with qtbot.waitSignal(page.loaded, timeout=30_000):
        page.table.horizontalHeader().sectionClicked.emit(column)
    assert page.sort.currentData() == "this_month"
    ours = [code for code in codes(page) if code in (province.a, province.b, province.c)]
    assert ours == [province.c, province.b, province.a]  # 0, 825,000, 2,973,120
    with qtbot.waitSignal(page.loaded, timeout=30_000):
        page.table.horizontalHeader().sectionClicked.emit(column)
    assert page.descending.isChecked()
    ours = [code for code in codes(page) if code in (province.a, province.b, province.c)]
    assert ours == [province.a, province.b, province.c]
    assert page.table.horizontalHeader().sortIndicatorSection() == column


def test_only_points_with_silent_devices_when_asked(qtbot: QtBot, page: DashboardPage, session: SupervisorSession,
                                                    province: Province):
    load_march(qtbot, page, session)
    with qtbot.waitSignal(page.loaded, timeout=30_000):
        page.silent_only.setChecked(True)
    shown = codes(page)
    assert province.a in shown and province.b not in shown and province.c not in shown
    assert page.board() is not None and all(p.figures.silent_devices for p in page.board().points)


def test_enter_or_a_double_click_on_a_point_chooses_it_but_not_on_the_totals(qtbot: QtBot, page: DashboardPage,
                                                                            session: SupervisorSession,
                                                                            province: Province):
    load_march(qtbot, page, session)
    row = codes(page).index(province.a)
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(row, 0))
    with qtbot.waitSignal(page.point_chosen) as chosen:
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert chosen.args == [province.a]
    page.table.setCurrentIndex(page.model.index(page.model.rowCount() - 1, 0))
    with qtbot.assertNotEmitted(page.point_chosen):
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    other = codes(page).index(province.c)
    rect = page.table.visualRect(page.model.index(other, 0))
    with qtbot.waitSignal(page.point_chosen) as chosen:  # a double click begins with a click, as a mouse sends it
        qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert chosen.args == [province.c]


def test_the_xlsx_export_holds_the_figures_as_numbers_and_names_as_text(qtbot: QtBot, page: DashboardPage,
                                                                        session: SupervisorSession,
                                                                        province: Province, tmp_path: Path):
    load_march(qtbot, page, session)
    path = tmp_path / "dashboard.xlsx"
    page.export_to(path)
    qtbot.waitUntil(lambda: path.name in page.status.text(), timeout=30_000)
    sheet = load_workbook(path).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows[0]
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    a = by_code[province.a]
    assert a[_("Collected this month (VND)")] == 2_973_120
    assert a[_("Silent devices")] == 1
    assert a[_("Silent device series")] == province.silent_device.series
    assert a[_("Lowest share of a target")] == "30,0 %"
    b = by_code[province.b]
    assert b[_("Point name")] == "'" + FORMULA_NAME  # text, never a formula
    assert b[_("Collected this month (VND)")] == VSI_3_MONTHS
    assert b[_("Voluntary SI participants target")] is None
    assert b[_("Lowest share of a target")] == _("No target")
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert rows[-1][0] == _("Total")
    assert rows[-1][header.index(_("Collected this month (VND)"))] == page.board().totals.this_month


def test_the_csv_export_reads_back_in_a_spreadsheet_the_same(qtbot: QtBot, page: DashboardPage,
                                                             session: SupervisorSession, province: Province,
                                                             tmp_path: Path):
    load_march(qtbot, page, session)
    path = tmp_path / "dashboard.csv"
    page.export_to(path)
    qtbot.waitUntil(lambda: path.name in page.status.text(), timeout=30_000)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM spreadsheets need for Vietnamese
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    header = rows[0]
    a = dict(zip(header, next(row for row in rows if row[0] == province.a), strict=True))
    assert a[_("Collected last month (VND)")] == "3731280"
    assert next(row for row in rows if row[0] == province.b)[1] == "'" + FORMULA_NAME


def test_an_ended_session_asks_for_the_password_again_then_the_dashboard_loads(
    qtbot: QtBot, page: DashboardPage, server: RunningServer, province: Province
):
    username = add_supervisor(server)
    load_march(qtbot, page, session_log_in(server.url, username, SUPERVISOR_PASSWORD))
    assert province.a in codes(page)
    server.execute(update(sessions).values(expires_at=datetime(2000, 1, 1, tzinfo=UTC)).where(
        sessions.c.supervisor_id == select(supervisors.c.id).where(supervisors.c.username == username)
        .scalar_subquery()))  # this supervisor's session is past the server's TTL

    page.refresh()
    qtbot.waitUntil(lambda: page._link.dialog is not None, timeout=30_000)
    dialog = page._link.dialog
    assert dialog.username_edit.text() == username and dialog.username_edit.isReadOnly()
    with qtbot.waitSignal(page.loaded, timeout=30_000):
        qtbot.keyClicks(dialog.password_edit, SUPERVISOR_PASSWORD)
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert province.a in codes(page) and ATTENTION not in page.status.styleSheet()
    assert page._link.session is not None and page._link.session.username == username


def test_a_session_not_renewed_or_an_unreachable_server_is_said_in_one_line(
    qtbot: QtBot, page: DashboardPage, server: RunningServer
):
    forged = SupervisorSession(server.url, "nobody", datetime.now(UTC), SyncClient(server.url, "sup_not-a-token"))
    page._link.start(forged)
    qtbot.waitUntil(lambda: page._link.dialog is not None, timeout=30_000)
    with qtbot.waitSignal(page.loaded, timeout=30_000):
        page._link.dialog.reject()  # the password not typed again
    assert page.status.text() == _("Your supervisor session has ended: sign in to the provincial server again.")
    assert ATTENTION in page.status.styleSheet() and page.model.rowCount() == 0

    unreachable = f"http://127.0.0.1:{free_port()}/api/v1"
    page._link.sign_out()
    with qtbot.waitSignal(page.loaded, timeout=60_000):
        page._link.start(SupervisorSession(unreachable, "nobody", datetime.now(UTC),
                                           SyncClient(unreachable, "sup_x", backoff=SUPERVISOR_BACKOFF)))
    assert page.status.text().startswith(str(ServerUnavailable(unreachable, "")).rstrip(": "))
    assert "\n" not in page.status.text() and page.model.rowCount() == 0


def test_the_dashboard_is_a_supervisors_page_hidden_until_one_signs_in(qtbot: QtBot, ctx: AppContext):
    from collector_app.ui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    row = window.pages.indexOf(window.dashboard_page)
    assert window.navigation.item(row).text() == "Toàn tỉnh"
    assert window.navigation.item(row).isHidden() and not window.dashboard_action.isEnabled()
    assert window.dashboard_action.shortcut().toString() == "Ctrl+Shift+D"
    # Signed in, it shows and Ctrl+Shift+D opens it (tests/ui/test_review_pages.py signs in for real).


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_window_with_the_dashboard_fits_1366_by_768_at_125_percent(qtbot: QtBot, ctx: AppContext, language: str):
    from collector_app import i18n
    from collector_app.ui.main_window import MainWindow

    previous = i18n.language()
    i18n.set_language(language)
    try:
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        window.pages.setCurrentWidget(window.dashboard_page)
        assert window.minimumSizeHint().width() <= 1093, window.minimumSizeHint()
    finally:
        i18n.set_language(previous)


def test_the_sort_list_offers_exactly_the_servers_orders():
    from collector_app.ui.pages.dashboard_page import SORTS
    from provincial_server.services.dashboard import SORT_KEYS

    assert sorted(key for key, _label in SORTS) == sorted(SORT_KEYS)


def test_tab_goes_through_every_control_to_the_table(page: DashboardPage):
    from PySide6.QtCore import Qt as QtCore

    wanted = [page.month, page.silent_only, page.sort, page.descending, page.refresh_button, page.xlsx_button,
              page.csv_button, page.table]
    chain, widget = [], page.month
    for _step in range(40):
        if widget in wanted and widget not in chain:
            chain.append(widget)
        widget = widget.nextInFocusChain()
    assert chain == wanted
    assert all(w.focusPolicy() & QtCore.FocusPolicy.TabFocus for w in wanted)
