"""PNGs of what an encrypted store shows before it opens: the sign-in dialog after a wrong password, and
the recovery code as it is shown once at set-up.

    DISPLAY=:77 .venv/bin/python scripts/screenshot_encrypted.py --lang vi --out docs/screenshots

Makes a throw-away encrypted store (a keyring with one user, as `collector-app init` makes it), then
signs in with a wrong password through the real dialog and grabs it with the message it shows.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication, QWidget

from collector_app import i18n
from collector_app.services import unlocking
from collector_app.services.device import set_up
from collector_app.services.users import create_first_user
from collector_app.store.db import open_store
from collector_app.ui.app import create_application, recovery_code_box
from collector_app.ui.dialogs.sign_in_dialog import SignInDialog
from collector_app.ui.tasks import TaskRunner

USERNAME, PASSWORD = "thu.nguyen", "Mật khẩu thử 2026"
TIMEOUT_S = 30.0


def _wait(app: QApplication, condition: object, seconds: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + seconds
    while not (condition() if callable(condition) else False):
        if time.monotonic() > deadline:
            raise TimeoutError("the dialog did not get there in time")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def _grab(app: QApplication, widget: QWidget, out: Path) -> None:
    widget.show()
    _wait(app, widget.isVisible)
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    widget.grab().save(str(out))
    print(out)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", choices=i18n.LANGUAGES, default=i18n.DEFAULT_LANGUAGE)
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNGs")
    options = parser.parse_args(argv[1:])
    i18n.set_language(options.lang)
    app = create_application(argv[:1])
    options.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "collector.sqlite3"
        key = unlocking.new_data_key()
        code = unlocking.start(path, key, USERNAME, PASSWORD)
        with open_store(path, key=key) as store:
            set_up(store)
            create_first_user(store, username=USERNAME, full_name="Nguyễn Thị Thu", password=PASSWORD)
        runner = TaskRunner(None)
        dialog = SignInDialog.before_store(runner, path, unlocking.usernames(path))
        dialog.show()
        dialog.password_edit.setText("sai mật khẩu")
        dialog.sign_in_button.click()
        _wait(app, lambda: bool(dialog.message_label.text()))
        _grab(app, dialog, options.out / f"sign-in-encrypted-{options.lang}.png")
        dialog.close()
        runner.shutdown()
        box = recovery_code_box(code)
        _grab(app, box, options.out / f"recovery-code-{options.lang}.png")
        box.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
