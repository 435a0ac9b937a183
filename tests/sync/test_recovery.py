"""What the server gives back, against the real provincial server on 127.0.0.1 (SQLite and PostgreSQL).

A device whose store was restored from an older backup gets its payments, receipts, voids and reprints
back, with their ids and numbers, as delivered (no outbox row), once however often it asks. A new
device enrolled for the same point (a lost laptop) gets the point's households and people, never over
a newer local record. No device reads another point's records, nor another device's money.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from recovery_helpers import point_of, register, second_device, user_of
from server_helpers import Supervisor, add_supervisor, log_in, summary
from server_helpers import enrol as enrol_device
from sync_helpers import Collector, RunningServer, new_collector

from collector_app.domain.closing import cash_count
from collector_app.domain.payments import Role
from collector_app.domain.people import NewPerson, Sex
from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.domain.text import fold
from collector_app.services.closing import close_day, collaborators_cash, record_handover
from collector_app.services.payments import record_vsi_payment
from collector_app.services.receipts import count_print, void_receipt
from collector_app.services.recovery import recover_from_server, server_highest_receipt
from collector_app.services.registration import HouseholdDraft, correct_person, register_household
from collector_app.store.outbox import DeliveryState, record_state
from collector_app.store.people import person_by_citizen_id
from collector_app.store.accounts import add_user
from collector_app.store.receipt_list import list_receipts
from collector_app.store.sync_state import sync_state
from collector_app.sync.client import SyncClient
from collector_app.wire import record_digest


def supervisor_of(server: RunningServer) -> Supervisor:
    response = log_in(server, add_supervisor(server))
    assert response.status_code == 200, response.text
    return Supervisor(server=server, token=response.json()["token"])


def _back_up(collector: Collector, to: Path) -> None:
    """A copy of the store's files as they are now, no connection open: what an older backup holds.
    (A copy of the files, not SQLite's backup API, so that it holds for an encrypted store too.)"""
    to.mkdir()
    for path in collector.store_path.parent.glob(collector.store_path.name + "*"):
        if path.is_file():  # the store, its WAL and shared memory
            shutil.copy2(path, to / path.name)


def _restore(collector: Collector, backup: Path) -> None:
    for path in collector.store_path.parent.glob(collector.store_path.name + "*"):
        if path.is_file():
            path.unlink()
    for path in backup.iterdir():
        shutil.copy2(path, collector.store_path.parent / path.name)


def _receipts(collector: Collector) -> list[tuple[str, int, bool, int]]:
    with collector.open() as store:
        return sorted((row.receipt_number, row.amount, row.voided, row.reprints) for row in list_receipts(store, limit=1000))


def _outbox_count(collector: Collector) -> int:
    with collector.open() as store, store.read() as connection:
        return int(connection.exec_driver_sql("SELECT count(*) FROM outbox").scalar_one())


def _token(collector: Collector) -> tuple[str, str]:
    with collector.open() as store:
        state = sync_state(store)
    assert state.token is not None and state.server_url is not None
    return state.server_url, state.token


def _get(collector: Collector, path: str, **params: Any) -> requests.Response:
    url, token = _token(collector)
    return requests.get(url + path, params=params, headers={"Authorization": f"Bearer {token}"}, timeout=30)








def test_a_device_restored_from_an_older_backup_gets_its_payments_back_once_as_delivered(
    server: RunningServer, collector: Collector, tmp_path: Path
):
    backup = tmp_path / "older"
    _back_up(collector, backup)
    numbers = collector.pay(3)
    user = user_of(collector)
    with collector.open() as store:
        void_receipt(store, numbers[1], reason="Thu nhầm tháng", actor=user)
        count_print(store, numbers[2], actor=user)  # the original
        assert count_print(store, numbers[2], actor=user) == 1  # a reprint: a record of its own
    assert collector.json("sync")["rejected"] == []
    before = _receipts(collector)
    held = summary(server)

    _restore(collector, backup)
    assert _receipts(collector) == []

    report = collector.json("recover-from-server")

    assert (report["payments"], report["voids"], report["reprints"], report["refused"]) == (3, 1, 1, [])
    assert _receipts(collector) == before  # the same numbers, amounts, void and reprint
    assert _outbox_count(collector) == 0  # nothing queued to go out again
    with collector.open() as store:
        receipts = list_receipts(store, limit=1000)
        assert {row.delivery for row in receipts} == {DeliveryState.ACCEPTED}
        payment_id = store_payment_id(store, numbers[0])
        state = record_state(store, payment_id)
        assert state is not None and state.state is DeliveryState.ACCEPTED
        assert server_highest_receipt(store, 2026) == max(int(n[-7:]) for n in numbers)
    again = collector.json("recover-from-server")
    assert (again["payments"], again["voids"], again["reprints"]) == (0, 0, 0)
    assert again["already_here"] >= 5
    assert _receipts(collector) == before
    assert collector.json("sync")["delivered"] == []
    assert summary(server) == held  # the server gained nothing: no payment sent twice
    status = collector.status()
    assert (status["pending_records"], status["pending_batches"]) == (0, 0)
    # Numbering goes on after the numbers that came back, and the next payment reaches the server.
    [later] = collector.pay(1)
    assert int(later[-7:]) == max(int(n[-7:]) for n in numbers) + 1
    synced = collector.json("sync")
    assert synced["rejected"] == [] and sum(d["accepted"] for d in synced["delivered"]) == 1


def test_a_restored_device_gets_its_closed_days_and_hand_overs_back_and_keeps_a_closed_day_closed(
    server: RunningServer, collector: Collector, tmp_path: Path
):
    """After a restore the day closed since the backup is closed again (a payment dated in it refused as
    before) and the collaborator's cash handed over is not shown as still held."""
    with collector.open() as store:
        lan = add_user(store, username="ctv.lan", full_name="Phạm Thị Lan", role=Role.COLLABORATOR, actor="t")
    backup = tmp_path / "older"
    _back_up(collector, backup)
    numbers = collector.pay(2)  # 05/01 and 10/02/2026, by the collector
    user = user_of(collector)
    closed_on = date(2026, 2, 10)
    with collector.open() as store:
        taken = record_vsi_payment(store, citizen_id=collector.wife, monthly_income=2_000_000, months=1,
                                   on=date(2026, 3, 2), actor=lan)
        handed = record_handover(store, collaborator="ctv.lan", receipts=None, until=None, amount=None,
                                 reason=None, actor=user)
        day = close_day(store, actor=user, on=closed_on, today=date(2026, 12, 5),
                        count=cash_count({500_000: 1}), reason="Thừa tiền lẻ của người nộp")
        before = collaborators_cash(store)
    assert handed.receipt_numbers == (taken.receipt_number,)
    assert collector.json("sync")["rejected"] == []

    _restore(collector, backup)
    report = collector.json("recover-from-server")

    assert (report["payments"], report["closings"], report["handovers"], report["refused"]) == (3, 1, 1, [])
    assert numbers[1] in {row[0] for row in _receipts(collector)}
    with collector.open() as store:
        assert collaborators_cash(store) == before  # handed over, nothing still held
        with pytest.raises(DomainError) as refused:
            record_vsi_payment(store, citizen_id=collector.head, monthly_income=2_000_000, months=1, on=closed_on,
                               actor=user)
        with pytest.raises(DomainError) as twice:
            close_day(store, actor=user, on=closed_on, today=date(2026, 12, 5), count=cash_count({500_000: 1}),
                      reason="Lần nữa")
    assert ProblemCode.DAY_CLOSED in {problem.code for problem in refused.value.problems}
    assert [problem.code for problem in twice.value.problems] == [ProblemCode.DAY_ALREADY_CLOSED]
    assert day.counted_cash == 500_000
    again = collector.json("recover-from-server")
    assert (again["closings"], again["handovers"]) == (0, 0)
    assert _outbox_count(collector) == 0
    assert collector.json("sync")["delivered"] == []  # nothing sent twice


@pytest.mark.parametrize(("kind", "change", "why"), [
    ("day_close", {"counted_cash": 400_000}, "invalid:difference"),  # not what the notes add up to
    ("day_close", {"counts": {"500000": 1, "300000": 1}}, "invalid:counts"),
    ("day_close", {"difference": 0}, "invalid:difference"),
    ("day_close", {"reason": ""}, "invalid:reason"),  # a difference must say why
    ("handover", {"amount": 1}, "invalid:difference"),
    ("handover", {"receipt_numbers": ["XX99M9-26-0000001"]}, "invalid:receipt_numbers"),  # another series
])
def test_a_closing_or_hand_over_that_does_not_add_up_is_not_written_back(
    server: RunningServer, collector: Collector, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    kind: str, change: dict[str, Any], why: str,
):
    with collector.open() as store:
        lan = add_user(store, username="ctv.lan", full_name="Phạm Thị Lan", role=Role.COLLABORATOR, actor="t")
    backup = tmp_path / "older"
    _back_up(collector, backup)
    collector.pay(1)
    user = user_of(collector)
    with collector.open() as store:
        record_vsi_payment(store, citizen_id=collector.wife, monthly_income=2_000_000, months=1,
                           on=date(2026, 3, 2), actor=lan)
        record_handover(store, collaborator="ctv.lan", receipts=None, until=None, amount=None, reason=None, actor=user)
        close_day(store, actor=user, on=date(2026, 1, 5), today=date(2026, 12, 5), count=cash_count({500_000: 1}),
                  reason="Thừa tiền lẻ")
    collector.json("sync")
    _restore(collector, backup)
    original = SyncClient.recovery_page

    def forged(self: SyncClient, what: Any, after: str | None, *, limit: int | None = None) -> Any:
        page = original(self, what, after, limit=limit)
        for record in page["records"]:
            if record["kind"] == kind:  # a server (or a man in the middle) that keeps the digest right
                record["payload"] = {**record["payload"], **change}
                record["digest"] = record_digest({key: record[key] for key in ("record_id", "kind", "payload")})
        return page

    monkeypatch.setattr(SyncClient, "recovery_page", forged)
    with collector.open() as store:
        report = recover_from_server(store, actor=user)

    assert [reason for _id, reason in report.refused] == [why]
    assert (report.payments, report.closings + report.handovers) == (2, 1)  # the other one came back


def store_payment_id(store: Any, number: str) -> str:
    with store.read() as connection:
        return str(connection.exec_driver_sql(
            "SELECT r.payment_id FROM receipts AS r WHERE r.series || '-' || substr(r.year, 3, 2) || '-' || "
            "printf('%07d', r.number) = ?", (number,)).scalar_one())


def test_a_payment_whose_figures_the_server_does_not_hold_is_not_written_back(
    server: RunningServer, collector: Collector, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    backup = tmp_path / "older"
    _back_up(collector, backup)
    collector.pay(2)
    collector.json("sync")
    _restore(collector, backup)
    original = SyncClient.recovery_page

    def lying(self: SyncClient, what: Any, after: str | None, *, limit: int | None = None) -> Any:
        page = original(self, what, after, limit=limit)
        for record in page["records"]:
            if record["kind"] == "payment":
                record["amount"] = record["amount"] + 1_000  # the ledger's figure no longer the payload's
        return page

    monkeypatch.setattr(SyncClient, "recovery_page", lying)
    with collector.open() as store:
        report = recover_from_server(store, actor=user_of(collector))

    assert report.payments == 0 and len(report.refused) == 2
    assert {reason for _id, reason in report.refused} == {"invalid:amount"}
    assert _receipts(collector) == []


def test_a_new_laptop_for_the_point_gets_its_households_and_never_over_a_newer_local_record(
    server: RunningServer, collector: Collector, tmp_path: Path
):
    serial = collector.head[-6:]
    head, wife = f"001075{serial}", f"001178{serial}"
    person_ids = register(collector, (head, wife), household_code=f"01{serial}99")
    user = user_of(collector)
    assert collector.json("sync")["rejected"] == []
    laptop = second_device(tmp_path / "laptop", server, point_of(collector))

    first = laptop.json("recover-from-server")

    assert (first["households"], first["people"], first["payments"], first["refused"]) == (1, 2, 0, [])
    assert _outbox_count(laptop) == 0  # already on the server: nothing to send back
    found = laptop.json("search", "tran van binh")
    assert any(row.get("citizen_id") == head for row in _rows(found))
    assert laptop.json("recover-from-server")["people"] == 0  # idempotent

    # The old laptop corrects the wife's phone; the new one corrects it later, before the first syncs.
    with collector.open() as store:
        correct_person(store, actor=user, person_id=person_ids[1], changes={"phone": "0912000111"})
    with laptop.open() as store:
        correct_person(store, actor=user_of(laptop), person_id=person_ids[1], changes={"phone": "0988000222"})
        correct_person(store, actor=user_of(laptop), person_id=person_ids[0], changes={"address": "Số 10, ngõ Chợ"})
    collector.json("sync")

    second = laptop.json("recover-from-server")

    assert (second["corrections"], second["newer_here"]) == (0, 1)
    with laptop.open() as store:
        wife_here = person_by_citizen_id(store, wife)
    assert wife_here is not None and wife_here.phone == "0988000222"  # the newer local value stays


def _rows(found: Any) -> list[dict[str, Any]]:
    return found if isinstance(found, list) else found.get("results", found.get("people", []))


def test_a_correction_made_after_the_local_record_is_applied(server: RunningServer, collector: Collector,
                                                              tmp_path: Path):
    serial = collector.head[-6:]
    head, wife = f"001075{serial}", f"001178{serial}"
    person_ids = register(collector, (head, wife), household_code=f"02{serial}99")
    collector.json("sync")
    laptop = second_device(tmp_path / "laptop", server, point_of(collector))
    laptop.json("recover-from-server")
    with laptop.open() as store, store.read() as connection:  # a recovered household has its folded address
        addresses = connection.exec_driver_sql("SELECT address, address_folded FROM households").all()
    assert addresses and all(folded == fold(address) for address, folded in addresses)
    with collector.open() as store:
        correct_person(store, actor=user_of(collector), person_id=person_ids[0], changes={"phone": "0912333444"})
        correct_person(store, actor=user_of(collector), person_id=person_ids[0], changes={"address": "Xóm Ấp Chợ"})
    collector.json("sync")

    report = laptop.json("recover-from-server")

    assert (report["corrections"], report["newer_here"]) == (2, 0)
    with laptop.open() as store:
        person = person_by_citizen_id(store, head)
        with store.read() as connection:  # the due list's order and search follow the recovered address
            folded = connection.exec_driver_sql("SELECT address_folded FROM households WHERE id = ?",
                                                (person.household_id if person else "",)).scalar_one()
    assert person is not None and person.phone == "0912333444"
    assert folded == "xom ap cho"


def test_no_device_reads_another_points_records_nor_another_devices_money(
    server: RunningServer, collector: Collector, tmp_path: Path
):
    serial = collector.head[-6:]
    register(collector, (f"001075{serial}", f"001178{serial}"), household_code=f"03{serial}99")
    collector.pay(1)
    collector.json("sync")
    mine = _get(collector, "/recovery/registrations", limit=1)
    assert mine.status_code == 200 and mine.json()["records"]
    elsewhere = new_collector(tmp_path / "elsewhere", server)  # another point
    same_point = second_device(tmp_path / "laptop", server, point_of(collector))

    theirs = _get(elsewhere, "/recovery/registrations")
    stolen_cursor = _get(elsewhere, "/recovery/registrations", after=mine.json()["cursor"])
    money_of_the_other_device = _get(same_point, "/recovery/money")
    too_many = _get(collector, "/recovery/money", limit=1001)
    no_token = requests.get(_token(collector)[0] + "/recovery/money", timeout=30)

    assert theirs.status_code == 200 and theirs.json()["records"] == []
    assert stolen_cursor.status_code == 422
    assert money_of_the_other_device.status_code == 200 and money_of_the_other_device.json()["records"] == []
    assert _get(collector, "/recovery/money").json()["records"] != []
    assert too_many.status_code == 422
    assert no_token.status_code == 401
    receipts = _get(elsewhere, "/recovery/receipts").json()
    assert receipts["highest"] == []


def test_pages_follow_the_cursor_and_every_record_comes_once(
    server: RunningServer, collector: Collector, tmp_path: Path
):
    collector.pay(5)
    collector.json("sync")
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["after"] = cursor
        page = _get(collector, "/recovery/money", **params).json()
        seen += [record["record_id"] for record in page["records"]]
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert len(seen) == 5 and len(set(seen)) == 5


def test_recovering_offline_or_before_enrolment_says_so_in_one_line(tmp_path: Path):
    collector = new_collector(tmp_path / "device", None)

    result = collector.run("--lang", "en", "recover-from-server")

    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "collector-app enrol" in result.stderr
    with collector.open() as store:
        assert server_highest_receipt(store, 2026) is None


def test_supervisors_decisions_on_payments_that_came_back_reach_the_restored_device(
    server: RunningServer, collector: Collector, tmp_path: Path
):
    backup = tmp_path / "older"
    _back_up(collector, backup)
    collector.pay(2)
    collector.json("sync")
    with collector.open() as store, store.read() as connection:
        approved, refused = connection.exec_driver_sql("SELECT record_id FROM outbox ORDER BY created_at").scalars()
    supervisor = supervisor_of(server)
    assert supervisor.post(f"/review/records/{approved}", {"decision": "approve"}).status_code == 200
    _restore(collector, backup)

    collector.json("recover-from-server")
    with collector.open() as store:
        state = record_state(store, approved)
        assert state is not None and state.state is DeliveryState.APPROVED  # as the page said
    reason = "Sai họ tên người tham gia"
    assert supervisor.post(f"/review/records/{refused}", {"decision": "reject", "reason": reason}).status_code == 200
    collector.json("sync")  # the decision comes by the changes feed, as for any record

    with collector.open() as store:
        state = record_state(store, refused)
        assert state is not None and state.state is DeliveryState.REVIEW_REJECTED
    [rejection] = collector.status()["review_rejected"]
    assert (rejection["record_id"], rejection["reason"]) == (refused, reason)


def test_a_person_whose_citizen_id_this_laptop_gives_someone_else_is_left_out_alone_and_named(
    server: RunningServer, collector: Collector, tmp_path: Path
):
    serial = collector.head[-6:]
    head, wife = f"001075{serial}", f"001178{serial}"
    register(collector, (head, wife), household_code=f"05{serial}99")
    collector.json("sync")
    laptop = second_device(tmp_path / "laptop", server, point_of(collector))
    # Registered here before recovering: another person (another id) with the wife's citizen ID.
    with laptop.open() as store:
        register_household(store, actor=user_of(laptop),
                           household=HouseholdDraft(province_code="01", commune_code="00004", address="Thôn Bắc"),
                           members=[NewPerson("Phạm Thị Dung", date(1978, 8, 9), Sex.FEMALE, wife)],
                           on=date(2026, 3, 1))

    report = laptop.json("recover-from-server", exit_code=1)

    assert (report["households"], report["people"]) == (1, 1)
    [left_out] = report["refused"]
    assert left_out["reason"] == "citizen_id_taken"
    with laptop.open() as store:
        here = person_by_citizen_id(store, head)
        assert here is not None
        assert record_state(store, left_out["record_id"]) is None  # not marked as come back
    again = laptop.json("recover-from-server", exit_code=1)
    assert (again["people"], len(again["refused"])) == (0, 1)  # the same one, named again; nothing doubled


def test_registrations_a_hostile_device_of_the_point_sent_are_checked_and_left_out(
    server: RunningServer, collector: Collector, tmp_path: Path
):
    """The server stores registrations as sent; the laptop that gets them back checks them as typed input."""
    serial = collector.head[-6:]
    register(collector, (f"001075{serial}", f"001178{serial}"), household_code=f"06{serial}99")
    collector.json("sync")
    hostile = enrol_device(server, point_of(collector))
    household = str(uuid.uuid4())
    good_household = {"id": household, "household_code": None, "address": "Thôn Nam", "commune_code": "00004",
                      "province_code": "01"}
    person = {"id": "", "household_id": household, "member_order": 1, "full_name": "Ngô Văn Tư",
              "date_of_birth": "1990-01-01", "sex": "male", "citizen_id": None, "si_code": None, "phone": None,
              "relationship": None, "hi_facility_code": None}
    bad = [
        {**person, "full_name": "Ngô \u202eVăn Tư"},  # a direction override: a list would lie
        {**person, "date_of_birth": "2026-02-30"},
        {**person, "sex": "x"},
        {**person, "citizen_id": "０６８０９００００００１"},  # full-width digits
        {**person, "member_order": 10**30},
        {**person, "full_name": "x" * 10_000},
    ]
    records = [{"record_id": household, "kind": "household", "payload": good_household}]
    for payload in bad:
        record_id = str(uuid.uuid4())
        records.append({"record_id": record_id, "kind": "person", "payload": {**payload, "id": record_id}})
    answer = hostile.upload(hostile.seal(records))
    assert answer.status_code == 200, answer.text
    laptop = second_device(tmp_path / "laptop", server, point_of(collector))

    report = laptop.json("recover-from-server", exit_code=1)

    assert (report["households"], report["people"]) == (2, 2)  # the good household and the good people
    assert len(report["refused"]) == len(bad)
    assert all(entry["reason"].startswith("invalid:") for entry in report["refused"])
    with laptop.open() as store, store.read() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM people WHERE household_id = ?",
                                          (household,)).scalar_one() == 0
