"""Sealing the outbox into batches, keeping the server's answers, quarantine and sending again."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from old_stores import store_at_revision
from payment_helpers import Paying, vsi_payment

from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.store.batches import (
    BatchRow,
    list_batches,
    refuse,
    seal_pending,
    store_answer,
    totals,
    undelivered,
)
from collector_app.store.db import Store
from collector_app.store.outbox import (
    DeliveryState,
    RecordAnswer,
    Review,
    pending_count,
    quarantined,
    record_state,
)
from collector_app.store.delivery import record_reviews, resend
from collector_app.store.payments import record_payment, record_void
from collector_app.store.receipt_list import list_receipts
from collector_app.wire import batch_digest
from signing import open_test_store, raw_connection

PAID_ON = date(2026, 3, 5)


def pay(store: Store, paying: Paying, count: int, *, first_month: int = 0) -> None:
    for month in range(first_month, first_month + count):
        record_payment(store, vsi_payment(paying, PAID_ON, month=month), actor=paying.collector, device=paying.device)


def seal(store: Store, paying: Paying, max_records: int = 500) -> list[BatchRow]:
    return seal_pending(store, device_id=paying.device.device_id, actor="test",
                        max_records=max_records)


def answers(store: Store, batch: BatchRow, rejected: set[str] = frozenset()) -> tuple[str, list[RecordAnswer]]:
    """The server's answer to `batch`, rejecting the records `rejected`."""
    results = [
        RecordAnswer(record_id=record_id, status="rejected" if record_id in rejected else "accepted",
                     code="payment.money_mismatch" if record_id in rejected else None, message=None,
                     params={"version": "2026.11.1"} if record_id in rejected else {})
        for record_id in record_ids(store, batch.batch_id)
    ]
    text = json.dumps({"batch_id": batch.batch_id, "status": "received",
                       "results": [r.__dict__ for r in results]}, sort_keys=True)
    return text, results


def record_ids(store: Store, batch_id: str) -> list[str]:
    with store.read() as connection:
        return list(connection.exec_driver_sql(
            "SELECT record_id FROM outbox WHERE batch_id = ? ORDER BY created_at, id", (batch_id,)).scalars())


def test_sealing_fills_batches_of_at_most_the_limit_with_the_next_sequence_numbers(store: Store, paying: Paying):
    pay(store, paying, 5)

    batches = seal(store, paying, max_records=2)

    assert [(b.device_sequence, b.record_count, b.status) for b in batches] == [(1, 2, "sealed"), (2, 2, "sealed"),
                                                                               (3, 1, "sealed")]
    assert pending_count(store) == 0 and seal(store, paying) == []
    for item in undelivered(store):
        body = json.loads(item.body)
        assert body["sha256"] == item.batch.sha256 == batch_digest(body["records"])
        assert body["total_amount"] == item.batch.total == sum(r["payload"]["amount"] for r in body["records"])
        assert [r["record_id"] for r in body["records"]] == record_ids(store, item.batch.batch_id)
    pay(store, paying, 1, first_month=5)
    assert [b.device_sequence for b in seal(store, paying)] == [4]


def test_voids_and_reprints_are_sealed_with_the_payments(store: Store, paying: Paying):
    pay(store, paying, 1)
    [receipt] = [json.loads(row[0])["receipt"]["number"] for row in store.reader().execute("SELECT payload FROM outbox")]
    from collector_app.domain.receipt_numbers import parse_receipt_number

    record_void(store, parse_receipt_number(receipt), reason="Thu nhầm", actor=paying.collector, device=paying.device)

    [batch] = seal(store, paying)

    kinds = [r["kind"] for r in json.loads(undelivered(store)[0].body)["records"]]
    assert kinds == ["payment", "void"] and batch.record_count == 2


def test_an_answer_is_kept_once_and_a_different_answer_to_the_same_batch_is_refused(store: Store, paying: Paying):
    pay(store, paying, 2)
    [batch] = seal(store, paying)
    text, results = answers(store, batch)

    first = store_answer(store, batch.batch_id, text, results)
    again = store_answer(store, batch.batch_id, text, results)

    assert (first.new, first.accepted, again.new, again.accepted) == (True, 2, False, 2)
    assert undelivered(store) == [] and list_batches(store)[0].status == "delivered"
    other, other_results = answers(store, batch, rejected={results[0].record_id})
    with pytest.raises(ValueError, match="differently"):
        store_answer(store, batch.batch_id, other, other_results)
    assert record_state(store, results[0].record_id).state == "accepted"


