"""The audit log: every money event chained in its own transaction, changes to people logged with
before/after, append-only, backfilled on upgrade; `verify_chain` names the first entry that fails."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from old_stores import store_at_revision
from payment_helpers import Paying, hi_payment, vsi_payment

from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.domain.problems import DomainError
from collector_app.domain.receipt_numbers import ReceiptNumber
from collector_app.store.audit_trail import Finding, PersonEvent, person_history, verify_chain
from collector_app.store.db import Store, open_store
from collector_app.store.payments import (
    record_original_print,
    record_payment,
    record_print,
    record_reprint,
    record_void,
)
from collector_app.store.registration import correct_person, register_household
from collector_app.wire import CHAIN_GENESIS, chain_errors, chain_hash

ON = date(2026, 11, 23)


@pytest.fixture
def store(plain_store: Store) -> Store:
    return plain_store


def _money(store: Store, paying: Paying) -> list[str]:
    """Three payments, a void, a reprint and an original print; the receipt numbers."""
    numbers = []
    for month in range(3):
        numbers.append(record_payment(store, vsi_payment(paying, ON, month=month), actor=paying.collector,
                                      device=paying.device).number)
    record_original_print(store, numbers[0], actor=paying.collector, device=paying.device)
    record_reprint(store, numbers[0], actor=paying.collector, device=paying.device)
    record_void(store, numbers[1], reason="Ghi sai số tháng", actor=paying.collector, device=paying.device)
    return [str(n) for n in numbers]


def _raw(path: Path) -> sqlite3.Connection:
    """The file as an attacker with the key sees it: plain SQL, triggers dropped first."""
    connection = sqlite3.connect(path, isolation_level=None)
    return connection


def _chain(path: Path) -> list[tuple[int, str, str, str]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT chain_seq, kind, record_id, hash FROM audit_log WHERE chain_seq IS NOT NULL ORDER BY chain_seq"
        ).fetchall()


def test_each_money_event_is_chained_in_recording_order(store: Store, store_path: Path, paying: Paying):
    _money(store, paying)

    chain = _chain(store_path)
    assert [row[1] for row in chain] == ["payment", "payment", "payment", "original_print", "reprint", "void"]
    assert [row[0] for row in chain] == [1, 2, 3, 4, 5, 6]
    report = verify_chain(store)
    assert report.sound and report.entries == 6 and report.head == chain[-1][3]


def test_the_chain_links_each_entry_to_the_one_before(store: Store, paying: Paying):
    _money(store, paying)
    from collector_app.store.audit_trail import chain_entries  # the batch's view of the same rows

    with store.read() as connection:
        entries = chain_entries(connection, after=0)
    assert entries[0]["prev"] == CHAIN_GENESIS
    assert all(entry["hash"] == chain_hash(entry) for entry in entries)
    assert chain_errors({"prev": CHAIN_GENESIS, "head": entries[-1]["hash"], "entries": entries}) == []
    assert chain_errors({"prev": CHAIN_GENESIS, "head": entries[-1]["hash"], "entries": entries[1:]}) != []


def test_a_refused_payment_leaves_no_entry(store: Store, store_path: Path, paying: Paying):
    record_payment(store, vsi_payment(paying, ON), actor=paying.collector, device=paying.device)
    with pytest.raises(DomainError):  # the same month again
        record_payment(store, vsi_payment(paying, ON), actor=paying.collector, device=paying.device)
    assert len(_chain(store_path)) == 1
    assert verify_chain(store).sound


def test_a_print_is_logged_once_whether_original_or_copy(store: Store, store_path: Path, paying: Paying):
    number = record_payment(store, hi_payment(paying, ON), actor=paying.collector, device=paying.device).number
    assert record_print(store, number, actor=paying.collector, device=paying.device) == 0
    assert record_print(store, number, actor=paying.collector, device=paying.device) == 1
    assert not record_original_print(store, number, actor=paying.collector, device=paying.device)
    assert [row[1] for row in _chain(store_path)] == ["payment", "original_print", "reprint"]
    assert verify_chain(store).sound


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET content = '{}'",
    "DELETE FROM audit_log",
])
def test_the_log_is_append_only(store: Store, store_path: Path, paying: Paying, statement: str):
    _money(store, paying)
    with sqlite3.connect(store_path) as connection, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute(statement)


def test_a_payment_amount_edited_by_hand_is_found_and_named(store: Store, store_path: Path, paying: Paying):
    numbers = _money(store, paying)
    raw = _raw(store_path)
    raw.execute("DROP TRIGGER payments_no_update")
    raw.execute("PRAGMA ignore_check_constraints = ON")
    raw.execute("UPDATE payments SET amount = amount - 100000 WHERE id = "
                "(SELECT payment_id FROM receipts WHERE number = 3)")
    raw.close()

    report = verify_chain(store)
    assert not report.sound
    first = report.first
    assert first is not None and first.finding is Finding.ROW_CHANGED
    assert (first.chain_seq, first.kind) == (3, "payment") and first.fields == ("payment.amount",)
    assert numbers  # the other entries are sound: only one break
    assert len(report.breaks) == 1


def test_a_deleted_void_is_found_and_named(store: Store, store_path: Path, paying: Paying):
    _money(store, paying)
    raw = _raw(store_path)
    raw.execute("DROP TRIGGER voids_no_delete")
    raw.execute("DELETE FROM voids")
    raw.close()

    first = verify_chain(store).first
    assert first is not None and (first.finding, first.chain_seq, first.kind) == (Finding.ROW_MISSING, 6, "void")


def test_a_deleted_audit_row_is_found_and_named(store: Store, store_path: Path, paying: Paying):
    _money(store, paying)
    raw = _raw(store_path)
    raw.execute("DROP TRIGGER audit_log_no_delete")
    raw.execute("DELETE FROM audit_log WHERE chain_seq = 2")
    raw.close()

    report = verify_chain(store)
    first = report.first
    assert first is not None and (first.finding, first.chain_seq) == (Finding.GAP, 3)
    # ...and the payment the deleted entry covered has no entry now.
    assert any(b.finding is Finding.UNLOGGED_ROW and b.kind == "payment" for b in report.breaks)


def test_a_deleted_payment_with_its_entry_is_still_found(store: Store, store_path: Path, paying: Paying):
    """The attacker removes the last payment and its entry: the chain still links, so the store alone
    cannot tell; the server's copy of the head can (see the sync tests). Removing one in the middle is found."""
    _money(store, paying)
    raw = _raw(store_path)
    for name in ("audit_log_no_delete", "payment_items_no_delete", "payments_no_delete", "receipts_no_delete"):
        raw.execute(f"DROP TRIGGER {name}")
    raw.execute("PRAGMA foreign_keys = OFF")
    payment = raw.execute("SELECT record_id FROM audit_log WHERE chain_seq = 3").fetchone()[0]
    raw.execute("DELETE FROM audit_log WHERE chain_seq = 3")
    raw.execute("DELETE FROM payment_items WHERE payment_id = ?", (payment,))
    raw.execute("DELETE FROM receipts WHERE payment_id = ?", (payment,))
    raw.execute("DELETE FROM outbox WHERE record_id = ?", (payment,))
    raw.execute("DELETE FROM payments WHERE id = ?", (payment,))
    raw.close()

    first = verify_chain(store).first
    assert first is not None and (first.finding, first.chain_seq) == (Finding.GAP, 4)


