"""Save PNGs of the notice of a new version of the app (the main window on Today) and of the dialog that asks
before installing it, in Vietnamese and English.

    Xvfb :94 -screen 0 1366x768x24 -nolisten tcp &
    DISPLAY=:94 .venv/bin/python scripts/screenshot_updates.py --out docs/screenshots

Builds a throw-away store with demo people and today's payments; the update shown is one the province
would announce (version 1.2.0 for this system, downloaded and checked), handed to the window's update
controller as a sync would leave it. Works offscreen too.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

from collector_app import i18n
from collector_app.demo import fill_demo
from collector_app.services.updates import Update, this_platform
from collector_app.store.db import open_store
from collector_app.ui.app import create_application
from collector_app.ui.context import AppContext, Session
from collector_app.ui.main_window import MainWindow
from collector_app.ui.tasks import TaskRunner

sys.path.insert(0, str(Path(__file__).parent))
from screenshot import _demo_user, _pay_today, _settle, _wait_until  # noqa: E402  (the same store, the same waits)

NOTES = {"vi": "Sửa lỗi in biên lai khổ 80 mm; danh sách đến hạn nhanh hơn.",
         "en": "Fixes printing on 80 mm rolls; a faster due list."}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    options = parser.parse_args(argv[1:])
    app = create_application(argv[:1])
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "collector.sqlite3")
        fill_demo(store, people=300, seed=1, on=date.today())
        _pay_today(store, 6)
        installer = Path(folder) / "collector-app_1.2.0_amd64.deb"
        installer.write_bytes(b"")
        runner = TaskRunner(store)
        try:
            for language in i18n.LANGUAGES:
                i18n.set_language(language)
                update = Update(platform=this_platform() or "linux-deb", version="1.2.0", file_name=installer.name,
                                size=148_212_736, sha256="0" * 64, notes=NOTES[language],
                                published_at="2026-12-05T02:00:00Z", trusted=True, downloaded=installer)
                window = MainWindow(AppContext(store=store, runner=runner, language=language,
                                               session=Session(_demo_user(store))))
                window.resize(1366, 768)
                window.show()
                _wait_until(app, lambda: window.today_page.summary is not None)
                _settle(app, seconds=1.0)  # the window's own check at start has answered (nothing yet)
                window.updates._on_found(update)  # as a sync and its download leave it
                _settle(app, seconds=0.3)
                window.grab().save(str(options.out / f"update-notice-{language}.png"))
                window.updates.ask_to_install()
                dialog = window.updates.dialog
                assert dialog is not None
                _wait_until(app, dialog.isVisible)
                _settle(app, seconds=0.3)
                dialog.grab().save(str(options.out / f"update-dialog-{language}.png"))
                dialog.reject()
                window.close()
                print(options.out / f"update-notice-{language}.png", options.out / f"update-dialog-{language}.png")
        finally:
            runner.shutdown()
            store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
