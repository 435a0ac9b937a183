"""Screenshots of the New household form, a member with a possible duplicate, and Edit person details.

    DISPLAY=:96 .venv/bin/python scripts/screenshot_register.py --lang vi --out docs/screenshots

Writes register-<lang>.png, duplicate-<lang>.png and edit-person-<lang>.png, each dialog at the size it
opens with on a 1366x768 screen (the script says when a dialog would not fit).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication

from collector_app import i18n
from collector_app.domain.people import NewHousehold, NewPerson, Relationship, Sex
from collector_app.services.device import acting_user, set_up
from collector_app.services.registration import HouseholdDraft, correct_person, register_household
from collector_app.store.db import open_store
from collector_app.store.registration import add_households
from collector_app.ui.app import create_application
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.edit_person_dialog import EditPersonDialog
from collector_app.ui.dialogs.household_form import HouseholdForm
from collector_app.ui.tasks import TaskRunner

SCREEN = (1366, 768)


def settle(app: QApplication, seconds: float = 0.6) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def save(app: QApplication, dialog, path: Path) -> None:
    settle(app)
    size = dialog.size()
    if size.width() > SCREEN[0] or size.height() > SCREEN[1] - 40:
        print(f"{path.name}: {size.width()}x{size.height()} does not fit {SCREEN}", file=sys.stderr)
    dialog.grab().save(str(path))
    print(path, f"{size.width()}x{size.height()}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lang", choices=i18n.LANGUAGES, default="vi")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    options = parser.parse_args(argv[1:])
    i18n.set_language(options.lang)
    app = create_application(argv[:1])
    folder = tempfile.TemporaryDirectory()
    store = open_store(Path(folder.name) / "store.sqlite3")
    set_up(store)
    add_households(store, [NewHousehold("0101000123", "12 phố Hàng Bông", "00070", "01", (
        NewPerson("Nguyễn Văn An", date(1975, 4, 2), Sex.MALE, "001075004321", None, "0912345678"),
        NewPerson("Đặng Thị Hằng", date(1978, 11, 20), Sex.FEMALE, "001178012345")))], actor="demo")
    runner = TaskRunner(store)
    ctx = AppContext(store=store, runner=runner, language=options.lang)
    options.out.mkdir(parents=True, exist_ok=True)
    try:
        form = HouseholdForm(ctx)
        form.show()
        form.province_combo.setEditText("Thành phố Hà Nội")
        form.commune_combo.setEditText("Phường Hoàn Kiếm")
        form.address_edit.setText("5 ngõ Huế")
        member = form.member_form
        for name, dob, sex, cid, phone in (("Trần Văn Phúc", "02/04/1975", 1, "001075009876", "0912 000 111"),):
            member.name_edit.setText(name)
            member.dob_edit.setText(dob)
            member.sex_combo.setCurrentIndex(sex)
            member.citizen_id_edit.setText(cid)
            member.phone_edit.setText(phone)
            settle(app)
            form._on_add_clicked()
        member.name_edit.setText("Đặng Thị Hằng")
        member.dob_edit.setText("20/11/1978")
        member.sex_combo.setCurrentIndex(2)
        member.citizen_id_edit.setText("001178")
        settle(app, 1.0)
        save(app, form, options.out / f"duplicate-{options.lang}.png")
        member.name_edit.setText("Trần Minh An")
        member.dob_edit.setText("01/06/2008")
        member.sex_combo.setCurrentIndex(1)
        member.citizen_id_edit.setText("001208123456")
        settle(app, 1.0)
        save(app, form, options.out / f"register-{options.lang}.png")
        form.close()

        user = acting_user(store)
        registered = register_household(store, actor=user, members=[NewPerson(
            "Trần Văn Phúc", date(1975, 4, 2), Sex.MALE, "001075009876", phone="0912000111",
            relationship=Relationship.HEAD)], household=HouseholdDraft("01", "00070", "5 ngõ Huế"))
        person_id = registered.person_ids[0]
        correct_person(store, actor=user, person_id=person_id, changes={"phone": "0987111222"})
        correct_person(store, actor=user, person_id=person_id, changes={"date_of_birth": date(1975, 4, 12)})
        dialog = EditPersonDialog(ctx, person_id)
        dialog.show()
        dialog.phone_edit.setText("0987 333 444")
        settle(app, 1.0)
        save(app, dialog, options.out / f"edit-person-{options.lang}.png")
        dialog.close()
        return 0
    finally:
        runner.shutdown()
        store.close()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
