"""Receipts benchmark: time to render one receipt with its QR code (A5 and 80 mm roll), 1,000 to a folder.

    .venv/bin/python benchmarks/receipts.py [--runs N] [--batch N] [--only SECTION]

Each figure comes beside a bare reportlab canvas writing the same text runs (read back from the
rendered PDF) in the same fonts and sizes, with no layout, rules or QR code; target: a receipt with
its QR code within 1.5x of that bare canvas. Sections run in order; another section is added by
appending a `Section` to `SECTIONS`. "recording" times recording a payment through the service
(look-ups, quote, one durable transaction with receipt number and outbox row); target <= 5 ms.
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from collector_app.receipts import samples
from collector_app.receipts.model import ReceiptDocument
from collector_app.receipts.render import BOLD, REGULAR, Layout, register_fonts, render_many, render_receipt

RATIO_TARGET = 1.5


@dataclass(frozen=True)
class Section:
    name: str
    run: Callable[[argparse.Namespace], None]


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _timed_pair(
    ours: Callable[[], Any], bare: Callable[[], Any], runs: int
) -> tuple[list[float], list[float]]:
    """Milliseconds of each of `runs` calls of both, interleaved so that a burst of load on the
    machine (other processes) falls on both alike; two warm-up calls each first."""
    for function in (ours, bare, ours, bare):
        function()
    times: tuple[list[float], list[float]] = ([], [])
    for index in range(runs):
        order = ((ours, times[0]), (bare, times[1]))
        for function, sink in order if index % 2 else reversed(order):
            start = time.perf_counter()
            function()
            sink.append((time.perf_counter() - start) * 1000)
    return times


def _text_runs(pdf: bytes) -> list[tuple[int, str, str, float]]:
    """(page, text, font, size) of every text run in `pdf`, as pypdf reads them back."""
    runs: list[tuple[int, str, str, float]] = []
    for index, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):

        def visit(text: str, cm: Any, tm: Any, font: Any, size: float, index: int = index) -> None:
            if text.strip():
                name = str(font.get("/BaseFont", "")) if font else ""
                runs.append((index, text, BOLD if "Bold" in name else REGULAR, size))

        page.extract_text(visitor_text=visit)
    return runs


def _bare_canvas(runs: list[tuple[int, str, str, float]], page_size: tuple[float, float]) -> bytes:
    """The same text in the same fonts, one run per line, on a plain canvas: the baseline."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=page_size, invariant=True, initialFontName=REGULAR)
    page, y = 0, page_size[1] - 30
    for run_page, text, font, size in runs:
        if run_page != page:
            canvas.showPage()
            page, y = run_page, page_size[1] - 30
        canvas.setFont(font, size)
        canvas.drawString(30, y, text)
        y -= size * 1.25
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _page_size(pdf: bytes) -> tuple[float, float]:
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return float(box.width), float(box.height)


def rendering(args: argparse.Namespace) -> None:
    register_fonts()
    receipts = {"family HI, 5 members": samples.family_hi_receipt(5), "voluntary SI": samples.vsi_receipt()}
    print(
        f"one receipt, {args.runs} runs each (ms)       p50      p95   bare p50   ratio  target <= {RATIO_TARGET}x"
    )
    for layout in Layout:
        for name, doc in receipts.items():
            pdf = render_receipt(doc, layout)
            runs, size = _text_runs(pdf), _page_size(pdf)
            ours, bare = _timed_pair(
                partial(render_receipt, doc, layout), partial(_bare_canvas, runs, size), args.runs
            )
            ratio = statistics.median(ours) / statistics.median(bare)
            print(
                f"  {layout.value:6} {name:24} {statistics.median(ours):8.2f} {_percentile(ours, 0.95):8.2f}"
                f" {statistics.median(bare):10.2f} {ratio:7.2f}  {'ok' if ratio <= RATIO_TARGET else 'MISSED'}"
            )
    docs = _batch(args.batch)
    for layout in Layout:
        with tempfile.TemporaryDirectory(prefix="receipts-bench-") as folder:
            start = time.perf_counter()
            paths = render_many(docs, Path(folder), layout)
            seconds = time.perf_counter() - start
            megabytes = sum(path.stat().st_size for path in paths) / 2**20
        print(
            f"{len(docs):,} receipts to a folder ({layout.value}): {seconds:.2f} s, "
            f"{seconds / len(docs) * 1000:.2f} ms each, {megabytes:.1f} MiB"
        )


def _batch(count: int) -> list[ReceiptDocument]:
    """`count` receipts with their own numbers: households of 1 to 7 members and voluntary SI payments."""
    docs = []
    for number in range(1, count + 1):
        if number % 4 == 0:
            docs.append(samples.vsi_receipt(number=number))
        else:
            docs.append(samples.family_hi_receipt(1 + number % 7, number=number))
    return docs


RECORDING_TARGET_MS = 5.0


