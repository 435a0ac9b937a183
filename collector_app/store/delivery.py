"""Writing what happens to outbox rows: sealed into a batch, answered by the server, reviewed, sent again.

The writes of `store.outbox` (which keeps the reads and the records' shapes): sealing, storing answers
and pulling decisions call these inside their own transactions; the window and the command line send
records again only through `services`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence

from sqlalchemy import Connection

from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.store.db import Store
from collector_app.store.outbox import RecordAnswer, RejectedRecord, Review, quarantined_in
from collector_app.store.stamps import new_id, utc_now

_IDS_PER_QUERY = 500


def assign_to_batch(connection: Connection, batch_id: str, outbox_ids: Sequence[str]) -> None:
    """Point the rows at the batch that now holds them; each must still be unsealed."""
    now = utc_now()
    for start in range(0, len(outbox_ids), _IDS_PER_QUERY):
        chunk = outbox_ids[start : start + _IDS_PER_QUERY]
        updated = connection.exec_driver_sql(
            f"UPDATE outbox SET batch_id = ?, updated_at = ? "
            f"WHERE batch_id IS NULL AND id IN ({', '.join('?' * len(chunk))})",
            (batch_id, now, *chunk),
        ).rowcount
        if updated != len(chunk):
            raise RuntimeError(f"outbox rows were sealed by someone else while sealing batch {batch_id}")


def record_answers(connection: Connection, batch_id: str, answers: Sequence[RecordAnswer]) -> None:
    """Store the server's answer on each row of the batch; every row of it must be answered."""
    if not answers:
        return
    if len({answer.record_id for answer in answers}) != len(answers):
        raise ValueError(f"the answer to batch {batch_id} names a record twice")
    now = utc_now()
    rows = [
        (answer.status, answer.code, answer.message, json.dumps(dict(answer.params), ensure_ascii=False,
                                                                sort_keys=True), now, batch_id, answer.record_id)
        for answer in answers
    ]
    cursor = connection.exec_driver_sql(
        "UPDATE outbox SET result = ?, result_code = ?, result_message = ?, result_params = ?, updated_at = ? "
        "WHERE batch_id = ? AND record_id = ?",
        rows,
    )
    held = connection.exec_driver_sql("SELECT count(*) FROM outbox WHERE batch_id = ?", (batch_id,)).scalar_one()
    if cursor.rowcount != len(rows) or held != len(rows):
        raise ValueError(f"the answer to batch {batch_id} does not answer exactly the records it holds")


def record_reviews(connection: Connection, reviews: Iterable[Review]) -> int:
    """Store supervisors' decisions on this device's records; how many matched one (others are ignored:
    decisions on the records of other devices of the same point come in the same feed)."""
    now = utc_now()
    matched = 0
    for review in reviews:
        matched += connection.exec_driver_sql(
            "UPDATE outbox SET review = ?, review_reason = ?, reviewed_at = ?, updated_at = ? "
            "WHERE batch_id = ? AND record_id = ?",
            (review.review, review.reason, review.reviewed_at, now, review.batch_id, review.record_id),
        ).rowcount
        # A record written back from the server (store.recovery) has no outbox row: its decision goes here.
        matched += connection.exec_driver_sql(
            "UPDATE recovered_records SET review = ?, review_reason = ? WHERE batch_id = ? AND record_id = ?",
            (review.review, review.reason, review.batch_id, review.record_id),
        ).rowcount
    return matched


def resend(store: Store, record_ids: Collection[str] | None = None, *, actor: str) -> list[RejectedRecord]:
    """Queue quarantined records again (all of them when `record_ids` is None), unchanged.

    Each gets a new outbox row pointing at the rejected one, so the next seal puts it in a new batch
    whose `references_batch_id` is the batch that held it. What fixes a rejection lies outside the
    record: money is append-only (a wrong payment is voided and paid again, not edited), so a resend
    is for causes on the server's side, such as a policy table it had not published yet.
    A record that is not quarantined is refused (SYNC_RECORD_NOT_QUARANTINED), nothing queued.
    """
    with store.begin() as connection:
        waiting = quarantined_in(connection)
        if record_ids is not None:
            wanted = set(record_ids)
            missing = sorted(wanted - {record.record_id for record in waiting})
            if missing:
                raise DomainError([Problem(ProblemCode.SYNC_RECORD_NOT_QUARANTINED, {"record_id": record_id})
                                   for record_id in missing])
            waiting = [record for record in waiting if record.record_id in wanted]
        if not waiting:
            return []
        now = utc_now()
        connection.exec_driver_sql(
            "INSERT INTO outbox (id, kind, record_id, payload, created_at, updated_at, created_by, device_id, "
            "resend_of) SELECT ?, kind, record_id, payload, ?, ?, ?, device_id, id FROM outbox WHERE id = ?",
            [(new_id(), now, now, actor, record.outbox_id) for record in waiting],
        )
    return waiting
