"""Screenshot of the Province dashboard page at 1366x768 in one language: a provincial server on SQLite with
20 points of a year's demo-like collection (benchmarks/dashboard.py), a supervisor logged in to it.

    Xvfb :93 -screen 0 1366x768x24 -nolisten tcp &
    DISPLAY=:93 .venv/bin/python scripts/screenshot_dashboard.py --lang vi
    DISPLAY=:93 .venv/bin/python scripts/screenshot_dashboard.py --lang en
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication

from collector_app import i18n
from collector_app.store.db import open_store
from collector_app.sync.client import ServerUnavailable
from collector_app.sync.supervisor import SupervisorSession, log_in

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from dashboard import fill_province  # noqa: E402  (benchmarks/ is not a package)

TIMEOUT_S = 60.0
SERVER_EXE = Path(sys.executable).with_name("provincial-server")
USERNAME, PASSWORD = "giamsat.hanoi", "mật khẩu của giám sát"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", choices=i18n.LANGUAGES, default=i18n.DEFAULT_LANGUAGE)
    parser.add_argument("--out", type=Path, default=ROOT / "docs/screenshots")
    options = parser.parse_args(argv[1:])
    i18n.set_language(options.lang)
    with tempfile.TemporaryDirectory(prefix="dashboard-shot-") as folder:
        url = f"sqlite:///{folder}/server.sqlite3"
        from provincial_server.services.auth import add_supervisor
        from provincial_server.store.db import open_database
        from provincial_server.store.unit_of_work import UnitOfWork

        database = open_database(url)
        now = datetime.now(UTC)
        fill_province(database, points_count=20, devices_per_point=3, payments_count=6_000, now=now, seed=7)
        add_supervisor(UnitOfWork(database), USERNAME, PASSWORD, now=now)
        database.dispose()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen([str(SERVER_EXE), "serve", "--database-url", url, "--port", str(port),
                                   "--log-level", "warning", "--no-access-log"])
        try:
            api = f"http://127.0.0.1:{port}/api/v1"
            return _shoot(_log_in(api), Path(folder), options)
        finally:
            server.terminate()
            server.wait(timeout=15)


def _log_in(api: str) -> SupervisorSession:
    """The supervisor's session, as the window's sign-in gets it, once the server answers."""
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        try:
            return log_in(api, USERNAME, PASSWORD)
        except ServerUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _shoot(session: SupervisorSession, folder: Path, options: argparse.Namespace) -> int:
    from collector_app.ui.app import create_application
    from collector_app.ui.context import AppContext
    from collector_app.ui.main_window import MainWindow
    from collector_app.ui.tasks import TaskRunner

    app = create_application(sys.argv[:1])
    store = open_store(folder / "collector.sqlite3")
    runner = TaskRunner(store)
    window = MainWindow(AppContext(store=store, runner=runner, language=options.lang))
    try:
        window.resize(app.primaryScreen().availableGeometry().size())
        window.show()
        page = window.dashboard_page
        loaded: list[bool] = []
        page.loaded.connect(lambda: loaded.append(True))
        window.supervisor_link.start(session)  # signed in: the window shows the review; the dashboard loads
        window.dashboard_action.trigger()
        _wait_until(app, lambda: bool(loaded))
        page.table.setFocus()
        page.table.selectRow(2)
        _wait_until(app, lambda: not window.busy_label.text())
        _settle(app, 0.5)
        path = options.out / f"dashboard-{options.lang}.png"
        if not window.grab().save(str(path)):
            print(f"could not write {path}", file=sys.stderr)
            return 1
        print(path)
        return 0
    finally:
        window.close()
        runner.shutdown()
        store.close()


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
