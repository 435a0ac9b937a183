"""Save PNGs of the Due page and of a renewal form opened from it (family HI naming the new base salary) at
1366×768, in Vietnamese and English (the visit rounds made from it: `screenshot_rounds.py`).

    Xvfb :95 -screen 0 1366x768x24 -nolisten tcp &
    DISPLAY=:95 .venv/bin/python scripts/screenshot_due.py --out docs/screenshots

Builds a throw-away store of four households in two villages of Đà Nẵng with payments made over the
last year, so that on 23/11/2026 some are due, one voluntary SI participant is overdue and one
household's cards have lapsed. Works offscreen too (QT_QPA_PLATFORM=offscreen).

With --store FILE (the 1,000,000-person store of benchmarks/field.py), only the Due page of that
store, as due-1m-LANG.png: the whole list's figures over its first households.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import QWidget

from collector_app import i18n
from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.services.device import acting_user, set_up
from collector_app.services.due import DueEntry, proposal
from collector_app.services.payments import record_family_hi_payment, record_vsi_payment
from collector_app.store.db import open_store
from collector_app.store.registration import add_households
from collector_app.ui.app import create_application, use_language
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.collect_hi_dialog import CollectHiDialog
from collector_app.ui.pages.due_page import DuePage
from collector_app.ui.tasks import TaskRunner
from screenshot_payments import _grab

ON = date(2026, 11, 23)


def _household(code: str, address: str, *members: tuple[str, date, Sex, str, str | None]) -> NewHousehold:
    return NewHousehold(code, address, "20242", "48", tuple(
        NewPerson(name, born, sex, citizen_id, None, phone) for name, born, sex, citizen_id, phone in members))


HOUSEHOLDS = [
    _household("4800000001", "Thôn An Hải", ("Đặng Văn Hùng", date(1980, 3, 4), Sex.MALE, "048080012345", "0912345678"),
               ("Lê Thị Hằng", date(1982, 5, 6), Sex.FEMALE, "048182012345", "0987654321")),
    _household("4800000003", "Thôn An Hải", ("Lê Văn Tâm", date(1979, 9, 9), Sex.MALE, "048079004444", "0905123456")),
    _household("4800000002", "Thôn Phú Sơn", ("Trần Văn Bình", date(1975, 1, 2), Sex.MALE, "048075000111", None),
               ("Phạm Thị Mai", date(1976, 7, 8), Sex.FEMALE, "048176000222", "0934555666")),
    _household("4800000004", "Thôn Phú Sơn", ("Võ Thị Lan", date(1985, 12, 1), Sex.FEMALE, "048185007777", "0978111222"),
               ("Phạm Văn Đức", date(2008, 4, 15), Sex.MALE, "048208008888", None)),
]


def _pay(store) -> None:  # type: ignore[no-untyped-def]
    actor = acting_user(store)

    def vsi(citizen_id: str, on: date, months: int) -> None:
        record_vsi_payment(store, citizen_id=citizen_id, monthly_income=2_000_000, months=months, on=on,
                           period_from=on.replace(day=1), actor=actor, today=on)

    def hi(code: str, on: date, months: int) -> None:
        record_family_hi_payment(store, household_code=code, months=months, on=on, actor=actor, today=on)

    hi("4800000001", date(2025, 11, 20), 12)  # card to 19/12/2026, priced at the old base salary
    vsi("048080012345", date(2026, 11, 2), 1)
    vsi("048079004444", date(2026, 9, 1), 3)
    hi("4800000002", date(2026, 3, 1), 3)  # card ended 29/06/2026: lapsed
    vsi("048075000111", date(2026, 8, 3), 1)  # window closed 30/09/2026: overdue
    hi("4800000004", date(2026, 5, 1), 6)  # card to 29/11/2026


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--store", type=Path, help="an existing store: only its Due page, as due-1m-LANG.png")
    options = parser.parse_args(argv[1:])
    app = create_application(argv[:1])
    if options.store is not None:
        return _large(app, options.store, options.out)
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "collector.sqlite3")
        set_up(store)
        add_households(store, HOUSEHOLDS, actor="demo")
        _pay(store)
        runner = TaskRunner(store)
        try:
            for language in i18n.LANGUAGES:
                use_language(app, language)
                ctx = AppContext(store=store, runner=runner, language=language)
                page = DuePage(ctx, today=lambda: ON)
                page.resize(1366, 768)
                _grab(app, page, lambda p=page: p.report is not None, options.out / f"due-{language}.png")
                report = page.report
                assert report is not None
                entry = next(e for e in report.entries if e.household_code == "4800000001"
                             and e.scheme.value == "family_hi")
                assert isinstance(entry, DueEntry)
                screen = QWidget()
                screen.resize(1366, 768)
                form = CollectHiDialog(ctx, entry.household_id, on=ON, proposal=proposal(report, entry), parent=screen)
                _grab(app, form, lambda d=form: d.plan is not None, options.out / f"renewal-hi-{language}.png")
                form.close()
                page.close()
                screen.deleteLater()
        finally:
            runner.shutdown()
            store.close()
    return 0


def _large(app, path: Path, out: Path) -> int:  # type: ignore[no-untyped-def]
    store = open_store(path)
    runner = TaskRunner(store)
    try:
        for language in i18n.LANGUAGES:
            use_language(app, language)
            page = DuePage(AppContext(store=store, runner=runner, language=language), today=lambda: ON)
            page.resize(1366, 768)
            _grab(app, page, lambda p=page: p.report is not None and not p._fetching, out / f"due-1m-{language}.png")
            page.close()
    finally:
        runner.shutdown()
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