def test_entries_reordered_are_found(store: Store, store_path: Path, paying: Paying):
    _money(store, paying)
    raw = _raw(store_path)
    raw.execute("DROP TRIGGER audit_log_no_update")
    # Swap entries 2 and 3 (all their columns but the order they were appended in).
    raw.execute("UPDATE audit_log SET chain_seq = -2 WHERE chain_seq = 2")
    raw.execute("UPDATE audit_log SET chain_seq = 2 WHERE chain_seq = 3")
    raw.execute("UPDATE audit_log SET chain_seq = 3 WHERE chain_seq = -2")
    raw.close()

    first = verify_chain(store).first
    assert first is not None and first.chain_seq == 3 and first.finding in (Finding.GAP, Finding.BROKEN_LINK)


def test_an_entry_edited_to_match_an_edited_payment_breaks_its_hash(store: Store, store_path: Path, paying: Paying):
    _money(store, paying)
    raw = _raw(store_path)
    for name in ("audit_log_no_update", "payments_no_update"):
        raw.execute(f"DROP TRIGGER {name}")
    raw.execute("PRAGMA ignore_check_constraints = ON")
    payment = raw.execute("SELECT record_id FROM audit_log WHERE chain_seq = 2").fetchone()[0]
    raw.execute("UPDATE payments SET amount = 1 WHERE id = ?", (payment,))
    raw.execute("UPDATE audit_log SET content = json_set(content, '$.payment.amount', 1) WHERE chain_seq = 2")
    raw.close()

    first = verify_chain(store).first
    assert first is not None and (first.finding, first.chain_seq) == (Finding.HASH_MISMATCH, 2)


