"""Save PNGs of the Visit rounds page and of the dialog that makes a round from the Due page (Vietnamese and
English, at 1366×768), and of a round's A4 visit list.

    Xvfb :95 -screen 0 1366x768x24 -nolisten tcp &
    DISPLAY=:95 PYTHONPATH=scripts .venv/bin/python scripts/screenshot_rounds.py --out docs/screenshots

The Due page's store (`screenshot_due.py`: four households in two villages of Đà Nẵng), with two
collaborators: a round of every household due on 23/11/2026 for one, two households visited and one
head's voluntary SI renewed the next day; a round of one village for the other. Works offscreen too.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import QWidget

from collector_app import i18n
from collector_app.domain.payments import Role
from collector_app.services import rounds
from collector_app.services.device import acting_user, set_up
from collector_app.services.due import due_list
from collector_app.services.payments import record_vsi_payment
from collector_app.services.users import hash_password
from collector_app.store.accounts import add_user
from collector_app.store.db import open_store
from collector_app.store.registration import add_households
from collector_app.ui.app import create_application, use_language
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.make_round_dialog import MakeRoundDialog
from collector_app.ui.pages.rounds_page import RoundsPage
from collector_app.ui.printing import default_print_preferences
from collector_app.ui.tasks import TaskRunner
from screenshot_due import HOUSEHOLDS, ON, _pay
from screenshot_payments import _grab


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    options = parser.parse_args(argv[1:])
    app = create_application(argv[:1])
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "collector.sqlite3")
        set_up(store, point_code="DA07", point_name="Điểm thu phường Hải Châu")
        add_households(store, HOUSEHOLDS, actor="demo")
        _pay(store)
        for username, name in (("ctv.lan", "Phạm Thị Lan"), ("ctv.minh", "Trần Văn Minh")):
            add_user(store, username=username, full_name=name, role=Role.COLLABORATOR, actor="demo",
                     password_hash=hash_password(f"mật khẩu của {username} 2026"))
        actor = acting_user(store)
        report = due_list(store, on=ON)
        first = rounds.make_round(store, report.households, collaborator="ctv.lan", made_on=ON, actor=actor)
        rounds.make_round(store, [h for h in report.households if h.address == "Thôn Phú Sơn"],
                          collaborator="ctv.minh", made_on=ON, actor=actor)
        lan = acting_user(store, "ctv.lan")
        for household, outcome in (("4800000001", "paid"), ("4800000003", "not_at_home"),
                                   ("4800000002", "will_pay_later")):
            rounds.visit(store, first.header, household=household, outcome=outcome, actor=lan)
        record_vsi_payment(store, citizen_id="048080012345", monthly_income=2_000_000, months=1,
                           on=date(2026, 11, 24), period_from=date(2026, 12, 1), actor=lan, today=date(2026, 11, 24))
        runner = TaskRunner(store)
        try:
            for language in i18n.LANGUAGES:
                use_language(app, language)
                ctx = AppContext(store=store, runner=runner, language=language)
                page = RoundsPage(ctx, default_print_preferences())
                page.resize(1166, 700)  # the window's page area at 1366 x 768, beside the navigation
                page.rounds_table.selectRow(1)
                _grab(app, page, lambda p=page: p.detail is not None and p.rounds_model.rowCount() == 2,
                      None)
                page.rounds_table.selectRow(1)  # the older round, of every household due
                _grab(app, page, lambda p=page: p.detail is not None and p.detail.progress.header.number == 1,
                      options.out / f"rounds-{language}.png")
                page.close()
                screen = QWidget()
                screen.resize(1366, 768)
                chosen = report.households[:2]  # two households selected on the Due page
                dialog = MakeRoundDialog(ctx, report.households, chosen, on=ON, parent=screen)
                dialog.load()
                _grab(app, dialog, dialog.make_button.isEnabled, options.out / f"make-round-{language}.png")
                dialog.close()
                screen.deleteLater()
                pdf = Path(folder) / "round.pdf"
                pdf.write_bytes(rounds.round_pdf(first.header, first.households, point=rounds.point_label(store)))
                png = options.out / f"round-{language}"
                subprocess.run(["pdftoppm", "-r", "90", "-png", "-singlefile", str(pdf), str(png)], check=True)
                print(f"{png}.png")
        finally:
            runner.shutdown()
            store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
