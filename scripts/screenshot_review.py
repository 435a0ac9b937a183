"""Screenshots of what issue 10's review changed: the Receipts page, the Sync page and Help > Keyboard
shortcuts at 1366x768 in one language, or the receipt preview at 125 %; and the receipt PNGs.

    Xvfb :93 -screen 0 1366x768x24 -nolisten tcp &
    DISPLAY=:93 .venv/bin/python scripts/screenshot_review.py --store /tmp/review.sqlite3 --lang vi
    DISPLAY=:93 .venv/bin/python scripts/screenshot_review.py --store /tmp/review.sqlite3 --lang en
    DISPLAY=:93 QT_SCALE_FACTOR=1.25 .venv/bin/python scripts/screenshot_review.py --store /tmp/review.sqlite3 --preview
    .venv/bin/python scripts/screenshot_review.py --receipts      # receipt-a5.png, receipt-roll80.png (pdftoppm)

The store is filled with demo people and a day of payments (today's) the first time.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEventLoop
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from collector_app import i18n
from collector_app.demo import fill_demo
from collector_app.receipts import samples
from collector_app.receipts.render import Layout, render_receipt
from collector_app.store.db import Store, open_store
from collector_app.store.people import count_people

TIMEOUT_S = 60.0
OUT = Path("docs/screenshots")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path)
    parser.add_argument("--lang", choices=i18n.LANGUAGES, default=i18n.DEFAULT_LANGUAGE)
    parser.add_argument("--preview", action="store_true", help="the receipt preview only (run with QT_SCALE_FACTOR=1.25)")
    parser.add_argument("--receipts", action="store_true", help="the receipt PNGs only")
    parser.add_argument("--out", type=Path, default=OUT)
    options = parser.parse_args(argv[1:])
    options.out.mkdir(parents=True, exist_ok=True)
    if options.receipts:
        return _receipts(options.out)
    i18n.set_language(options.lang)

    from collector_app.ui.app import create_application
    from collector_app.ui.context import AppContext
    from collector_app.ui.main_window import MainWindow
    from collector_app.ui.tasks import TaskRunner

    app = create_application(argv[:1])
    store = open_store(options.store)
    _fill(store)
    runner = TaskRunner(store)
    window = MainWindow(AppContext(store=store, runner=runner, language=options.lang))
    try:
        window.resize(app.primaryScreen().availableGeometry().size())
        window.show()
        _wait_until(app, lambda: store.health.report is not None and bool(window.people_label.text()))
        page = window.receipts_page
        if options.preview:
            window.show_receipts_page()
            _wait_until(app, lambda: page.model.rowCount() > 0)
            page.table.selectRow(0)
            opened: list[QWidget] = []
            window.receipt_printer.preview_opened.connect(opened.append)
            page.preview_action.trigger()
            _wait_until(app, lambda: bool(opened))
            _settle(app, 1.0)
            return _save(opened[0].grab(), options.out / "preview-125.png")
        window.show_receipts_page()
        _wait_until(app, lambda: page.model.rowCount() > 0)
        page.filter_box.clear()
        page.table.setFocus()
        page.table.selectRow(1)
        _settle(app, 0.5)
        _save(window.grab(), options.out / f"receipts-{options.lang}.png")
        window.show_sync_page()
        _settle(app, 1.0)
        _save(window.grab(), options.out / f"sync-{options.lang}.png")
        window.show_receipts_page()
        dialog = window.show_shortcuts()
        _settle(app, 0.5)
        screen = QGuiApplication.primaryScreen()
        _save(screen.grabWindow(0), options.out / f"shortcuts-{options.lang}.png")
        dialog.close()
        return 0
    finally:
        window.close()
        runner.shutdown()
        store.close()


def _fill(store: Store) -> None:
    if count_people(store):
        return
    from collector_app.services.device import acting_user
    from collector_app.services.payments import record_family_hi_payment, record_vsi_payment
    from collector_app.services.receipts import void_receipt

    today = date.today()
    fill_demo(store, people=3000, seed=1, on=today)
    actor = acting_user(store)
    with store.read() as connection:
        heads = connection.exec_driver_sql(
            "SELECT h.household_code, p.citizen_id, p.date_of_birth FROM households AS h "
            "JOIN people AS p ON p.household_id = h.id WHERE h.household_code IS NOT NULL "
            "AND p.citizen_id IS NOT NULL ORDER BY h.household_code LIMIT 60").all()
    paid = 0
    for number, (code, citizen_id, born) in enumerate(heads):
        try:
            if number % 3 == 0:
                record_family_hi_payment(store, household_code=code, months=12, on=today, actor=actor,
                                         method="transfer" if number % 2 else "cash")
            else:
                receipt = record_vsi_payment(store, citizen_id=citizen_id, monthly_income=2_500_000 + number * 50_000,
                                             months=6, on=today, actor=actor).receipt_number
                if number == 4:
                    void_receipt(store, receipt, reason="Ghi sai số tháng", actor=actor)
            paid += 1
        except Exception:  # noqa: BLE001 - a demo person the rules refuse (already paid, age): skip
            continue
        if paid >= 12:
            break


def _receipts(out: Path) -> int:
    with tempfile.TemporaryDirectory() as folder:
        for layout in Layout:
            pdf = Path(folder) / f"{layout.value}.pdf"
            pdf.write_bytes(render_receipt(samples.vsi_receipt(local_support=120_000), layout))
            subprocess.run(["pdftoppm", "-png", "-r", "110", "-singlefile", str(pdf),
                            str(out / f"receipt-{layout.value}")], check=True)
            print(out / f"receipt-{layout.value}.png")
    return 0


def _save(image, path: Path) -> int:  # noqa: ANN001 - a QPixmap
    if not image.save(str(path)):
        print(f"could not write {path}", file=sys.stderr)
        return 1
    print(path)
    return 0


def _wait_until(app: QApplication, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def _settle(app: QApplication, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
