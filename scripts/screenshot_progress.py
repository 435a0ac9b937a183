"""Save PNGs of the Progress page at 1366x768: a collector's own point, and a supervisor's province view.

    Xvfb :77 -screen 0 1366x768x24 -nolisten tcp &
    DISPLAY=:77 .venv/bin/python scripts/screenshot_progress.py --work /tmp/progress --lang vi --out docs/screenshots

Starts a provincial server on 127.0.0.1 (SQLite in `--work`), makes three collection points, each with an
enrolled device whose demo households paid at several times over 2025 and 2026, syncs them, sets the
year's targets, then opens the window on the first device's store: `progress-collector-LANG.png` (its
point, from the server) and `progress-province-LANG.png` (a supervisor signed in, the whole province).
The data is made once per `--work` folder and reused.
"""

from __future__ import annotations

import argparse
import io
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from datetime import date
from pathlib import Path

import requests
from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication

from collector_app import i18n
from collector_app.demo import fill_demo
from collector_app.paths import resource_path
from collector_app.services.device import set_up
from collector_app.services.users import create_first_user
from collector_app.store.db import Store, open_store
from collector_app.store.users import all_users
from collector_app.sync.client import SyncClient
from collector_app.sync.engine import client_for, enrol, seal, sync_once
from collector_app.sync.supervisor import log_in
from collector_app.ui.app import create_application, use_language
from collector_app.ui.context import AppContext, Session
from collector_app.ui.main_window import MainWindow
from collector_app.ui.pages.progress_page import PROVINCE
from collector_app.ui.tasks import TaskRunner
from provincial_server import cli

SERVER = Path(sys.executable).with_name("provincial-server")
POINTS = (("XP01", "Bưu điện xã Phúc Thọ", 140, 220), ("XP02", "UBND xã Tam Đảo", 90, 160),
          ("XP03", "Bưu điện phường Hà Đông", 60, 300))  # code, name, VSI target, family HI target
WHEN = (date(2025, 3, 1), date(2025, 7, 1), date(2025, 11, 1), date(2026, 3, 1), date(2026, 7, 1),
        date(2026, 11, 1))  # each demo batch's payments fall 1 to 4 months before
SUPERVISOR, PASSWORD = "giamsat", "mat-khau-giam-sat-2026"
TIMEOUT_S = 60.0


def admin(database_url: str, *args: str, stdin: str | None = None) -> str:
    out = io.StringIO()
    saved = sys.stdin
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        with redirect_stdout(out):
            status = cli.main([args[0], "--database-url", database_url, *args[1:]])
    finally:
        sys.stdin = saved
    if status != 0:
        raise RuntimeError(f"provincial-server {' '.join(args)} failed: {out.getvalue()}")
    return out.getvalue()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(work: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    database_url = f"sqlite:///{work / 'server.sqlite3'}"
    # The same port every time: the devices' stores remember the server's address.
    remembered = work / "port"
    port = int(remembered.read_text()) if remembered.exists() else free_port()
    remembered.write_text(str(port))
    process = subprocess.Popen([str(SERVER), "serve", "--database-url", database_url, "--port", str(port),
                                "--no-access-log", "--log-level", "warning"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/api/v1"
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        try:
            if requests.get(f"{url}/openapi.json", timeout=2).status_code == 200:
                return process, url, database_url
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the provincial server did not start")
        time.sleep(0.1)


def make_data(work: Path, url: str, database_url: str) -> None:
    admin(database_url, "publish-policy", str(resource_path("policy/policy-2026.11.1.toml")))
    admin(database_url, "add-supervisor", SUPERVISOR, "--password-stdin", stdin=PASSWORD + "\n")
    for number, (code, name, vsi, family_hi) in enumerate(POINTS, start=1):
        admin(database_url, "add-point", code, name)
        for year, grow in ((2025, 0.9), (2026, 1.0)):
            admin(database_url, "set-target", "--year", str(year), "--point", code, "--scheme", "vsi",
                  "--participants", str(int(vsi * grow)), "--amount", str(int(vsi * grow) * 2_500_000))
            admin(database_url, "set-target", "--year", str(year), "--point", code, "--scheme", "family_hi",
                  "--participants", str(int(family_hi * grow)), "--amount", str(int(family_hi * grow) * 900_000))
        store = open_store(work / f"device-{number}.sqlite3")
        try:
            set_up(store)
            create_first_user(store, username="thu", full_name="Nguyễn Thị Thu", password="demo-2026")
            with SyncClient(url) as client:
                enrol(store, client, code=admin(database_url, "enrolment-code", code).strip())
            for seed, on in enumerate(WHEN):
                fill_demo(store, people=25 * number + 15 * seed, seed=100 * number + seed, on=on)
            seal(store, actor="demo")
            with client_for(store) as client:
                sync_once(store, client)
        finally:
            store.close()


def wait_until(app: QApplication, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def settle(app: QApplication, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def grab(app: QApplication, work: Path, url: str, lang: str, out: Path) -> None:
    store: Store = open_store(work / "device-1.sqlite3")
    runner = TaskRunner(store)
    window = MainWindow(AppContext(store=store, runner=runner, language=lang, session=Session(all_users(store)[0])))
    try:
        window.resize(1366, 768)
        window.show()
        window.progress_action.trigger()
        page = window.progress_page
        page.year_spin.setValue(2026)
        page.scheme_combo.setCurrentIndex(page.scheme_combo.findData("family_hi"))
        page.refresh()
        wait_until(app, lambda: page.figures() is not None and page.figures().scope == "point")  # type: ignore[union-attr]
        settle(app, 1.0)
        out.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(out / f"progress-collector-{lang}.png"))
        window.supervisor_link.start(log_in(url, SUPERVISOR, PASSWORD))  # the window shows the review
        window.progress_action.trigger()
        page.view_combo.setCurrentIndex(page.view_combo.findData(PROVINCE))
        page.scheme_combo.setCurrentIndex(page.scheme_combo.findData("vsi"))
        page.refresh()
        page.tabs.setCurrentIndex(1)
        wait_until(app, lambda: page.figures() is not None and page.figures().scope == "province")  # type: ignore[union-attr]
        settle(app, 1.0)
        window.grab().save(str(out / f"progress-province-{lang}.png"))
    finally:
        window.close()
        runner.shutdown()
        store.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, required=True, help="folder for the server and device stores")
    parser.add_argument("--lang", choices=i18n.LANGUAGES, action="append")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    options = parser.parse_args(argv[1:])
    options.work.mkdir(parents=True, exist_ok=True)
    fresh = not (options.work / "server.sqlite3").exists()
    process, url, database_url = start_server(options.work)
    try:
        if fresh:
            make_data(options.work, url, database_url)
        app = create_application(argv[:1])
        for lang in options.lang or list(i18n.LANGUAGES):
            use_language(app, lang)
            grab(app, options.work, url, lang, options.out)
            print(options.out / f"progress-*-{lang}.png")
    finally:
        process.terminate()
        process.wait(timeout=15)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
