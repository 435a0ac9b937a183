"""Live-quote benchmark: the payment forms' planning functions on a store of N people (default 1,000,000),
and the time from Record to the receipt preview on screen.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/quote.py [--people N] [--path FILE] [--runs R]

Builds the store as benchmarks/search.py does, enrols a sample of people in voluntary SI and family
HI with one payment each, then prints p50/p95 of:
- `prepare_vsi_payment` / `prepare_family_hi_payment` (look-ups + rules + figures; the policy table
  cached, as the form caches it) beside a raw baseline: the same SQL on a bare connection (the store's driver and key);
- `plan_vsi_payment` / `plan_family_hi_payment` (what the form runs on each keystroke, once the payer
  is looked up) beside the bare calculator (`quote_vsi` / `quote_family_hi`);
- record to preview: Record on the confirm step to the receipt preview shown (store write with its
  fsync, receipt rendered with its QR code, preview built), beside recording alone.
Targets: quote <= 10 ms (p95), record to preview shown <= 250 ms (p95).
"""

from __future__ import annotations

import argparse
import gc
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search import PeopleMaker  # noqa: E402 - the benchmark beside this one builds the same people

from collector_app.domain.contributions import quote_family_hi, quote_vsi  # noqa: E402
from collector_app.domain.enrolments import NewEnrolment, Scheme  # noqa: E402
from collector_app.domain.people import SupportGroup  # noqa: E402
from collector_app.policies import current_table  # noqa: E402
from collector_app.services.device import acting_user, set_up  # noqa: E402
from collector_app.services.payments import (  # noqa: E402
    load_hi_household,
    load_vsi_payer,
    plan_family_hi_payment,
    plan_vsi_payment,
    prepare_family_hi_payment,
    prepare_vsi_payment,
    record_family_hi_payment,
    record_vsi_payment,
)
from collector_app.store.db import Store, connect_configured, open_store  # noqa: E402
from collector_app.store.people import HOUSEHOLD_SQL, PERSON_SQL  # noqa: E402
from collector_app.store.registration import add_enrolments, add_households  # noqa: E402

ON = date(2026, 8, 3)
QUOTE_TARGET_MS = 10.0
PREVIEW_TARGET_MS = 250.0
_ENROLMENT_SQL = ("SELECT id, person_id, start_date, support_group, monthly_income FROM enrolments "
                  "WHERE scheme = ? AND status = 'active' AND person_id IN ({ids}) ORDER BY start_date, created_at")
