"""Save a PNG of the main window: open a store, show a page (Find: type a query, choose a result), grab it.

    Xvfb :99 -screen 0 1280x800x24 -nolisten tcp &
    DISPLAY=:99 .venv/bin/python scripts/screenshot.py --store /tmp/demo.sqlite3 --demo 5000 \\
        --query "nguyen thi h" --out docs/find-page.png
    DISPLAY=:99 .venv/bin/python scripts/screenshot.py --store /tmp/demo.sqlite3 --page receipts \\
        --out docs/receipts-page.png
    DISPLAY=:99 .venv/bin/python scripts/screenshot.py --store /tmp/demo.sqlite3 --page today --pay-today 6 \\
        --size 1366x768 --lang en --out docs/screenshots/today-en.png
    DISPLAY=:99 .venv/bin/python scripts/screenshot.py --store /tmp/demo.sqlite3 --page settings \\
        --size 1366x768 --lang en --out docs/screenshots/settings-en.png
    DISPLAY=:99 .venv/bin/python scripts/screenshot.py --store /tmp/demo.sqlite3 --page household \\
        --query "nguyen mai quynh" --out docs/screenshots/household-vi.png

`--page household` opens the chosen result's household as Enter does. `--size screen` (the default)
fills the screen's available area in logical pixels, so that QT_SCALE_FACTOR=1.25 shows what a 125 %
Windows laptop shows.

`--demo N` first fills an empty store with N demo people; `--pay-today N` records N payments dated today
(voluntary SI and family HI, cash and transfer) and voids one, unless today already has payments. Works offscreen too (QT_QPA_PLATFORM).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication, QDialog

from collector_app import i18n
from collector_app.demo import fill_demo
from collector_app.domain.problems import DomainError
from collector_app.services.device import acting_user
from collector_app.services.payments import record_family_hi_payment, record_vsi_payment
from collector_app.services.receipts import void_receipt
from collector_app.store.db import Store, open_store
from collector_app.store.people import count_people
from collector_app.ui.app import create_application
from collector_app.domain.problems import Problem, ProblemCode
from collector_app.messages import message
from collector_app.services.device import device_of
from collector_app.services.users import create_first_user
from collector_app.store.users import User, all_users, has_signing_users
from collector_app.ui.context import AppContext, Session
from collector_app.ui.dialogs.sign_in_dialog import FirstUserDialog, SignInDialog, first_offered, point_line
from collector_app.ui.main_window import MainWindow
from collector_app.ui.tasks import TaskRunner

TIMEOUT_S = 30.0


DEMO_USER, DEMO_PASSWORD = "demo", "demo-2026"  # as scripts/run.sh makes them


def _demo_user(store: Store) -> User:
    """The store's demo user (made as run.sh makes it when the store has no user yet)."""
    if not has_signing_users(store):
        return create_first_user(store, username=DEMO_USER, full_name="Nguyễn Thị Thu (demo)",
                                 password=DEMO_PASSWORD).user
    return all_users(store)[0]