def test_people_created_and_corrected_are_logged_with_before_and_after(store: Store, paying: Paying):
    household_id, [person_id] = register_household(
        store, NewHousehold(None, "Thôn Tây", "00004", "01", (NewPerson("Vũ Thị Mai", date(1990, 1, 2), Sex.FEMALE),)),
        actor=paying.collector.user_id, device_id=paying.device.device_id)
    correct_person(store, person_id, {"phone": "0912345678"}, actor=paying.collector.user_id,
                   device_id=paying.device.device_id)

    history = person_history(store, [household_id, person_id])
    assert [entry.kind for entry in history] == [PersonEvent.HOUSEHOLD_CREATED, PersonEvent.PERSON_CREATED,
                                                 PersonEvent.PERSON_CORRECTED]
    corrected = history[-1]
    assert corrected.content["before"] is None and corrected.content["after"] == "0912345678"
    assert (corrected.created_by, corrected.device_id) == (paying.collector.user_id, paying.device.device_id)
    assert all(entry.chain_seq is None for entry in history)
    assert verify_chain(store).sound  # people are logged, not chained


def test_an_upgraded_store_is_backfilled_and_verifies(store_path: Path):
    store_path.parent.mkdir(parents=True)
    store_at_revision(store_path, "0007")  # money written by the app before the log existed
    raw = sqlite3.connect(store_path)
    raw.executescript("""
        INSERT INTO households VALUES ('h1', NULL, 'Thôn Đông', '00004', '01', 't', 't', 't', NULL);
        INSERT INTO payments (id, household_id, payer_name, scheme, paid_on, policy_version, gross, amount,
                              created_at, created_by)
        VALUES ('p2', 'h1', 'Lý Thị Na', 'family_hi', '2026-11-23', '2026.11.1', 1366200, 1366200,
                '2026-11-23T02:00:00.000000+00:00', 'u1'),
               ('p1', 'h1', 'Lý Thị Na', 'family_hi', '2026-11-22', '2026.11.1', 1366200, 1366200,
                '2026-11-22T02:00:00.000000+00:00', 'u1');
        INSERT INTO receipts VALUES ('r1', 'p1', 'BD01M1', 2026, 1, 't', '2026-11-22T02:00:00.000000+00:00', 'u1', NULL);
        INSERT INTO receipts VALUES ('r2', 'p2', 'BD01M1', 2026, 2, 't', '2026-11-23T02:00:00.000000+00:00', 'u1', NULL);
        INSERT INTO voids VALUES ('v1', 'r1', 'Sai', '2026-11-24T02:00:00.000000+00:00', 'u1', NULL);
    """)
    raw.commit()
    raw.close()

    with open_store(store_path) as upgraded:
        report = verify_chain(upgraded)
    assert report.sound and report.entries == 3
    assert [(row[1], row[2]) for row in _chain(store_path)] == [("payment", "p1"), ("payment", "p2"), ("void", "v1")]


def test_the_hash_is_the_digest_of_the_entrys_canonical_json_without_its_hash():
    import hashlib

    from collector_app.wire import canonical_json

    entry = {"seq": 7, "kind": "payment", "record_id": "r", "content": {"b": [1, None, "Đặng"], "a": {"z": 0}},
             "created_at": "2026-11-23T02:00:00.000000+00:00", "created_by": "u", "device_id": None,
             "prev": CHAIN_GENESIS}
    assert chain_hash(entry) == hashlib.sha256(canonical_json(entry)).hexdigest()