_ITEMS_SQL = ("SELECT i.enrolment_id, i.period_start, i.period_end, i.supported_months FROM payment_items AS i "
              "JOIN receipts AS r ON r.payment_id = i.payment_id LEFT JOIN voids AS v ON v.receipt_id = r.id "
              "WHERE v.id IS NULL AND i.enrolment_id IN ({ids})")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _ms(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1000


def _row(name: str, ours: list[float], theirs: list[float], target: float | None) -> tuple[float, float]:
    """Print our p50 / p95 beside the baseline's, and return ours."""
    p50, p95 = statistics.median(ours), _percentile(ours, 0.95)
    b50, b95 = statistics.median(theirs), _percentile(theirs, 0.95)
    verdict = "" if target is None else (f"p95 <= {target:g} ms " + ("ok" if p95 <= target else "MISSED"))
    print(f"{name:34} {p50:8.3f} / {p95:8.3f} {b50:8.3f} / {b95:8.3f}  {verdict}")
    return p50, p95


def _sample(store: Store, count: int, seed: int) -> tuple[list[str], list[str]]:
    """`count` random people of working age and `count` random households, by id."""
    reader = store.reader()
    total = reader.execute("SELECT max(rowid) FROM people").fetchone()[0]
    rng = random.Random(seed)
    people: list[str] = []
    households: list[str] = []
    while len(people) < count:
        row = reader.execute("SELECT id, household_id, date_of_birth FROM people WHERE rowid = ?",
                             (rng.randrange(1, total + 1),)).fetchone()
        if row is not None and "1950-01-01" < row[2] < "2008-01-01":
            people.append(row[0])
            households.append(row[1])
    return people, households


def _history(store: Store, people: list[str], households: list[str]) -> None:
    """Half the sample enrolled with one payment each, so look-ups find something to read."""
    actor = acting_user(store)
    half = people[: len(people) // 2]
    add_enrolments(store, [NewEnrolment(p, Scheme.VSI, date(2026, 1, 1), SupportGroup.NEAR_POOR, 2_000_000)
                           for p in half], actor="benchmark")
    for person in half:
        record_vsi_payment(store, person_id=person, monthly_income=2_000_000, months=3, on=date(2026, 5, 4),
                           actor=actor, today=ON)
    for household in households[: len(households) // 2]:
        try:
            record_family_hi_payment(store, household_id=household, months=12, on=date(2026, 5, 4), actor=actor,
                                     today=ON)
        except Exception:  # noqa: BLE001 - a household drawn twice is already paid: fine for a sample
            pass


def _bare_vsi(bare: sqlite3.Connection, person_id: str) -> None:
    person = bare.execute(PERSON_SQL, (person_id,)).fetchone()
    bare.execute(HOUSEHOLD_SQL, (person[1],)).fetchall()
    enrolments = bare.execute(_ENROLMENT_SQL.format(ids="?"), ("vsi", person_id)).fetchall()
    if enrolments:
        bare.execute(_ITEMS_SQL.format(ids="?"), (enrolments[-1][0],)).fetchall()


def _bare_hi(bare: sqlite3.Connection, household_id: str) -> None:
    members = bare.execute(HOUSEHOLD_SQL, (household_id,)).fetchall()
    ids = [row[5] for row in members]
    enrolments = bare.execute(_ENROLMENT_SQL.format(ids=", ".join("?" * len(ids))), ("family_hi", *ids)).fetchall()
    if enrolments:
        bare.execute(_ITEMS_SQL.format(ids=", ".join("?" * len(enrolments))),
                     [row[0] for row in enrolments]).fetchall()


def quotes(store: Store, path: Path, people: list[str], households: list[str]) -> dict[str, tuple[float, float]]:
    """Print the quote figures beside their baselines; return ours (p50, p95 in ms) by name."""
    table = current_table(store)
    print(f"current_table(store), read once by the form: {_ms(lambda: current_table(store)):.2f} ms")
    bare = connect_configured(path, store.connector)  # the same driver and key as the store's own
    bare.isolation_level = None
    print(f"\n{'p50 / p95 ms':34} {'ours':>19} {'baseline':>19}")
    ours, theirs = [], []
    for index, person in enumerate(people):
        run = lambda p=person: prepare_vsi_payment(store, person_id=p, monthly_income=2_000_000, months=3,  # noqa: E731
                                                   on=ON, table=table)
        bare_run = lambda p=person: _bare_vsi(bare, p)  # noqa: E731
        pair = ((ours, run), (theirs, bare_run))
        for values, function in (pair if index % 2 else pair[::-1]):
            values.append(_ms(function))
    figures = {"prepare_vsi_payment": _row("prepare_vsi_payment vs raw SQL", ours, theirs, QUOTE_TARGET_MS)}
    ours, theirs = [], []
    for index, household in enumerate(households):
        run = lambda h=household: prepare_family_hi_payment(store, household_id=h, months=12, on=ON, table=table)  # noqa: E731
        bare_run = lambda h=household: _bare_hi(bare, h)  # noqa: E731
        pair = ((ours, run), (theirs, bare_run))
        for values, function in (pair if index % 2 else pair[::-1]):
            values.append(_ms(function))
    figures["prepare_family_hi_payment"] = _row("prepare_family_hi_payment vs raw SQL", ours, theirs,
                                                QUOTE_TARGET_MS)

    payers = [load_vsi_payer(store, person_id=p) for p in people]
    ours = [_ms(lambda p=p: plan_vsi_payment(p, table, monthly_income=2_000_000, months=3, on=ON)) for p in payers]
    theirs = [_ms(lambda: quote_vsi(table, on=ON, monthly_income=2_000_000, months=3, group="near-poor"))
              for _ in payers]
    figures["plan_vsi_payment"] = _row("plan_vsi_payment vs quote_vsi", ours, theirs, QUOTE_TARGET_MS)
    loaded = [load_hi_household(store, household_id=h) for h in households]
    ours = [_ms(lambda h=h: plan_family_hi_payment(h, table, months=12, on=ON)) for h in loaded]
    theirs = [_ms(lambda h=h: quote_family_hi(table, on=ON, members=len(h.household.members), months=12))
              for h in loaded]
    figures["plan_family_hi_payment"] = _row("plan_family_hi_payment vs quote", ours, theirs, QUOTE_TARGET_MS)
    bare.close()
    return figures


def record_to_preview(store: Store, people: list[str], runs: int) -> dict[str, tuple[float, float]]:
    """Record on the confirm step to the preview shown, in an offscreen window, beside recording alone;
    return both (p50, p95 in ms)."""
    from PySide6.QtWidgets import QApplication, QWidget

    from collector_app.ui.context import AppContext
    from collector_app.ui.dialogs.collect_vsi_dialog import CollectVsiDialog
    from collector_app.ui.printing import PrintPreferences
    from collector_app.ui.receipt_printer import ReceiptPrinter
    from collector_app.ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication([])
    runner = TaskRunner(store)
    ctx = AppContext(store=store, runner=runner, language="vi")
    with tempfile.TemporaryDirectory() as config:
        printer = ReceiptPrinter(runner, PrintPreferences(Path(config) / "printing.json"))
        host = QWidget()
        host.resize(1366, 768)
        host.show()
        to_preview: list[float] = []
        recording: list[float] = []
        # People not yet enrolled: each payment enrols one and issues a receipt (the slower path).
        for person in people[len(people) // 2:][:runs]:
            dialog = CollectVsiDialog(ctx, person, printer=printer, on=ON, parent=host)
            dialog.show()
            _wait(app, lambda d=dialog: d.plan is not None or bool(d.refusal))
            if dialog.plan is None:
                continue
            dialog.go_to_confirm()
            times: dict[str, float] = {}
            dialog.recorded.connect(lambda _r, t=times: t.setdefault("recorded", time.perf_counter()))
            dialog.preview_shown.connect(lambda p, t=times: (t.setdefault("shown", time.perf_counter()),
                                                              p.dialog.close()))
            start = time.perf_counter()
            dialog.record()
            _wait(app, lambda t=times: "shown" in t)
            to_preview.append((times["shown"] - start) * 1000)
            recording.append((times["recorded"] - start) * 1000)
            dialog.deleteLater()
        print(f"\n{'p50 / p95 ms':34} {'to preview':>19} {'recording alone':>19}")
        figures = {"record to preview shown": _row("record to preview shown", to_preview, recording,
                                                   PREVIEW_TARGET_MS),
                   "recording (window)": (statistics.median(recording), _percentile(recording, 0.95))}
        host.close()
    runner.shutdown()
    return figures


def _wait(app: object, condition: Callable[[], bool], timeout: float = 30.0) -> None:
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    assert isinstance(app, QApplication)
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--path", type=Path, help="store file to build, or one this script built before")
    parser.add_argument("--runs", type=int, default=300, help="people (and households) quoted")
    parser.add_argument("--previews", type=int, default=40, help="payments recorded to the preview")
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args(argv)
    folder = None
    if args.path is None:
        folder = tempfile.TemporaryDirectory(prefix="quote-bench-")
        args.path = Path(folder.name) / "store.sqlite3"
    fresh = not args.path.exists()
    store = open_store(args.path)
    if fresh:
        set_up(store)
        start = time.perf_counter()
        add_households(store, PeopleMaker(args.seed).households(args.people), actor="benchmark")
        print(f"people: {args.people:,}   build: {time.perf_counter() - start:.1f} s")
    people, households = _sample(store, args.runs, args.seed)
    if fresh:
        start = time.perf_counter()
        _history(store, people, households)
        print(f"history (half the sample enrolled and paid once): {time.perf_counter() - start:.1f} s")
    store.reader().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # The build's million objects stay out of the collector's way, as they would not exist in the window.
    gc.collect()
    gc.freeze()
    quotes(store, args.path, people, households)
    record_to_preview(store, people, args.previews)
    store.close()
    if folder is not None:
        folder.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
