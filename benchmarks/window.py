"""The window's own figures on a store of N people (default 1,000,000), beside a bare PySide6 window opened
the same way.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/window.py [--people N] [--path FILE] [--runs R]

Builds the store as benchmarks/search.py does (and its first user, as `init` makes it), then starts
fresh processes and prints, each beside the bare window's figure:
- process start to the sign-in dialog shown;
- sign-in accepted (password checked with argon2id) to the main window shown with its first page;
- peak memory (resident set) of the process once the window has searched;
- keystroke to results in Find: from the search leaving the debounce (`search_started`) to the results
  in the table, p50 / p95 over the queries of benchmarks/search.py (the debounce itself not counted);
- then the live quote and record-to-preview of benchmarks/quote.py on the same store.
Targets: main window <= 1.0 s after sign-in, peak memory <= 250 MB, Find p95 <= 30 ms, quote <= 10 ms,
record to preview shown <= 250 ms.

With `--encrypted` the store is encrypted (the window signs in before it opens, as the app does), and
the same figures are then taken on a plain store of the same people, with the ratio encrypted / plain
of each (target <= 1.3x, issue 11).
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search import PeopleMaker, _percentile, _queries  # noqa: E402 - the same people and queries

from collector_app.services.device import set_up  # noqa: E402
from collector_app.services.users import create_first_user  # noqa: E402
from collector_app.store.db import open_store  # noqa: E402
from collector_app.store.registration import add_households  # noqa: E402

USERNAME, PASSWORD = "thu.nguyen", "Mật khẩu thử 2026"
WINDOW_TARGET_S = 1.0
MEMORY_TARGET_MB = 250.0
FIND_TARGET_MS = 30.0
ENCRYPTION_TARGET_RATIO = 1.3

# Each child prints one JSON line: wall-clock instants (time.time(), comparable with the parent's
# start instant) and figures. Both open a dialog with a password field, then a main window with a table.
_APP = r"""
import json, sys, time
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
from collector_app.ui.app import create_application
from collector_app.store.db import open_store
from collector_app.store.users import all_users
from collector_app.services.device import device_of
from collector_app.ui.context import AppContext, Session
from collector_app.ui.dialogs.sign_in_dialog import SignInDialog, first_offered
from collector_app.ui.main_window import MainWindow
from collector_app.ui.tasks import TaskRunner

path, password, queries = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
encrypted = len(sys.argv) > 4 and sys.argv[4] == "encrypted"
app = create_application(["window-benchmark"])

def wait(condition, seconds=300, what=""):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)

if encrypted:  # as the app starts on an encrypted store: the names from the keyring, no store yet
    from collector_app.services import unlocking
    runner = TaskRunner(None)
    dialog = SignInDialog.before_store(runner, __import__("pathlib").Path(path),
                                       unlocking.usernames(__import__("pathlib").Path(path)))
else:
    store = open_store(__import__("pathlib").Path(path))
    runner = TaskRunner(store)
    users = all_users(store)
    dialog = SignInDialog(runner, users, chosen=first_offered(users, device_of(store).default_user_id))
dialog.show()
wait(dialog.isVisible)
app.processEvents()
dialog_shown = time.time()
dialog.password_edit.setText(password)
dialog.sign_in_button.click()
wait(lambda: dialog.user is not None)
signed_in = time.time()
if encrypted:  # signing in opened the store with the key the password unlocked
    store = dialog.opened.store
    runner.use_store(store)
window = MainWindow(AppContext(store=store, runner=runner, language="vi", session=Session(dialog.user)))
window.resize(1366, 768)
window.show()
wait(lambda: window.isVisible() and bool(window.people_label.text()), what="the main window")
app.processEvents()
window_shown = time.time()

page = window.find_page
window.find_action.trigger()
started = {}
page.search_started.connect(lambda query: started.__setitem__(query, time.perf_counter()))
latencies = []
for query in queries:
    if query == page.search_box.text():  # the same text again starts no search
        continue
    done = []
    page.model.modelReset.connect(lambda: done.append(time.perf_counter()))
    page.search_box.setText(query)
    wait(lambda: done and query in started, seconds=60, what=f"the results of {query!r}")
    latencies.append((done[-1] - started[query]) * 1000)
    page.model.modelReset.disconnect()
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child of a parent that built a large
# store would report the parent's peak.
peak_mb = next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM:')) / 1024
print(json.dumps({"dialog": dialog_shown, "signed_in": signed_in, "window": window_shown,
                  "peak_mb": peak_mb, "find_ms": latencies}))