@pytest.mark.parametrize("change", ["one missing", "one unknown", "one twice"])
def test_an_answer_that_does_not_answer_exactly_the_batchs_records_is_refused_whole(
    store: Store, paying: Paying, change: str
):
    pay(store, paying, 2)
    [batch] = seal(store, paying)
    text, results = answers(store, batch)
    if change == "one missing":
        results = results[:1]
    elif change == "one unknown":
        results = [results[0], RecordAnswer("0190a1b2-0000-7000-8000-000000000000", "accepted", None, None, {})]
    else:
        results = [results[0], results[0]]

    with pytest.raises(ValueError):
        store_answer(store, batch.batch_id, text, results)

    assert [item.batch.batch_id for item in undelivered(store)] == [batch.batch_id]  # nothing was kept
    assert {record_state(store, record_id).state for record_id in record_ids(store, batch.batch_id)} == {"sealed"}


def test_rejected_records_wait_in_quarantine_and_go_again_in_a_batch_that_references_theirs(
    store: Store, paying: Paying
):
    pay(store, paying, 3)
    [first] = seal(store, paying)
    text, results = answers(store, first, rejected=set(record_ids(store, first.batch_id)[:2]))
    stored = store_answer(store, first.batch_id, text, results)
    pay(store, paying, 1, first_month=3)  # new work meanwhile

    waiting = quarantined(store)
    queued = resend(store, [waiting[0].record_id], actor="test")
    new_work, again = seal(store, paying)

    assert [r.record_id for r in stored.rejected] == [r.record_id for r in waiting]
    assert waiting[0].code == "payment.money_mismatch" and waiting[0].params == {"version": "2026.11.1"}
    assert (new_work.references_batch_id, new_work.record_count) == (None, 1)
    assert (again.references_batch_id, again.record_count) == (first.batch_id, 1)
    assert record_ids(store, again.batch_id) == [queued[0].record_id]
    assert json.loads(undelivered(store)[1].body)["references_batch_id"] == first.batch_id
    assert [r.record_id for r in quarantined(store)] == [waiting[1].record_id]  # sent again: out of quarantine
    assert record_state(store, queued[0].record_id).state == "sealed"  # its latest delivery
    with pytest.raises(DomainError) as refused:
        resend(store, [queued[0].record_id], actor="test")
    assert refused.value.problems[0].code is ProblemCode.SYNC_RECORD_NOT_QUARANTINED


def test_totals_count_each_payment_once_and_leave_out_rejected_ones_and_refused_batches(
    store: Store, paying: Paying
):
    pay(store, paying, 3)
    [first] = seal(store, paying)
    rejected = record_ids(store, first.batch_id)[0]
    text, results = answers(store, first, rejected={rejected})
    store_answer(store, first.batch_id, text, results)
    resend(store, [rejected], actor="test")
    pay(store, paying, 1, first_month=3)
    [_resent, refused] = sorted(seal(store, paying), key=lambda b: b.references_batch_id is None)
    refuse(store, refused.batch_id, code="batch.integrity", message="test")

    figures = totals(store)

    amount = 330_000 - 66_000  # one month of voluntary SI at the 2026 minimum, 20 % supported
    assert (figures.batches, figures.records, figures.pending_batches, figures.refused_batches) == (2, 4, 1, 1)
    assert (figures.payments, figures.payments_total) == (3, 3 * amount)


def test_a_store_with_unsealed_outbox_rows_keeps_them_through_the_upgrade(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    store_at_revision(path, "0002")
    connection = raw_connection(path)
    with connection:
        connection.execute("INSERT INTO outbox (id, kind, record_id, payload, created_at, updated_at, created_by) "
                           "VALUES ('o1', 'payment', 'r1', '{\"amount\": 5}', 't', 't', 'test')")
    connection.close()

    with open_test_store(path) as upgraded:
        assert pending_count(upgraded) == 1
        assert record_state(upgraded, "r1").state == "pending"


def test_the_receipts_list_follows_each_payment_from_waiting_to_reviewed(store: Store, paying: Paying):
    def states() -> list[DeliveryState]:  # oldest receipt first
        return [row.delivery for row in reversed(list_receipts(store, limit=10))]

    pay(store, paying, 3)
    assert states() == [DeliveryState.PENDING] * 3
    [batch] = seal(store, paying)
    assert states() == [DeliveryState.SEALED] * 3
    first, second, third = record_ids(store, batch.batch_id)
    text, results = answers(store, batch, rejected={third})
    store_answer(store, batch.batch_id, text, results)
    assert states() == [DeliveryState.ACCEPTED, DeliveryState.ACCEPTED, DeliveryState.REJECTED]

    with store.begin() as connection:
        record_reviews(connection, [
            Review(first, batch.batch_id, "approved", "", "2026-03-06T08:00:00Z"),
            Review(second, batch.batch_id, "rejected", "Sai số CCCD", "2026-03-06T08:00:00Z"),
        ])
    resend(store, [third], actor="test")

    assert states() == [DeliveryState.APPROVED, DeliveryState.REVIEW_REJECTED, DeliveryState.PENDING]
    assert len(list_receipts(store, limit=10)) == 3  # a record sent again is still one receipt
