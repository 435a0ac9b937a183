"""Save PNGs of supervisor mode: the sign-in to the provincial server, the Batches page, and a batch with the
reject dialog open. Starts a provincial server of its own (SQLite in a temporary folder) holding a dozen
points and a year of batches (`benchmarks/review.py`'s loader), signs in to it as a supervisor would.

    Xvfb :77 -screen 0 1366x768x24 -nolisten tcp &
    DISPLAY=:77 .venv/bin/python scripts/screenshot_supervisor.py --store /tmp/demo.sqlite3 --lang en \\
        --out docs/screenshots
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "benchmarks")]

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from review import PASSWORD, load  # noqa: E402
from screenshot import _demo_user, _settle, _wait_until  # noqa: E402
from server_kit import admin, running_server  # noqa: E402

from collector_app import i18n  # noqa: E402
from collector_app.demo import fill_demo  # noqa: E402
from collector_app.store.db import open_store  # noqa: E402
from collector_app.store.people import count_people  # noqa: E402
from collector_app.ui.app import create_application  # noqa: E402
from collector_app.ui.context import AppContext, Session  # noqa: E402
from collector_app.ui.main_window import MainWindow  # noqa: E402
from collector_app.ui.tasks import TaskRunner  # noqa: E402

WIDTH, HEIGHT = 1366, 768


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--lang", choices=i18n.LANGUAGES, default=i18n.DEFAULT_LANGUAGE)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    options = parser.parse_args(argv[1:])
    i18n.set_language(options.lang)
    app = create_application(argv[:1])
    store = open_store(options.store)
    if count_people(store) == 0:
        fill_demo(store, people=300, seed=1, on=date.today())
    runner = TaskRunner(store)
    user = _demo_user(store)
    options.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="supervisor-shots-") as folder:
        url = f"sqlite:///{folder}/server.sqlite3"
        admin(url, "migrate")
        load(url, points=12, records=3000)
        add_closings(url)
        with running_server(url) as server:
            window = MainWindow(AppContext(store=store, runner=runner, language=options.lang, session=Session(user)))
            try:
                window.resize(WIDTH, HEIGHT)
                window.move(0, 0)  # the reject dialog's picture is of the screen
                window.show()
                shoot(app, window, server.url.removesuffix("/api/v1"), options)
            finally:
                window.supervisor_link.sign_out()
                window.close()
                runner.shutdown()
                store.close()
    return 0


def shoot(app: QApplication, window: MainWindow, server_url: str, options: argparse.Namespace) -> None:
    suffix = f"-{options.lang}.png"
    dialog = window.supervisor_link.sign_in()
    dialog.server_edit.setText(server_url)
    dialog.username_edit.setText("bench")
    dialog.password_edit.setText(PASSWORD)
    dialog.password_edit.setFocus()
    _settle(app, seconds=0.3)
    save(dialog.grab(), options.out / f"supervisor-sign-in{suffix}")
    dialog.sign_in_button.click()
    _wait_until(app, lambda: window.supervisor is not None)

    batches = window.review_page.batches_page
    _wait_until(app, lambda: batches.model.total is not None and batches.model.rowCount() > 0)
    batches.province_combo.setCurrentIndex(batches.province_combo.findData("01"))
    _wait_until(app, lambda: batches.model.total is not None and batches.model.rowCount() > 0)
    batches.focus_list()
    _settle(app, seconds=0.5)
    save(window.grab(), options.out / f"review-batches{suffix}")

    batches.state_combo.setCurrentIndex(batches.state_combo.findData("partly"))
    _wait_until(app, lambda: batches.model.total is not None and batches.model.rowCount() > 0)
    batch = window.review_page.batch_page
    batches.batch_opened.emit(batches.model.row(0).batch_id)
    _wait_until(app, lambda: batch.records_model.rowCount() > 0)
    pending = next(n for n in range(batch.records_model.rowCount()) if batch.records_model.row(n).review == "pending")
    batch.records_table.selectRow(pending)
    _wait_until(app, lambda: batch.history_model.rowCount() > 0)
    batch.reject_current()
    reject = batch.reject_dialog
    assert reject is not None
    _wait_until(app, reject.isVisible)
    reject.reason_list.setCurrentRow(3)
    reject.note_edit.setText("thiếu bản sao CCCD" if options.lang == "vi" else "no copy of the citizen ID card")
    reject.move(window.geometry().center() - reject.rect().center())
    _settle(app, seconds=0.5)
    screen = QGuiApplication.primaryScreen()
    save(screen.grabWindow(0, 0, 0, WIDTH, HEIGHT), options.out / f"review-batch-reject{suffix}")
    reject.reject()
    _settle(app, seconds=0.2)
    batch.records_table.setFocus(Qt.FocusReason.OtherFocusReason)
    save(window.grab(), options.out / f"review-batch{suffix}")

    days = window.days_page
    window.navigation.setCurrentRow(window.pages.indexOf(days))
    _wait_until(app, lambda: days.model.rowCount() > 0)
    days.table.selectRow(0)
    _settle(app, seconds=0.5)
    save(window.grab(), options.out / f"closed-days{suffix}")

    targets = window.open_targets()
    targets.year_spin.setValue(2026)
    targets.point_edit.setText("P0001")
    targets.show_targets()
    _wait_until(app, lambda: "2026" in targets.status.text())
    targets.scheme_combo.setCurrentIndex(targets.scheme_combo.findData("family_hi"))
    targets.participants_spin.setValue(480)
    targets.amount_edit.set_value(350_000_000)
    targets.save()
    _wait_until(app, lambda: targets.model.rowCount() > 0)
    targets.move(window.geometry().center() - targets.rect().center())
    _settle(app, seconds=0.5)
    save(QGuiApplication.primaryScreen().grabWindow(0, 0, 0, WIDTH, HEIGHT), options.out / f"targets{suffix}")
    targets.close()


def add_closings(database_url: str, count: int = 14) -> None:
    """Closings of the latest days the loaded devices took cash on, as devices send them: most match the
    server's ledger, one counted short with a reason, one whose device expected a receipt the server lacks."""
    import json
    import uuid

    from sqlalchemy import create_engine, func, select

    from provincial_server.store.schema import batch_records, batches, payments

    engine = create_engine(database_url)
    with engine.begin() as connection:
        latest = connection.execute(
            select(payments.c.device_id, payments.c.paid_on, func.max(payments.c.batch_id))
            .group_by(payments.c.device_id, payments.c.paid_on)
            .order_by(payments.c.paid_on.desc()).limit(count)).all()
        for number, (device_id, paid_on, batch_id) in enumerate(latest):
            cash = collector = None
            for (text,) in connection.execute(
                    select(batch_records.c.payload).join(payments, payments.c.record_id == batch_records.c.record_id)
                    .where(payments.c.device_id == device_id, payments.c.paid_on == paid_on)):
                paid = json.loads(text)
                if paid["method"] == "cash":
                    collector = paid["collector"]
                    cash = (cash or 0) + paid["amount"]
            if cash is None:
                continue
            expected = cash + (50_000 if number == 3 else 0)  # a receipt that has not reached the server
            counted = expected - (20_000 if number == 1 else 0)
            start = datetime.combine(paid_on, datetime.min.time(), UTC) - timedelta(hours=7)
            payload = {
                "id": str(uuid.uuid4()), "closed_on": paid_on.isoformat(),
                "day_start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "day_end": (start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"), "collector": collector,
                "expected_cash": expected, "counted_cash": counted, "difference": counted - expected,
                "transfers": 0, "counts": {}, "reason": "Thiếu tiền lẻ, đã báo" if counted != expected else "",
                "closed_at": (start + timedelta(hours=17)).strftime("%Y-%m-%dT%H:%M:%SZ"), "device_id": device_id}
            position = connection.execute(select(func.max(batch_records.c.position))
                                          .where(batch_records.c.batch_id == batch_id)).scalar_one() + 1
            connection.execute(batch_records.insert().values(
                batch_id=batch_id, position=position, record_id=payload["id"], kind="day_close", status="accepted",
                digest="0" * 64, payload=json.dumps(payload), review=None))
            connection.execute(batches.update().where(batches.c.batch_id == batch_id)
                               .values(record_count=batches.c.record_count + 1))
    engine.dispose()


def save(picture: object, path: Path) -> None:
    if not picture.save(str(path)):  # type: ignore[attr-defined]
        raise SystemExit(f"could not write {path}")
    print(path)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