def _grab_dialog(app: QApplication, runner: TaskRunner, store: Store, options: argparse.Namespace) -> int:
    """The sign-in dialog as the window opens with it, or the first-user dialog of a new device."""
    if options.page == "first-user":
        dialog: QDialog = FirstUserDialog(runner)
    else:
        users = all_users(store)
        dialog = SignInDialog(runner, users, chosen=first_offered(users, device_of(store).default_user_id),
                              point=point_line(device_of(store)))
        dialog.password_edit.setText("sai mật khẩu")
        dialog._say(message(Problem(ProblemCode.SIGN_IN_FAILED, {"user": users[0].username, "left": 3,
                                                                 "minutes": 5})))
    dialog.show()
    _settle(app, seconds=0.5)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(options.out))
    print(options.out)
    runner.shutdown()
    store.close()
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--page", choices=("find", "household", "receipts", "today", "due", "settings", "sign-in", "first-user", "lock", "export"), default="find")
    parser.add_argument("--query", default="nguyen thi h")
    parser.add_argument("--row", type=int, default=0, help="which result to choose (0 = first)")
    parser.add_argument("--out", type=Path, default=Path("find-page.png"))
    parser.add_argument("--lang", choices=i18n.LANGUAGES, default=i18n.DEFAULT_LANGUAGE)
    parser.add_argument("--demo", type=int, metavar="N", help="fill an empty store with N demo people first")
    parser.add_argument("--size", default="screen", help="window size, WIDTHxHEIGHT, or 'screen'")
    parser.add_argument("--pay-today", type=int, default=0, metavar="N", help="record N payments dated today")
    options = parser.parse_args(argv[1:])
    i18n.set_language(options.lang)

    app = create_application(argv[:1])
    if options.size == "screen":
        available = app.primaryScreen().availableGeometry()
        width, height = available.width(), available.height()
    else:
        width, height = (int(part) for part in options.size.split("x"))
    store = open_store(options.store)
    if options.demo and count_people(store) == 0:
        fill_demo(store, people=options.demo, seed=1, on=date.today())
    if options.pay_today:
        _pay_today(store, options.pay_today)
    runner = TaskRunner(store)
    user = _demo_user(store)
    if options.page in ("sign-in", "first-user"):
        return _grab_dialog(app, runner, store, options)
    window = MainWindow(AppContext(store=store, runner=runner, language=options.lang, session=Session(user)))
    try:
        window.resize(width, height)
        window.show()
        if options.page in ("find", "household"):
            page = window.find_page
            window.find_action.trigger()  # the window opens on Today
            page.focus_search()
            page.search_box.setText(options.query)
            _wait_until(app, lambda: page.model.rowCount() > options.row and bool(window.people_label.text()))
            page.table.selectRow(options.row)
            page.table.setFocus()
            _wait_until(app, page.household.is_showing_household)
            if options.page == "household":
                loaded: list[object] = []
                page.household_page.household_loaded.connect(loaded.append)
                page.open_household(page.model.row(options.row).household_id,
                                    person_id=page.model.row(options.row).person_id)
                _wait_until(app, lambda: bool(loaded))
        elif options.page in ("today", "due"):
            today = window.today_page
            window.show_today_page()
            _wait_until(app, lambda: today.summary is not None and bool(window.people_label.text()))
            if options.page == "due":  # the list of people due, over the page
                dialog = today.open_due_list()
                _wait_until(app, lambda: dialog.model.rowCount() > 0)
                _wait_until(app, lambda: store.health.report is not None)
                _settle(app, seconds=0.3)
                options.out.parent.mkdir(parents=True, exist_ok=True)
                dialog.grab().save(str(options.out))
                print(options.out)
                return 0
        elif options.page == "export":  # the export dialog over the window, after exporting the payments
            from collector_app.ui.dialogs.export_dialog import open_export_dialog

            dialog = open_export_dialog(window._ctx, window)
            dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("payments"))
            done: list[object] = []
            dialog.exported.connect(done.append)
            dialog.export_button.click()
            _wait_until(app, lambda: bool(done))
            _settle(app, seconds=0.3)
            options.out.parent.mkdir(parents=True, exist_ok=True)
            dialog.grab().save(str(options.out))
            print(options.out)
            return 0
        elif options.page == "lock":
            window.lock()
            _wait_until(app, lambda: window.unlock_dialog is not None and window.unlock_dialog.isVisible())
        elif options.page == "settings":
            from collector_app.services.backups import back_up, list_store_backups

            if not list_store_backups(store.path):  # the Backups list shows one at least
                back_up(store)
            window.show_settings_page()
            settings = window.settings_page
            settings.load_backups()
            _wait_until(app, lambda: bool(settings.point_name_edit.text()) and settings.backups_table.rowCount() > 0)
        else:
            receipts = window.receipts_page
            window.navigation.setCurrentRow(window.pages.indexOf(receipts))
            _wait_until(app, lambda: receipts.model.rowCount() > options.row)
            receipts.table.selectRow(options.row)
        _wait_until(app, lambda: store.health.report is not None)  # the store check's banner, if any
        _settle(app, seconds=0.3)  # let the last repaint land
        options.out.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(options.out)):
            print(f"could not write {options.out}", file=sys.stderr)
            return 1
        print(options.out)
        return 0
    finally:
        window.close()
        runner.shutdown()
        store.close()


def _pay_today(store: Store, count: int) -> None:
    """`count` payments dated today through the services (a few by transfer), one of them voided."""
    today = date.today()
    reader = store.reader()
    if reader.execute("SELECT 1 FROM payments WHERE paid_on = ?", (today.isoformat(),)).fetchone():
        return
    collector = acting_user(store)
    people = [row[0] for row in reader.execute(
        "SELECT p.citizen_id FROM people AS p JOIN enrolments AS e ON e.person_id = p.id "
        "WHERE e.scheme = 'vsi' AND p.citizen_id IS NOT NULL ORDER BY p.search_rowid LIMIT 40")]
    households = [row[0] for row in reader.execute(
        "SELECT household_code FROM households WHERE household_code IS NOT NULL ORDER BY id LIMIT 40")]
    recorded: list[str] = []
    for number in range(count * 4):
        if len(recorded) == count:
            break
        method = "transfer" if number % 4 == 3 else "cash"
        try:
            if number % 3 == 2 and households:
                paid = record_family_hi_payment(store, household_code=households.pop(0), months=3, on=today,
                                                actor=collector, method=method)
            elif people:
                paid = record_vsi_payment(store, citizen_id=people.pop(0), monthly_income=2_200_000,
                                          months=(1, 3, 6)[number % 3], on=today, actor=collector, method=method)
            else:
                break
        except DomainError:
            continue  # months already paid, say: the next person
        recorded.append(paid.receipt_number)
    if len(recorded) > 1:
        void_receipt(store, recorded[1], reason="Ghi sai mức thu nhập", actor=collector)


def _wait_until(app: QApplication, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def _settle(app: QApplication, *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
