"""Child process of the numbering tests: records payments on a store until killed, or N of them.

Usage: numbering_child.py STORE_PATH COUNT GO_FILE [PERIOD_OFFSET] — COUNT 0 means "until killed".
It prints "ready" once the store is open, waits for GO_FILE to exist (so two children start
together), then records; with a COUNT it prints the receipt numbers it got, one per line, and exits.
Every payment covers months of its own (a period is never paid twice): the k-th payment recorded
in the store, plus PERIOD_OFFSET, chooses them.

A short random pause right after the number is allocated, inside the transaction, makes a kill
land often between allocation and COMMIT: the window where a gap or a repeat would be born.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the shared signing helpers

from payment_helpers import hi_payment, reopen, vsi_payment  # noqa: E402

from collector_app.store import payments as store_payments  # noqa: E402
from signing import open_test_store  # noqa: E402

PAID_ON = date(2026, 11, 23)


def main() -> None:
    path, count, go = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    offset = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    allocate = store_payments.next_receipt_number

    def allocate_then_pause(*args: object, **kwargs: object) -> object:
        number = allocate(*args, **kwargs)  # type: ignore[arg-type]
        time.sleep(random.random() / 500)  # 0-2 ms with the number taken and nothing committed
        return number

    store_payments.next_receipt_number = allocate_then_pause  # type: ignore[assignment]
    store = open_test_store(path)
    paying = reopen(store)
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.005)
    with store.read() as connection:  # the payments earlier children committed used 0 .. recorded-1
        recorded_before = int(connection.exec_driver_sql("SELECT count(*) FROM payments").scalar_one())
    got: list[str] = []
    i = 0
    while count == 0 or i < count:
        k = offset + recorded_before + i
        payment = vsi_payment(paying, PAID_ON, month=k) if k % 3 else hi_payment(paying, PAID_ON, year=k // 3)
        recorded = store_payments.record_payment(store, payment, actor=paying.collector, device=paying.device)
        got.append(recorded.text)
        i += 1
    print("\n".join(got), flush=True)
    store.close()


if __name__ == "__main__":
    main()
