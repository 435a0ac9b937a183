"""What encryption at rest costs: the same work on a plain store and on a SQLCipher store, and the ratio.

    .venv/bin/python benchmarks/encryption.py [--people N] [--queries Q] [--payments P]

Builds two stores of N people (default 200,000) with `benchmarks/search.py`'s generator, one plain and
one encrypted with a random data key (as a signed-in user opens it), then times on each, alternating:
- building them (add_households),
- each kind of search the Find page runs (`search_people`) and the household look-up (`get_household`),
- recording a voluntary SI payment durably (`record_vsi_payment`, synchronous=FULL),
- opening the store and the first search (what the window does after sign-in, page cache cold),
and prints p50 / p95 of each with the ratio encrypted / plain. Target: <= 1.3x on every figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search import PeopleMaker, _percentile, _queries, _time  # noqa: E402

from collector_app.store import cipher  # noqa: E402
from collector_app.store.db import PRAGMAS, Store, open_store  # noqa: E402
from collector_app.store.people import get_household  # noqa: E402
from collector_app.store.registration import add_households  # noqa: E402
from collector_app.store.search import search_people  # noqa: E402

TARGET_RATIO = 1.3


def _row(name: str, plain: list[float], encrypted: list[float]) -> float:
    p50, p95 = statistics.median(plain), _percentile(plain, 0.95)
    e50, e95 = statistics.median(encrypted), _percentile(encrypted, 0.95)
    worst = max(e50 / p50, e95 / p95)
    print(f"  {name:34} {p50:8.3f} / {p95:8.3f}  {e50:8.3f} / {e95:8.3f}  {e50 / p50:5.2f} / {e95 / p95:5.2f}"
          f"  {'ok' if worst <= TARGET_RATIO else 'MISSED'}")
    return worst


def _alternate(calls: list[tuple[Callable[[], object], Callable[[], object]]]) -> tuple[list[float], list[float]]:
    plain: list[float] = []
    encrypted: list[float] = []
    for index, (run_plain, run_encrypted) in enumerate(calls):
        if index % 2:  # neither always goes first, finding the pages the other loaded
            encrypted.append(_time(run_encrypted))
            plain.append(_time(run_plain))
        else:
            plain.append(_time(run_plain))
            encrypted.append(_time(run_encrypted))
    return plain, encrypted


def _recording(stores: dict[str, Store], count: int) -> tuple[list[float], list[float]]:
    from collector_app.domain.enrolments import NewEnrolment, Scheme
    from collector_app.domain.people import NewHousehold, NewPerson, Sex, SupportGroup
    from collector_app.services.device import acting_user, set_up
    from collector_app.services.payments import record_vsi_payment

    on = date(2026, 11, 23)
    calls: dict[str, list[Callable[[], object]]] = {}
    for name, store in stores.items():
        set_up(store)
        collector = acting_user(store)
        people = [NewHousehold(f"09{i:08d}", "Số 1, thôn Đông", "00004", "01", (
            NewPerson(f"Trần Văn Bình {i}", date(1980, 1, 1), Sex.MALE, f"0090{i:06d}00"),)) for i in range(count)]
        ids = add_households(store, people, actor="bench")
        from collector_app.store.registration import add_enrolments

        add_enrolments(store, [NewEnrolment(get_household(store, hid).members[0].person_id, Scheme.VSI,
                                            on.replace(day=1), SupportGroup.OTHER, 1_500_000) for hid in ids],
                       actor="bench")
        calls[name] = [
            (lambda store=store, person=person, collector=collector: record_vsi_payment(
                store, citizen_id=person.members[0].citizen_id or "", monthly_income=1_500_000, months=1, on=on,
                actor=collector))
            for person in people]
    return _alternate(list(zip(calls["plain"], calls["encrypted"], strict=True)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=200, help="queries of each kind")
    parser.add_argument("--payments", type=int, default=300)
    parser.add_argument("--opens", type=int, default=10, help="cold opens of each store")
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args(argv)
    key = os.urandom(cipher.KEY_BYTES)
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="encryption-bench-") as folder:
        paths = {"plain": Path(folder) / "plain.sqlite3", "encrypted": Path(folder) / "encrypted.sqlite3"}
        keys = {"plain": None, "encrypted": key}
        stores: dict[str, Store] = {}
        builds: dict[str, float] = {}
        for name, path in paths.items():
            stores[name] = open_store(path, key=keys[name])
            start = time.perf_counter()
            add_households(stores[name], PeopleMaker(args.seed).households(args.people), actor="benchmark")
            builds[name] = time.perf_counter() - start
            stores[name].reader().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        sizes = {name: path.stat().st_size / 2**20 for name, path in paths.items()}
        print(f"people: {args.people:,}   files: plain {sizes['plain']:.0f} MiB, encrypted {sizes['encrypted']:.0f} MiB")
        print(f"\n{'figure (ms: p50 / p95)':36} {'plain':>19}  {'encrypted':>19}  {'ratio':>13}")
        ratio = builds["encrypted"] / builds["plain"]
        print(f"  {'build (add_households), s':34} {builds['plain']:19.1f}  {builds['encrypted']:19.1f}  "
              f"{ratio:13.2f}  {'ok' if ratio <= TARGET_RATIO else 'MISSED'}")
        worst = max(worst, ratio)

        queries, households = {}, {}
        for name, path in paths.items():  # the same seed: the same texts; each store's own household ids
            bare = cipher.connect_plain(path) if keys[name] is None else cipher.cipher_connector(key)(path)
            for pragma in PRAGMAS:
                bare.execute(f"PRAGMA {pragma}")
            queries = _queries(bare, args.queries, args.seed)
            households[name] = queries["household look-up"]
            bare.close()
        for kind, texts in queries.items():
            if kind == "household look-up":
                calls = [((lambda t=t: get_household(stores["plain"], t)),
                          (lambda u=u: get_household(stores["encrypted"], u)))
                         for t, u in zip(households["plain"], households["encrypted"], strict=True)]
            else:
                calls = [((lambda t=t: search_people(stores["plain"], t)),
                          (lambda t=t: search_people(stores["encrypted"], t))) for t in texts]
            _alternate(calls[:5])  # warm both page caches alike
            worst = max(worst, _row(kind, *_alternate(calls)))

        worst = max(worst, _row("record a VSI payment (durable)", *_recording(stores, args.payments)))
        for store in stores.values():
            store.close()

        first = next(iter(queries.values()))[0]

        def cold_open(name: str) -> Callable[[], object]:
            def run() -> object:
                with open_store(paths[name], key=keys[name]) as store:
                    return search_people(store, first)
            return run

        worst = max(worst, _row("open the store + first search", *_alternate(
            [(cold_open("plain"), cold_open("encrypted")) for _ in range(args.opens)])))
    print(f"\nworst ratio: {worst:.2f} (target <= {TARGET_RATIO})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
