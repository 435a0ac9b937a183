"""A damaged store takes no money: the file is checked before the first write and again when changed from
outside; damage found makes it read-only; SQLite's failures are named in words a collector understands."""

from __future__ import annotations

import random
import sqlite3
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy.exc
from old_stores import store_at_revision
from payment_helpers import Paying, prepare, vsi_payment
from store_damage import (
    flip_byte_in_table_page,
    flip_integer_in_table,
    overwrite_middle_with_noise,
)

from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.domain.problems import ProblemCode
from collector_app.messages import message
from collector_app.store.backup import BACKUP_FOLDER
from collector_app.store.db import Store, open_store
from collector_app.store.device import this_device
from collector_app.store.health import StoreFailure, Verdict, problem_for
from collector_app.store.payments import record_payment
from collector_app.store.people import get_household
from collector_app.store.registration import add_households
from collector_app.store.search import search_people
from collector_app.store.users import user_by_id

PAID_ON = date(2026, 3, 5)
HOUSEHOLDS = 200
PAYMENTS = 12


def more_households(count: int) -> list[NewHousehold]:
    """`count` households of two, with valid citizen IDs, so the file has pages of people to spare."""
    return [
        NewHousehold(
            f"01{index:08d}",
            f"Số {index}, thôn Đông",
            "00004",
            "01",
            (
                NewPerson(f"Nguyễn Văn Số{index}", date(1980, 1, 1), Sex.MALE, f"001080{index:06d}"),
                NewPerson(f"Trần Thị Số{index}", date(1982, 1, 1), Sex.FEMALE, f"001182{index:06d}"),
            ),
        )
        for index in range(1, count + 1)
    ]


def pay(store: Store, paying: Paying, month: int) -> None:
    record_payment(store, vsi_payment(paying, PAID_ON, month=month), actor=paying.collector, device=paying.device)


@pytest.fixture
def filled(store_path: Path) -> Path:
    """A closed store with 201 households and 12 payments: its middle page holds data, not free space."""
    with open_store(store_path) as store:
        paying = prepare(store)
        add_households(store, more_households(HOUSEHOLDS), actor="test")
        for month in range(PAYMENTS):
            pay(store, paying, month)
    return store_path


def refused_as_damaged(store: Store, paying: Paying, month: int) -> StoreFailure:
    with pytest.raises(StoreFailure) as refused:
        pay(store, paying, month)
    assert refused.value.problem.code is ProblemCode.STORE_DAMAGED
    return refused.value


def receipts_in(path: Path) -> int:
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return int(connection.execute("SELECT count(*) FROM receipts").fetchone()[0])
    finally:
        connection.close()


def test_a_store_made_here_needs_no_check_before_its_first_write(store: Store):
    prepare(store)

    assert store.health.report is not None and store.health.report.scope == "new"
    assert store.health.last_check is None


def test_an_existing_store_is_checked_whole_before_its_first_write_and_not_again_for_its_own(filled: Path):
    with open_store(filled) as store:
        paying = _paying_of(store)
        assert store.health.report is None
        pay(store, paying, PAYMENTS)
        first = store.health.last_check
        pay(store, paying, PAYMENTS + 1)

        assert first is not None and first.sound and first.scope == "file"
        assert store.health.last_check is first  # this process's own writes are not checked again


def test_a_store_with_4_kb_of_noise_in_the_middle_opens_but_takes_no_payment(filled: Path):
    # Who pays and for whom, read before the damage (the window holds them already): the middle page
    # may be one that reading them needs.
    with open_store(filled) as store:
        paying_ids = _paying_of(store)
    overwrite_middle_with_noise(filled)
    before = filled.read_bytes()

    with open_store(filled) as store:
        failure = refused_as_damaged(store, paying_ids, PAYMENTS)
        again = refused_as_damaged(store, paying_ids, PAYMENTS + 1)
        report = store.check_health()

    assert report.verdict is Verdict.DAMAGED and report.findings
    assert str(filled) in str(failure) and str(again) == str(failure)
    assert filled.read_bytes() == before  # nothing was written to the file


def test_a_flipped_byte_in_a_page_of_payments_stops_payments_while_people_can_still_be_found(filled: Path):
    flip_byte_in_table_page(filled, "payments")

    with open_store(filled) as store:
        paying = _paying_of(store)
        failure = refused_as_damaged(store, paying, PAYMENTS)
        found = search_people(store, "nguyen van so17", limit=5)
        household = get_household(store, paying.household_id)

    assert "out of range" in failure.details or "malformed" in failure.details
    assert "Nguyễn Văn Số17" in [hit.full_name for hit in found]
    assert household.members[0].full_name == "Đặng Văn Hùng"
    assert receipts_in(filled) == PAYMENTS


def test_an_amount_changed_by_one_in_the_file_is_found_by_the_check(filled: Path):
    # One voluntary SI month is 330.000 − 66.000 = 264.000: gross − support must equal the amount.
    flip_integer_in_table(filled, "payments", 264_000)
    with sqlite3.connect(filled) as raw:
        amounts = sorted(row[0] for row in raw.execute("SELECT amount FROM payments"))
    assert amounts.count(264_000) == PAYMENTS - 1 and set(amounts) - {264_000} <= {263_999, 264_001}

    with open_store(filled) as store:
        failure = refused_as_damaged(store, _paying_of(store), PAYMENTS)

    assert "CHECK constraint failed in payments" in failure.details


