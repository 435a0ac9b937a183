"""Audit log benchmark: what the chained entry adds to recording a payment, and `audit verify` over a big store.

    .venv/bin/python benchmarks/audit.py [--payments N] [--events N] [--only SECTION]

"recording": a voluntary SI payment recorded durably (synchronous=FULL) through `store.payments`
with its chained audit entry, and the same without the entry (the append replaced by nothing),
interleaved call by call on one store so that a burst of load falls on both alike; p50, p95 and the
ratio of the medians. "verify": `services.audit.verify_audit` (the whole chain and every money row
compared with its entry) over a store of N money events (default 100,000), recorded in bulk.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from collector_app.domain.contributions import quote_vsi
from collector_app.domain.enrolments import NewEnrolment, Scheme
from collector_app.domain.payments import NewPayment, PaymentMethod, vsi_payment
from collector_app.domain.people import NewHousehold, NewPerson, Sex, SupportGroup
from collector_app.policies import current_table
from collector_app.services.device import acting_user, device_of, set_up
from collector_app.store import payments as store_payments
from collector_app.store.db import Store, open_store
from collector_app.store.people import get_household
from collector_app.store.registration import add_enrolments, add_households

ON = date(2026, 11, 23)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _people(store: Store, count: int) -> list[str]:
    """`count` one-person households, each enrolled in voluntary SI; their enrolment ids."""
    households = [
        NewHousehold(None, f"Số {i % 200 + 1}, thôn Đông", "00004", "01",
                     (NewPerson(f"Nguyễn Văn An {i}", date(1980, 1, 1 + i % 28), Sex.MALE, f"001080{i:06d}"),))
        for i in range(count)
    ]
    ids = add_households(store, households, actor="bench")
    return add_enrolments(store, [
        NewEnrolment(get_household(store, hid).members[0].person_id, Scheme.VSI, date(2026, 1, 1),
                     SupportGroup.OTHER, 1_500_000) for hid in ids], actor="bench")


def _month_payments(enrolment_ids: list[str], months: int) -> list[list[NewPayment]]:
    """For each of `months` months from January 2026, one month of voluntary SI for every enrolment, paid
    in that month."""
    table = current_table()
    rounds = []
    for month in range(months):
        start = date(2026 + month // 12, month % 12 + 1, 1)
        quote = quote_vsi(table, on=start, monthly_income=1_500_000, months=1, group="other", period_from=start)
        rounds.append([vsi_payment(quote, enrolment_id=enrolment, household_id=None, residence_province=None,
                                   supported_months_before=0, payer_name="Nguyễn Văn An",
                                   method=PaymentMethod.CASH, amount_handed=quote.payable)
                       for enrolment in enrolment_ids])
    return rounds


def recording(args: argparse.Namespace) -> None:
    count = args.payments
    with tempfile.TemporaryDirectory(prefix="audit-bench-") as folder, \
            open_store(Path(folder) / "store.sqlite3") as store:
        set_up(store)
        collector, device = acting_user(store), device_of(store)
        # Two months per person: one recorded with the entry, one without, alternating.
        [logged, bare] = _month_payments(_people(store, count), 2)
        chained = store_payments.chain_money

        def unlogged(*_args: Any, **_kwargs: Any) -> None:
            return None

        def call(payment: NewPayment, with_log: bool) -> float:
            store_payments.chain_money = chained if with_log else unlogged  # type: ignore[assignment]
            start = time.perf_counter()
            store_payments.record_payment(store, payment, actor=collector, device=device)
            elapsed = (time.perf_counter() - start) * 1000
            store_payments.chain_money = chained
            return elapsed

        with_log: list[float] = []
        without: list[float] = []
        for index, (a, b) in enumerate(zip(logged, bare, strict=True)):
            for payment, flag, sink in (((a, True, with_log), (b, False, without)) if index % 2
                                        else ((b, False, without), (a, True, with_log))):
                sink.append(call(payment, flag))
    ratio = statistics.median(with_log) / statistics.median(without)
    print(f"record one voluntary SI payment durably, {count:,} each (ms)   p50      p95")
    print(f"  {'with its chained audit entry':44} {statistics.median(with_log):8.2f} {_percentile(with_log, 0.95):8.2f}")
    print(f"  {'without it':44} {statistics.median(without):8.2f} {_percentile(without, 0.95):8.2f}")
    print(f"  ratio of the medians: {ratio:.2f}x")


def verifying(args: argparse.Namespace) -> None:
    from collector_app.services.audit import verify_audit

    events = args.events
    months = 12  # the months of 2026: one policy year
    people = -(-events // months)
    with tempfile.TemporaryDirectory(prefix="audit-bench-") as folder, \
            open_store(Path(folder) / "store.sqlite3") as store:
        set_up(store)
        collector, device = acting_user(store), device_of(store)
        start = time.perf_counter()
        left = events
        for payments in _month_payments(_people(store, people), months):
            chunk = payments[:left]
            store_payments.record_payments(store, chunk, actor=collector, device=device)
            left -= len(chunk)
        built = time.perf_counter() - start
        size = (Path(folder) / "store.sqlite3").stat().st_size
        timings = []
        for _ in range(args.runs):
            start = time.perf_counter()
            verdict = verify_audit(store)
            timings.append(time.perf_counter() - start)
        assert verdict.sound and verdict.entries == events, verdict
    print(f"audit verify over {events:,} money events ({size / 1e6:.0f} MB store, built in {built:.0f} s): "
          f"median {statistics.median(timings):.2f} s, slowest {max(timings):.2f} s of {args.runs} runs")


SECTIONS: dict[str, Callable[[argparse.Namespace], None]] = {"recording": recording, "verify": verifying}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--payments", type=int, default=1000, help="payments recorded each way")
    parser.add_argument("--events", type=int, default=100_000, help="money events in the store verified")
    parser.add_argument("--runs", type=int, default=3, help="times `audit verify` is run")
    parser.add_argument("--only", choices=list(SECTIONS), help="run one section")
    args = parser.parse_args(argv)
    for name, section in SECTIONS.items():
        if args.only in (None, name):
            print(f"== {name}")
            section(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