window.close()
runner.shutdown()
store.close()
"""

_BARE = r"""
import json, sqlite3, sys, time
from PySide6.QtCore import QEventLoop
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (QApplication, QDialog, QFormLayout, QLineEdit, QMainWindow, QPushButton,
                               QTableView)

path, queries = sys.argv[1], json.loads(sys.argv[2])
app = QApplication(["bare-window"])

def wait(condition):
    while not condition():
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)

dialog = QDialog()
form = QFormLayout(dialog)
password = QLineEdit()
password.setEchoMode(QLineEdit.EchoMode.Password)
form.addRow("Mật khẩu:", password)
form.addRow(QPushButton("Đăng nhập"))
dialog.show()
wait(dialog.isVisible)
app.processEvents()
dialog_shown = time.time()
dialog.accept()
signed_in = time.time()
window = QMainWindow()
table = QTableView()
model = QStandardItemModel()
table.setModel(model)
window.setCentralWidget(table)
window.resize(1366, 768)
window.show()
wait(window.isVisible)
app.processEvents()
window_shown = time.time()
# The bare search: the same store's name index read straight, rows put in a table.
if len(sys.argv) > 3:  # an encrypted store: the same SQLCipher connection the app makes
    from collector_app.store.cipher import cipher_connector
    connection = cipher_connector(bytes.fromhex(sys.argv[3]))(__import__("pathlib").Path(path))
else:
    connection = sqlite3.connect(path)
latencies = []
for query in queries:
    start = time.perf_counter()
    rows = connection.execute(
        "SELECT full_name, citizen_id FROM people WHERE name_folded >= ? AND name_folded < ? LIMIT 51",
        (query.lower(), query.lower() + "\uffff")).fetchall()
    model.clear()
    for row in rows:
        model.appendRow([QStandardItem(str(value)) for value in row])
    app.processEvents()
    latencies.append((time.perf_counter() - start) * 1000)
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child of a parent that built a large
# store would report the parent's peak.
peak_mb = next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM:')) / 1024
print(json.dumps({"dialog": dialog_shown, "signed_in": signed_in, "window": window_shown,
                  "peak_mb": peak_mb, "find_ms": latencies}))