def test_each_sealed_batch_carries_the_chain_since_the_last_one_and_a_refused_batchs_entries_again(
    store: Store, paying: Paying
):
    import json

    from collector_app.store.batches import refuse, seal_pending

    record_payment(store, vsi_payment(paying, ON), actor=paying.collector, device=paying.device)
    [first] = seal_pending(store, device_id=paying.device.device_id, actor="t")
    record_payment(store, vsi_payment(paying, ON, month=1), actor=paying.collector, device=paying.device)
    [second] = seal_pending(store, device_id=paying.device.device_id, actor="t")

    def chain(batch_id: str) -> dict[str, object]:
        with store.read() as connection:
            body = connection.exec_driver_sql("SELECT body FROM batches WHERE id = ?", (batch_id,)).scalar_one()
        return dict(json.loads(body)["chain"])

    one, two = chain(first.batch_id), chain(second.batch_id)
    assert one["prev"] == CHAIN_GENESIS and [e["seq"] for e in one["entries"]] == [1]
    assert two["prev"] == one["head"] and [e["seq"] for e in two["entries"]] == [2]
    assert chain_errors(one) == [] and chain_errors(two) == []

    # The server refused the second batch whole: the next batch carries its entry again.
    refuse(store, second.batch_id, code="batch.conflict", message="refused")
    record_payment(store, vsi_payment(paying, ON, month=2), actor=paying.collector, device=paying.device)
    [third] = seal_pending(store, device_id=paying.device.device_id, actor="t")
    three = chain(third.batch_id)
    assert three["prev"] == one["head"] and [e["seq"] for e in three["entries"]] == [2, 3]


def test_a_restored_store_adopts_the_servers_entries_it_lacks_and_verifies_once_its_rows_are_back(
    store: Store, store_path: Path, paying: Paying, tmp_path: Path
):
    """The seam for recovery: a backup taken after the first payment, the later entries as the server
    holds them, adopted; the rows written back as they were recorded; the chain verifies and goes on."""
    import shutil

    from collector_app.store.audit import ChainFork, adopt_entries
    from collector_app.store.audit_trail import chain_entries, chain_head

    record_payment(store, vsi_payment(paying, ON), actor=paying.collector, device=paying.device)
    with store.read() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    backup = tmp_path / "backup" / "collector.sqlite3"
    backup.parent.mkdir()
    shutil.copy(store_path, backup)
    record_payment(store, vsi_payment(paying, ON, month=1), actor=paying.collector, device=paying.device)
    record_void(store, _numbers_of(store_path)[-1], reason="Ghi sai", actor=paying.collector, device=paying.device)
    with store.read() as connection:
        held = chain_entries(connection, after=0)  # what the server holds after a sync

    with open_store(backup) as restored:
        with restored.begin() as connection:
            assert adopt_entries(connection, held) == 2  # entry 1 is there already
            assert adopt_entries(connection, held) == 0
        assert [b.finding for b in verify_chain(restored).breaks] == [Finding.ROW_MISSING, Finding.ROW_MISSING]
        _copy_money_rows(store_path, backup)  # what store.recovery writes back
        assert verify_chain(restored).sound
        with restored.read() as connection:
            assert chain_head(connection)[1] == held[-1]["hash"]
        # The next batch continues from the server's head, carrying only what is new.
        from collector_app.store.batches import seal_pending

        record_payment(restored, vsi_payment(paying, ON, month=2), actor=paying.collector, device=paying.device)
        [batch] = seal_pending(restored, device_id=paying.device.device_id, actor="t")
        with restored.read() as connection:
            body = connection.exec_driver_sql("SELECT body FROM batches WHERE id = ?", (batch.batch_id,)).scalar_one()
        import json

        sent = json.loads(body)["chain"]
        assert sent["prev"] == held[-1]["hash"] and [e["seq"] for e in sent["entries"]] == [4]

        # A store whose history went another way refuses them.
        forked = tmp_path / "forked.sqlite3"
        with restored.read() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(backup, forked)
    with open_store(forked) as other, other.begin() as connection:
        tampered = [dict(entry) for entry in held]
        tampered[1]["hash"] = "f" * 64
        with pytest.raises(ChainFork):
            adopt_entries(connection, tampered)


def _numbers_of(path: Path) -> list[ReceiptNumber]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT series, year, number FROM receipts ORDER BY number").fetchall()
    return [ReceiptNumber(symbol=s, year=y, number=n) for s, y, n in rows]


def _copy_money_rows(source: Path, target: Path) -> None:
    connection = sqlite3.connect(target, isolation_level=None)
    connection.execute("ATTACH DATABASE ? AS source", (str(source),))
    for table in ("payments", "payment_items", "receipts", "voids"):
        connection.execute(f"INSERT OR IGNORE INTO {table} SELECT * FROM source.{table}")
    connection.close()
