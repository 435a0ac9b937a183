"""Save PNGs of the payment dialogs (voluntary SI, family HI, the confirm step) in Vietnamese and English.

    Xvfb :95 -screen 0 1366x768x24 -nolisten tcp &
    DISPLAY=:95 .venv/bin/python scripts/screenshot_payments.py --out docs/screenshots

Builds a throw-away store with one household of four in Hà Nội (the head enrolled in voluntary SI as
near-poor), opens each dialog on a 1366×768 screen as a collector would and grabs it. Works offscreen
too (QT_QPA_PLATFORM=offscreen).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication, QWidget

from collector_app import i18n
from collector_app.domain.enrolments import NewEnrolment, Scheme
from collector_app.domain.people import NewHousehold, NewPerson, Sex, SupportGroup
from collector_app.services.device import set_up
from collector_app.store.db import open_store
from collector_app.store.people import get_household
from collector_app.store.registration import add_enrolments, add_households
from collector_app.ui.app import create_application, use_language
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.collect_hi_dialog import CollectHiDialog
from collector_app.ui.dialogs.collect_vsi_dialog import CollectVsiDialog
from collector_app.ui.tasks import TaskRunner

TIMEOUT_S = 30.0
ON = date(2026, 8, 3)
HOUSEHOLD = NewHousehold(
    household_code="0101000123",
    address="12 phố Hàng Bông",
    commune_code="00070",
    province_code="01",
    members=(
        NewPerson("Nguyễn Văn An", date(1975, 4, 2), Sex.MALE, "001075004321", None, "0912345678"),
        NewPerson("Đặng Thị Hằng", date(1978, 11, 20), Sex.FEMALE, "001178012345", None, "0987654321"),
        NewPerson("Nguyễn Minh Khôi", date(2005, 1, 9), Sex.MALE, "001205006789"),
        NewPerson("Nguyễn Thị Lan", date(2010, 6, 30), Sex.FEMALE, "001310001234"),
    ),
)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    options = parser.parse_args(argv[1:])
    app = create_application(argv[:1])
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "collector.sqlite3")
        set_up(store)
        [household_id] = add_households(store, [HOUSEHOLD], actor="demo")
        head = get_household(store, household_id).members[0]
        add_enrolments(store, [NewEnrolment(head.person_id, Scheme.VSI, date(2026, 1, 1),
                                            SupportGroup.NEAR_POOR, 2_000_000)], actor="demo")
        runner = TaskRunner(store)
        try:
            for language in i18n.LANGUAGES:
                use_language(app, language)
                ctx = AppContext(store=store, runner=runner, language=language)
                screen = QWidget()  # stands for the main window: the dialogs centre on it
                screen.resize(1366, 768)
                vsi = CollectVsiDialog(ctx, head.person_id, on=ON, parent=screen)
                _grab(app, vsi, lambda d=vsi: d.plan is not None, options.out / f"collect-vsi-{language}.png")
                vsi.go_to_confirm()
                vsi.confirm.handed_edit.set_value(1_500_000)
                _grab(app, vsi, lambda: True, options.out / f"collect-confirm-{language}.png")
                vsi.go_to_form()
                vsi.income_edit.set_value(1_200_000)
                _grab(app, vsi, lambda d=vsi: d.plan is None, options.out / f"collect-vsi-refused-{language}.png")
                vsi.close()
                hi = CollectHiDialog(ctx, household_id, on=ON, parent=screen)
                _grab(app, hi, lambda d=hi: d.plan is not None, options.out / f"collect-hi-{language}.png")
                hi.close()
                screen.deleteLater()
        finally:
            runner.shutdown()
            store.close()
    return 0


def _grab(app: QApplication, dialog: QWidget, ready: Callable[[], bool], path: Path | None) -> None:
    dialog.show()
    deadline = time.monotonic() + TIMEOUT_S
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError("the dialog did not get there in time")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    settle = time.monotonic() + 0.3
    while time.monotonic() < settle:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if not dialog.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    print(path)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