"""


def _child(code: str, *args: str) -> tuple[float, dict[str, object]]:
    started = time.time()
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the window's process failed:\n{done.stderr[-2000:]}")
    return started, json.loads(done.stdout.strip().splitlines()[-1])


def _row(label: str, ours: float, bare: float, unit: str, target: float | None = None) -> None:
    ratio = ours / bare if bare else float("inf")
    verdict = "" if target is None else ("  ok" if ours <= target else f"  OVER the {target:g} {unit} target")
    digits = 2 if unit == "s" else 1
    print(f"{label:<42} {ours:>9.{digits}f} {unit:<3} bare {bare:>8.{digits}f} {unit:<3} x{ratio:>5.1f}{verdict}")


def _build(path: Path, people: int, seed: int, key: bytes | None) -> None:
    with open_store(path, key=key) as store:
        set_up(store)
        create_first_user(store, username=USERNAME, full_name="Nguyễn Thị Thu", password=PASSWORD)
        start = time.perf_counter()
        add_households(store, PeopleMaker(seed).households(people), actor="benchmark")
        print(f"people: {people:,}   build: {time.perf_counter() - start:.1f} s   ({path.name})")


def _measure(path: Path, key: bytes | None, args: argparse.Namespace, *, quotes: bool = True) -> dict[str, float]:
    """Run the window and the bare window on the store at `path`, then (with `quotes`) benchmarks/quote.py's
    figures, which record payments: once per store. Print them all; return ours."""
    from collector_app.store.cipher import cipher_connector, connect_plain

    connection = connect_plain(path) if key is None else cipher_connector(key)(path)
    kinds = _queries(connection, args.runs, args.seed)
    connection.close()
    queries = [query for name, found in kinds.items() if not name.startswith("(") for query in found]

    started, ours = _child(_APP, str(path), PASSWORD, json.dumps(queries), "plain" if key is None else "encrypted")
    bare_started, bare = _child(_BARE, str(path), json.dumps(queries), *([key.hex()] if key else []))
    find, bare_find = sorted(ours["find_ms"]), sorted(bare["find_ms"])
    figures = {
        "process start to sign-in dialog, s": ours["dialog"] - started,
        "sign-in accepted to main window shown, s": ours["window"] - ours["signed_in"],
        "peak memory, MB": ours["peak_mb"],
        "Find, keystroke to results p50, ms": _percentile(find, 0.5),
        "Find, keystroke to results p95, ms": _percentile(find, 0.95),
    }
    print(f"\nwindow on {path} ({len(queries)} Find queries), beside a bare PySide6 window:")
    _row("process start to sign-in dialog", figures["process start to sign-in dialog, s"],
         bare["dialog"] - bare_started, "s")
    _row("sign-in accepted to main window shown", figures["sign-in accepted to main window shown, s"],
         bare["window"] - bare["signed_in"], "s", WINDOW_TARGET_S)
    _row("peak memory", ours["peak_mb"], bare["peak_mb"], "MB", MEMORY_TARGET_MB)
    _row("Find, keystroke to results p50", figures["Find, keystroke to results p50, ms"],
         _percentile(bare_find, 0.5), "ms")
    _row("Find, keystroke to results p95", figures["Find, keystroke to results p95, ms"],
         _percentile(bare_find, 0.95), "ms", FIND_TARGET_MS)
    if quotes and not args.skip_quote:
        import quote

        print("\nlive quote and record to preview (benchmarks/quote.py) on the same store:")
        with open_store(path, key=key) as store:
            people, households = quote._sample(store, 200, args.seed)
            quote._history(store, people, households)
            gc.collect()
            gc.freeze()
            measured = {**quote.quotes(store, path, people, households), **quote.record_to_preview(store, people, 30)}
            gc.unfreeze()
        for name, (p50, p95) in measured.items():
            if name.startswith("plan_"):  # computed from what was loaded before: reads nothing of the store
                continue
            figures[f"{name} p50, ms"], figures[f"{name} p95, ms"] = p50, p95
    return figures


def _best(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {name: min(figures[name] for figures in rounds if name in figures) for name in rounds[0]}


def _compare(encrypted: dict[str, float], plain: dict[str, float]) -> None:
    print(f"\n{'encrypted store / plain store':46} {'plain':>10} {'encrypted':>10} {'ratio':>6}")
    worst = 0.0
    for name, value in encrypted.items():
        ratio = value / plain[name] if plain[name] else float("inf")
        worst = max(worst, ratio)
        print(f"  {name:44} {plain[name]:10.3f} {value:10.3f} {ratio:6.2f}"
              f"  {'ok' if ratio <= ENCRYPTION_TARGET_RATIO else 'MISSED'}")
    print(f"worst ratio: {worst:.2f} (target <= {ENCRYPTION_TARGET_RATIO})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--path", type=Path, help="store file to build, or one this script built before")
    parser.add_argument("--runs", type=int, default=20, help="Find queries of each kind")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--skip-quote", action="store_true", help="leave out benchmarks/quote.py's figures")
    parser.add_argument("--encrypted", action="store_true",
                        help="build (or use) an encrypted store and sign in before it opens, as the app does; "
                             "then the same on a plain store of the same people, and the ratios")
    parser.add_argument("--rounds", type=int, default=2, help="with --encrypted: rounds on each store, alternating")
    args = parser.parse_args(argv)
    folder = None
    if args.path is None:
        folder = tempfile.TemporaryDirectory(prefix="window-bench-")
        args.path = Path(folder.name) / "store.sqlite3"
    key = None
    if args.encrypted:
        from collector_app.services import unlocking

        if unlocking.is_encrypted(args.path):
            key = unlocking.unlock(args.path, USERNAME, PASSWORD)
        else:
            key = unlocking.new_data_key()
            unlocking.start(args.path, key, USERNAME, PASSWORD)
    if not args.path.exists() or args.path.stat().st_size == 0:
        _build(args.path, args.people, args.seed, key)
    if not args.encrypted:
        _measure(args.path, key, args)
    else:
        plain_path = args.path.with_name(args.path.stem + ".plain.sqlite3")
        if not plain_path.exists():
            _build(plain_path, args.people, args.seed, None)
        # Rounds alternate the two stores, and each figure keeps its best round: a burst of other work
        # on the machine then shows in neither ratio's side alone.
        encrypted: list[dict[str, float]] = []
        plain: list[dict[str, float]] = []
        for round_ in range(args.rounds):
            encrypted.append(_measure(args.path, key, args, quotes=round_ == 0))
            plain.append(_measure(plain_path, None, args, quotes=round_ == 0))
        _compare(_best(encrypted), _best(plain))
    if folder is not None:
        folder.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