def test_damage_done_to_the_file_while_it_is_open_is_found_before_the_next_payment(filled: Path):
    with open_store(filled) as store:
        paying = _paying_of(store)
        pay(store, paying, PAYMENTS)  # the whole file is checked, and found sound
        flip_byte_in_table_page(filled, "payments")  # another program writes into the file meanwhile

        refused_as_damaged(store, paying, PAYMENTS + 1)
        money_check = store.health.last_check

    assert money_check is not None and money_check.scope == "money" and not money_check.sound
    assert receipts_in(filled) == PAYMENTS + 1


def test_a_damaged_store_is_read_only_even_for_a_connection_that_skips_begin(filled: Path):
    flip_byte_in_table_page(filled, "payments")

    with open_store(filled) as store:
        assert not store.check_health().sound
        with pytest.raises(sqlalchemy.exc.OperationalError, match="readonly"):
            with store.engine.connect() as connection:
                connection.exec_driver_sql("INSERT INTO meta (key, value) VALUES ('k', 'v')")


def test_a_file_that_is_not_a_store_cannot_be_opened_and_says_so(tmp_path: Path):
    path = tmp_path / "collector.sqlite3"
    path.write_bytes(random.Random(3).randbytes(64 * 1024))

    with pytest.raises(StoreFailure) as refused:
        open_store(path)

    assert refused.value.problem.code is ProblemCode.STORE_UNREADABLE
    assert str(path) in str(refused.value) and "\n" not in str(refused.value)


def test_a_damaged_store_of_an_older_version_is_neither_backed_up_nor_upgraded(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    store_at_revision(path, "0002")
    with sqlite3.connect(path) as raw:
        raw.executemany(
            "INSERT INTO households (id, household_code, address, commune_code, province_code, created_at, "
            "updated_at, created_by) VALUES (?, NULL, ?, '00004', '01', 't', 't', 't')",
            [(f"h{index}", f"Số {index}, thôn Đông") for index in range(3000)],
        )
    overwrite_middle_with_noise(path)
    before = path.read_bytes()

    with pytest.raises(StoreFailure) as refused:
        open_store(path)

    assert refused.value.problem.code is ProblemCode.STORE_UNREADABLE
    assert path.read_bytes() == before
    assert list((tmp_path / BACKUP_FOLDER).glob("*")) == []


def test_two_stores_on_one_file_share_what_is_known_of_its_health(filled: Path):
    with open_store(filled) as first, open_store(filled) as second:
        assert first.health is second.health
        first.check_health()
        assert second.health.report is first.health.report
    with open_store(filled) as later:
        assert later.health.report is None  # every Store had closed: the file is checked afresh


def _busy(path: Path) -> sqlite3.Error:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        sqlite3.connect(path, timeout=0).execute("BEGIN IMMEDIATE")
    except sqlite3.Error as error:
        return error
    finally:
        holder.close()
    raise AssertionError("the second writer was not kept waiting")


def _read_only(path: Path) -> sqlite3.Error:
    try:
        sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True).execute("INSERT INTO meta VALUES ('k', 'v')")
    except sqlite3.Error as error:
        return error
    raise AssertionError("a read-only connection wrote")


def _cannot_open(path: Path) -> sqlite3.Error:
    try:
        sqlite3.connect(path.parent / "missing" / "folder.sqlite3").execute("SELECT 1")
    except sqlite3.Error as error:
        return error
    raise AssertionError("a file in a missing folder opened")


def _not_a_database(path: Path) -> sqlite3.Error:
    garbage = path.with_name("garbage.sqlite3")
    garbage.write_bytes(b"\x42" * 8192)
    try:
        sqlite3.connect(garbage).execute("SELECT * FROM sqlite_master")
    except sqlite3.Error as error:
        return error
    raise AssertionError("garbage was read as a database")


@pytest.mark.parametrize(
    ("make_error", "code"),
    [
        (_busy, ProblemCode.STORE_BUSY),
        (_read_only, ProblemCode.STORE_READ_ONLY),
        (_cannot_open, ProblemCode.STORE_CANNOT_OPEN),
        (_not_a_database, ProblemCode.STORE_DAMAGED),
    ],
    ids=["busy", "read-only", "cannot-open", "not-a-database"],
)
def test_sqlites_own_failures_are_named_in_one_sentence_even_through_sqlalchemy(
    filled: Path, make_error, code: ProblemCode
):
    error = make_error(filled)
    wrapped = sqlalchemy.exc.OperationalError("INSERT ...", {}, error)

    problem = problem_for(error, filled)
    assert problem is not None and problem.code is code
    assert problem_for(wrapped, filled) == problem
    assert str(filled) in message(problem) and "\n" not in message(problem)


def test_other_errors_are_not_mistaken_for_a_failing_store(store_path: Path):
    with open_store(store_path) as store:
        prepare(store)
        with pytest.raises(sqlalchemy.exc.IntegrityError), store.begin() as connection:
            connection.exec_driver_sql("INSERT INTO meta (key, value) VALUES (NULL, NULL)")

    assert problem_for(ValueError("database or disk is full"), store_path) is None


def _paying_of(store: Store) -> Paying:
    """The `Paying` of a filled store (prepare()'s household among the others), read back."""
    device = this_device(store)
    assert device is not None
    collector = user_by_id(store, device.default_user_id)
    assert collector is not None
    with store.read() as connection:
        household_id = connection.exec_driver_sql(
            "SELECT id FROM households WHERE household_code = '0112345678'"
        ).scalar_one()
        rows = connection.exec_driver_sql(
            "SELECT e.id, e.scheme FROM enrolments e JOIN people p ON p.id = e.person_id "
            "WHERE p.household_id = ? ORDER BY p.member_order, e.scheme DESC",
            (household_id,),
        ).all()
    vsi = next(row[0] for row in rows if row[1] == "vsi")
    first, second = (row[0] for row in rows if row[1] == "family_hi")
    return Paying(device, collector, household_id, vsi, (first, second))
