"""Save PNGs of the Close the day dialog and the Hand-overs page (Vietnamese and English), and of the day's
report PDF.

    Xvfb :95 -screen 0 1366x768x24 -nolisten tcp &
    DISPLAY=:95 .venv/bin/python scripts/screenshot_closing.py --out docs/screenshots

Builds a throw-away store with one household of four in Hà Nội, records a day of payments (three
voluntary SI in cash, the household's family HI by transfer) and two collaborators' payments of
other days, one of them handed over; opens the dialog with a count that is short and a reason and
the page, then closes the day and renders its report (pdftoppm). Works offscreen too.
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
from collector_app.domain.closing import parse_count
from collector_app.domain.payments import Role
from collector_app.services.closing import close_day, day_report_pdf, record_handover
from collector_app.services.device import acting_user, set_up
from collector_app.services.payments import record_family_hi_payment, record_vsi_payment
from collector_app.store.accounts import add_user
from collector_app.store.db import open_store
from collector_app.store.registration import add_households
from collector_app.ui.app import create_application, use_language
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.close_day_dialog import CloseDayDialog
from collector_app.ui.pages.handovers_page import HandoversPage
from collector_app.ui.printing import default_print_preferences
from collector_app.ui.tasks import TaskRunner

sys.path.insert(0, str(Path(__file__).parent))
from screenshot_payments import HOUSEHOLD, _grab  # noqa: E402  (the same household, the same grab)

ON = date(2026, 8, 3)
COUNT = {500_000: 1, 100_000: 1, 50_000: 1, 20_000: 2}  # 690.000 đ against 693.000 đ of receipts
REASON = "Thối nhầm 3.000 đ cho người nộp, đã liên hệ để nhận lại"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    options = parser.parse_args(argv[1:])
    app = create_application(argv[:1])
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "collector.sqlite3")
        set_up(store)
        add_households(store, [HOUSEHOLD], actor="demo")
        user = acting_user(store)
        for member in HOUSEHOLD.members[:3]:
            record_vsi_payment(store, citizen_id=member.citizen_id, monthly_income=1_500_000, months=1, on=ON,
                               actor=user, group="other")
        record_family_hi_payment(store, household_code=HOUSEHOLD.household_code, months=12, on=ON, actor=user,
                                 method="transfer")
        lan = add_user(store, username="ctv.lan", full_name="Phạm Thị Lan", role=Role.COLLABORATOR, actor="demo")
        minh = add_user(store, username="ctv.minh", full_name="Trần Văn Minh", role=Role.COLLABORATOR, actor="demo")
        record_vsi_payment(store, citizen_id=HOUSEHOLD.members[3].citizen_id, monthly_income=1_500_000, months=1,
                           on=date(2026, 7, 28), actor=lan, group="other")
        record_vsi_payment(store, citizen_id=HOUSEHOLD.members[0].citizen_id, monthly_income=1_500_000, months=1,
                           on=date(2026, 9, 1), actor=lan, group="other")
        record_vsi_payment(store, citizen_id=HOUSEHOLD.members[1].citizen_id, monthly_income=2_000_000, months=1,
                           on=date(2026, 9, 2), actor=minh, group="other")
        record_handover(store, collaborator="ctv.lan", receipts=None, until=date(2026, 7, 31), amount=None,
                        reason=None, actor=user)
        runner = TaskRunner(store)
        preferences = default_print_preferences()
        try:
            for language in i18n.LANGUAGES:
                use_language(app, language)
                screen = QWidget()
                screen.resize(1366, 768)
                dialog = CloseDayDialog(runner, actor=lambda: user, on=ON, preferences=preferences, parent=screen)
                dialog.load()
                _grab(app, dialog, dialog.close_button.isEnabled, None)
                for value, notes in COUNT.items():
                    dialog.counts[value].setValue(notes)
                dialog.reason.setText(REASON)
                _grab(app, dialog, lambda: True, options.out / f"close-day-{language}.png")
                dialog.close()
                page = HandoversPage(AppContext(store=store, runner=runner, language=language))
                page.resize(1166, 700)  # the window's page area at 1366 x 768, beside the navigation
                page.show()
                _grab(app, page, lambda p=page: p.model.rowCount() == 2, options.out / f"handovers-{language}.png")
                page.close()
                screen.deleteLater()
        finally:
            runner.shutdown()
        close_day(store, actor=user, on=ON, today=date.today(),
                  count=parse_count(",".join(f"{v}={n}" for v, n in COUNT.items())), reason=REASON)
        pdf = Path(folder) / "day.pdf"
        pdf.write_bytes(day_report_pdf(store, actor=user, on=ON))
        store.close()
        subprocess.run(["pdftoppm", "-r", "90", "-png", "-singlefile", str(pdf), str(options.out / "day-report")],
                       check=True)
        print(options.out / "day-report.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