def recording(args: argparse.Namespace) -> None:
    """Time to record a payment durably (synchronous=FULL): payment, items, receipt number, outbox row."""
    from datetime import date

    from collector_app.domain.contributions import quote_vsi
    from collector_app.domain.enrolments import NewEnrolment, Scheme
    from collector_app.domain.payments import PaymentMethod, vsi_payment
    from collector_app.domain.people import NewHousehold, NewPerson, Sex, SupportGroup
    from collector_app.policies import current_table
    from collector_app.services.device import acting_user, device_of, set_up
    from collector_app.services.payments import record_family_hi_payment, record_vsi_payment
    from collector_app.store.db import open_store
    from collector_app.store.payments import active_enrolments, record_payment
    from collector_app.store.people import get_household
    from collector_app.store.registration import add_enrolments, add_households

    on, count = date(2026, 11, 23), args.payments
    with tempfile.TemporaryDirectory(prefix="receipts-bench-") as folder, \
            open_store(Path(folder) / "store.sqlite3") as store:
        set_up(store)
        collector = acting_user(store)
        # One-person households for voluntary SI, households of four for family HI: each pays once,
        # so every payment's look-ups see a history of realistic size.
        people = [
            NewHousehold(f"01{i:08d}", f"Số {i % 200 + 1}, thôn Đông", "00004", "01", tuple(
                NewPerson(f"Nguyễn Văn An {i}-{m}", date(1980, 1, 1 + m), Sex.MALE, f"0010{i:06d}{m:02d}")
                for m in range(size)
            ))
            for i, size in ((i, 1 if i < count else 4) for i in range(2 * count))
        ]
        household_ids = add_households(store, people, actor="bench")
        add_enrolments(store, [
            NewEnrolment(get_household(store, hid).members[0].person_id, Scheme.VSI, on.replace(day=1),
                         SupportGroup.OTHER, 1_500_000)
            for hid in household_ids[:count]
        ], actor="bench")

        def timed(calls: list[Callable[[], Any]]) -> list[float]:
            times = []
            for call in calls:
                start = time.perf_counter()
                call()
                times.append((time.perf_counter() - start) * 1000)
            return times

        vsi = timed([
            partial(record_vsi_payment, store, citizen_id=household.members[0].citizen_id or "",
                    monthly_income=1_500_000, months=1, on=on, actor=collector)
            for household in people[:count]
        ])
        hi = timed([
            partial(record_family_hi_payment, store, household_code=household.household_code or "", months=12,
                    on=on, actor=collector)
            for household in people[count:]
        ])
        # The store's transaction alone (payment, item, number, receipt, outbox), without look-ups
        # and quote: a later month for each of the same people.
        quote = quote_vsi(current_table(), on=on, monthly_income=1_500_000, months=1, group="other",
                          period_from=date(2027, 6, 1))
        enrolments = active_enrolments(store, [h.members[0].person_id for h in
                                               (get_household(store, hid) for hid in household_ids[:count])],
                                       Scheme.VSI)
        device = device_of(store)
        store_only = timed([
            partial(record_payment, store, vsi_payment(
                quote, enrolment_id=enrolment.enrolment_id, household_id=None, residence_province=None,
                supported_months_before=0, payer_name="Nguyễn Văn An", method=PaymentMethod.CASH,
                amount_handed=quote.payable,
            ), actor=collector, device=device)
            for enrolment in enrolments.values()
        ])
        floor = timed([partial(_bare_commit, store, i) for i in range(count)])
    print(f"record one payment durably, {count:,} each (ms)   p50      p95   "
          f"target <= {RECORDING_TARGET_MS} ms")
    for name, times in (("voluntary SI, 1 person", vsi), ("family HI, 4 members", hi),
                        ("store transaction only (voluntary SI)", store_only)):
        p95 = _percentile(times, 0.95)
        print(f"  {name:38} {statistics.median(times):8.2f} {p95:8.2f}  "
              f"{'ok' if p95 <= RECORDING_TARGET_MS else 'MISSED'}")
    print(f"  {'bare commit of one row (fsync floor)':38} {statistics.median(floor):8.2f} "
          f"{_percentile(floor, 0.95):8.2f}")


def _bare_commit(store: Any, i: int) -> None:
    with store.begin() as connection:
        connection.exec_driver_sql("INSERT INTO meta (key, value) VALUES (?, 'x')", (f"bench-{i}",))


SECTIONS: list[Section] = [Section("rendering", rendering), Section("recording", recording)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="timed renders of each receipt")
    parser.add_argument("--batch", type=int, default=1000, help="receipts written to a folder")
    parser.add_argument("--payments", type=int, default=2000, help="payments recorded of each kind")
    parser.add_argument("--only", choices=[section.name for section in SECTIONS], help="run one section")
    args = parser.parse_args(argv)
    for section in SECTIONS:
        if args.only in (None, section.name):
            print(f"== {section.name}")
            section.run(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
