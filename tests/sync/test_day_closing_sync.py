"""A day's closing travels to the live server with the batches; the server checks it and sets its own figure beside it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import requests
from server_helpers import Supervisor, add_supervisor, log_in
from sync_helpers import Collector, RunningServer, assert_server_holds_everything_once, new_collector

from collector_app.domain.payments import Role
from collector_app.domain.problems import ProblemCode
from collector_app.domain.receipt_numbers import parse_receipt_number
from collector_app.services.device import device_of
from collector_app.services.payments import record_vsi_payment
from collector_app.store.accounts import add_user
from collector_app.store.payments import get_receipt
from provincial_server.services.days import list_days
from provincial_server.services.records import check_record
from provincial_server.store.db import open_database
from provincial_server.store.unit_of_work import UnitOfWork

DAY = date(2026, 1, 5)  # `Collector.pay`: the family HI payment of the household, in cash


@pytest.fixture
def collector(tmp_path: Path, server: RunningServer) -> Collector:
    return new_collector(tmp_path / "device", server)


def supervisor_of(server: RunningServer) -> Supervisor:
    response = log_in(server, add_supervisor(server))
    assert response.status_code == 200, response.text
    return Supervisor(server=server, token=response.json()["token"])


def test_a_closed_day_reaches_the_server_which_lists_it_with_its_own_expected_cash(
    server: RunningServer, collector: Collector
) -> None:
    [hi, _vsi] = collector.pay(2)
    with collector.open() as store:
        receipt = get_receipt(store, parse_receipt_number(hi))
        device_id = device_of(store).device_id
    assert receipt is not None and receipt.method == "cash"
    closed = collector.json("day", "close", "--date", DAY.isoformat(), "--count", "500000=1,1000=3",
                            "--reason", "Người nộp trả thừa")
    assert closed["expected_cash"] == receipt.amount and closed["counted_cash"] == 503_000
    assert collector.status()["pending_records"] == 3  # two payments and the closing

    report = collector.json("sync")
    assert report["rejected"] == []
    assert_server_holds_everything_once(collector)

    supervisor = supervisor_of(server)
    answer = supervisor.get("/review/days", params={"from": DAY.isoformat(), "to": DAY.isoformat()})
    assert answer.status_code == 200, answer.text
    [day] = [d for d in answer.json()["days"] if d["device_id"] == device_id]
    assert {k: day[k] for k in ("closed_on", "collector", "expected_cash", "counted_cash", "difference", "reason",
                                "server_expected_cash", "server_receipts", "matches")} == {
        "closed_on": "2026-01-05", "collector": "collector", "expected_cash": receipt.amount,
        "counted_cash": 503_000, "difference": 503_000 - receipt.amount, "reason": "Người nộp trả thừa",
        "server_expected_cash": receipt.amount, "server_receipts": 1, "matches": True}
    later = supervisor.get("/review/days", params={"from": "2026-01-06"}).json()["days"]
    assert all(d["device_id"] != device_id for d in later)
    assert requests.get(f"{server.url}/review/days", timeout=30).status_code == 401

    listed = server.admin("days", "--json")
    assert f'"expected_cash": {receipt.amount}' in listed and '"matches": true' in listed


def test_the_days_asked_for_are_found_behind_as_many_newer_closings_as_the_list_holds(
    server: RunningServer, collector: Collector
) -> None:
    """The list holds at most `limit` closings: those of the dates asked for, not the newest ones filtered."""
    collector.pay(3)  # 05/01, 10/02 and 10/03/2026
    for day in ("2026-01-05", "2026-02-10", "2026-03-10"):
        collector.json("day", "close", "--date", day, "--count", "500000=1", "--reason", "Thừa")
    assert collector.json("sync")["rejected"] == []
    database = open_database(server.database_url)
    try:
        [january] = list_days(UnitOfWork(database, write=False), point_code=None, since=DAY, until=DAY, limit=1)
        newest = list_days(UnitOfWork(database, write=False), point_code=None, since=None, until=None, limit=2)
    finally:
        database.dispose()
    assert january.closed_on == DAY
    assert len(newest) == 2



def test_a_hand_over_travels_to_the_server_and_counts_in_the_receivers_day(
    server: RunningServer, collector: Collector
) -> None:
    collector.pay(1)  # the family HI payment of 05/01/2026, the collector's own
    with collector.open() as store:
        lan = add_user(store, username="ctv.lan", full_name="Phạm Thị Lan", role=Role.COLLABORATOR, actor="test")
        today = date.today()
        paid = record_vsi_payment(store, citizen_id=collector.head, monthly_income=2_000_000, months=1, on=today,
                                  actor=lan)
        device_id = device_of(store).device_id
    handed = collector.json("handover", "record", "--collaborator", "ctv.lan", "--receipts", paid.receipt_number)
    closed = collector.json("day", "close", "--count", f"1000={paid.payable // 1000}", "--reason", "x")
    assert handed["amount"] == paid.payable and closed["expected_cash"] == paid.payable  # all of it Lan's
    report = collector.json("sync")
    assert report["rejected"] == []
    assert_server_holds_everything_once(collector)
    days = supervisor_of(server).get("/review/days", params={"from": today.isoformat()}).json()["days"]
    [day] = [d for d in days if d["device_id"] == device_id]
    assert (day["expected_cash"], day["server_expected_cash"], day["server_receipts"], day["matches"]) == (
        paid.payable, paid.payable, 0, True)


CLOSING = {"id": "0193a0c0-0000-7000-8000-000000000001", "closed_on": "2026-01-05",
           "day_start": "2026-01-04T17:00:00.000000+00:00", "day_end": "2026-01-05T17:00:00.000000+00:00",
           "collector": "collector", "expected_cash": 374_000, "counted_cash": 370_000, "difference": -4_000,
           "transfers": 0, "counts": {"500000": 0, "200000": 1, "100000": 1, "50000": 1, "20000": 1, "10000": 0,
                                      "5000": 0, "2000": 0, "1000": 0},
           "reason": "Thối nhầm", "closed_at": "2026-01-05T10:00:00.000000+00:00", "device_id": "D"}


@pytest.mark.parametrize(("change", "code"), [
    ({}, None),
    ({"difference": -3_000}, ProblemCode.SYNC_FIELD_INVALID),  # not counted - expected
    ({"counted_cash": 380_000, "difference": 6_000}, ProblemCode.SYNC_FIELD_INVALID),  # not what the notes add up to
    ({"counts": {**CLOSING["counts"], "300000": 1}}, ProblemCode.DAY_UNKNOWN_DENOMINATION),
    ({"counts": {**CLOSING["counts"], "1000": -1}}, ProblemCode.DAY_NOTES_OUT_OF_RANGE),
    ({"reason": ""}, ProblemCode.DAY_REASON_REQUIRED),
    ({"device_id": "E"}, ProblemCode.SYNC_FIELD_INVALID),
    ({"expected_cash": "374000"}, ProblemCode.SYNC_FIELD_INVALID),
])
def test_the_server_refuses_a_closing_that_does_not_add_up(change: dict[str, object], code: ProblemCode | None):
    verdict = check_record("day_close", {**CLOSING, **change}, device_id="D", series="BD01M1",
                           policies=lambda version: None, today=date(2026, 1, 6))
    assert (verdict.problem.code if verdict.problem is not None else None) == code
