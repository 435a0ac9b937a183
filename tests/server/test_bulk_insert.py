"""`store.sql.insert_rows`, the bulk insert of a batch's rows, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import select

from provincial_server.store.db import migrate, open_database
from provincial_server.store.schema import batches, devices, payments, points
from provincial_server.store.sql import insert_rows

RECEIVED = datetime(2026, 3, 5, 15, 30, 0, 123456, tzinfo=timezone(timedelta(hours=7)))


def _payment(batch_id: str, number: int, *, paid_on: date = date(2026, 3, 5)) -> dict[str, object]:
    return {"payment_id": str(uuid.uuid4()), "record_id": str(uuid.uuid4()), "batch_id": batch_id, "device_id": "d" * 36,
            "point_code": "BD01", "receipt_number": f"BD01M1-26-{number:07d}", "scheme": "vsi", "paid_on": paid_on,
            "policy_version": "2026.11.1", "gross": 2**40, "state_support": 0, "local_support": 0, "amount": 2**40,
            "digest": "0" * 64, "received_at": RECEIVED}


def test_rows_are_inserted_with_their_types_and_only_new_ones_are_returned(empty_database: str):
    migrate(empty_database)
    database = open_database(empty_database)
    try:
        with database.engine.begin() as connection:
            insert_rows(connection, points, [{"code": "BD01", "name": "Điểm thu", "created_at": RECEIVED}])
            insert_rows(connection, devices, [{"id": "d" * 36, "point_code": "BD01", "device_code": "M1",
                                               "series": "BD01M1", "name": "Máy", "public_key": b"\x00\xff" * 16,
                                               "token_hash": "h" * 64, "enrolled_at": RECEIVED}])
            batch_id = str(uuid.uuid4())
            insert_rows(connection, batches, [{
                "batch_id": batch_id, "device_id": "d" * 36, "point_code": "BD01", "device_sequence": 1,
                "sealed_at": "2026-03-05T08:00:00Z", "record_count": 0, "total_amount": 0, "sha256": "0" * 64,
                "content_sha256": "0" * 64, "references_batch_id": None, "received_at": RECEIVED, "source": "api",
                "accepted": 0, "rejected": 0, "pending_review": 0, "answer": "{}"}])
            # More rows than one SQLite statement takes, on several dates.
            first = [_payment(batch_id, n, paid_on=date(2026, 3, 1 + n % 28)) for n in range(1, 1201)]
            inserted = insert_rows(connection, payments, first, skip_conflicts=True, returning=payments.c.payment_id)
            assert sorted(inserted) == sorted(row["payment_id"] for row in first)
            # A resend of half of them (same ids), and new payments that reuse taken receipt numbers.
            again = first[:600] + [_payment(batch_id, n) for n in range(1, 300)] + [_payment(batch_id, 5000)]
            inserted = insert_rows(connection, payments, again, skip_conflicts=True, returning=payments.c.payment_id)
            assert inserted == [again[-1]["payment_id"]]
            stored = connection.execute(select(payments.c.paid_on, payments.c.received_at, payments.c.amount)
                                        .where(payments.c.payment_id == first[9]["payment_id"])).one()
            assert stored == (date(2026, 3, 11), RECEIVED.astimezone(UTC), 2**40)
            assert connection.scalar(select(devices.c.public_key)) == b"\x00\xff" * 16
            assert insert_rows(connection, payments, [], skip_conflicts=True, returning=payments.c.payment_id) == []
    finally:
        database.dispose()
