"""Visit rounds through the live server: a round made on the point's device reaches its collaborator's device
of the same point (never another point's), and the visits marked there come back to the point's device, with
what its people paid there as the server's ledger holds it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from sync_helpers import HOUSEHOLD, Collector, RunningServer, new_collector

from collector_app.domain.payments import NewPayment, Role
from collector_app.services import rounds
from collector_app.services.device import acting_user, device_of
from collector_app.domain.rounds import PaidState
from collector_app.services.due import due_list
from collector_app.services.payments import (
    prepare_family_hi_payment,
    prepare_vsi_payment,
    record_family_hi_payment,
    record_vsi_payment,
)
from collector_app.services.receipts import void_receipt
from collector_app.store.accounts import add_user
from collector_app.store.sync_state import sync_state
from collector_app.sync.client import SyncClient
from collector_app.sync.engine import enrol
from collector_app.wire import RecordKind
from provincial_server.services.records import check_record

ON = date(2026, 2, 15)
TODAY = date.today()  # a round asks the server for its people's payments for half a year: made today


def with_collaborator(collector: Collector) -> Collector:
    with collector.open() as store:
        add_user(store, username="ctv.lan", full_name="Phạm Thị Lan", role=Role.COLLABORATOR, actor="test")
    return collector


def test_a_round_reaches_the_collaborators_device_of_its_point_only_and_its_visits_come_back(
        tmp_path: Path, server: RunningServer) -> None:
    point = with_collaborator(new_collector(tmp_path / "point", server))
    point.pay(2)  # the head's voluntary SI for January 2026: overdue since
    with point.open() as store:
        point_code = device_of(store).point_code
        chosen = [h for h in due_list(store, on=TODAY).households if h.household_code == HOUSEHOLD]
        made = rounds.make_round(store, chosen, collaborator="ctv.lan", made_on=TODAY, actor=acting_user(store))
    # The collaborator's own laptop, enrolled at the same point (its own household and series), and a
    # device of another point with a user of the same name.
    field = with_collaborator(new_collector(tmp_path / "field", server, enrolled=False))
    with field.open() as store, SyncClient(server.url) as client:
        enrol(store, client, code=server.admin("enrolment-code", point_code).strip())
    other = with_collaborator(new_collector(tmp_path / "other", server))

    sent = point.json("sync")
    assert sent["rejected"] == []
    for device in (field, other):
        assert device.json("sync")["rejected"] == []

    with other.open() as store:
        assert rounds.rounds_progress(store) == []
    with field.open() as store:
        [there] = rounds.rounds_progress(store)
        assert (there.header.round_id, there.header.number, there.made_here) == (made.header.round_id, 1, False)
        assert rounds.households_of(store, there.header) == made.households
        household = made.households[0]
        rounds.visit(store, there.header, household=household.household_id, outcome="paid",
                     actor=acting_user(store, "ctv.lan"))
    assert field.json("sync")["rejected"] == []
    assert point.json("sync")["rejected"] == []
    assert field.json("sync")["rejected"] == []  # its own visit is not handed back to it

    with point.open() as store:
        detail = rounds.round_detail(store, made.header)
        [shown] = detail.households
        assert shown.visit is not None and (shown.visit.outcome, shown.visit.visited_by) == ("paid", "ctv.lan")
        assert (shown.state, detail.progress.visited, detail.progress.paid) == (PaidState.NOT_PAID, 1, 0)
    with field.open() as store:
        assert len(rounds.stored.visits_of(store, made.header.round_id)) == 1


def test_the_server_gives_the_round_s_maker_only_what_its_people_paid_with_its_own_figures(
        tmp_path: Path, server: RunningServer) -> None:
    point = with_collaborator(new_collector(tmp_path / "point", server))
    point.pay(2)
    with point.open() as store:
        chosen = [h for h in due_list(store, on=TODAY).households if h.household_code == HOUSEHOLD]
        made = rounds.make_round(store, chosen, collaborator="ctv.lan", made_on=TODAY, actor=acting_user(store))
        # Lan takes the head's payment on the point's laptop, carried on the round.
        paid = record_vsi_payment(store, citizen_id=point.head, monthly_income=2_000_000, months=1, on=TODAY,
                                  period_from=TODAY.replace(day=1), actor=acting_user(store, "ctv.lan"))
    assert point.json("sync")["rejected"] == []
    other = new_collector(tmp_path / "other", server)
    with point.open() as store, SyncClient(server.url, sync_state(store).token) as client:
        answer = client.round_payments(made.header.round_id)
    assert answer is not None and answer["receipts"] == [{
        "receipt_number": paid.receipt_number, "person_key": point.head, "scheme": "vsi",
        "paid_on": TODAY.isoformat(), "amount": paid.payable, "voided": False}]
    with other.open() as store, SyncClient(server.url, sync_state(store).token) as client:
        assert client.round_payments(made.header.round_id) is None  # another device's round: not found
    with point.open() as store:
        [shown] = rounds.round_detail(store, made.header).households
        # Counted once, though the store and the server both hold the receipt.
        assert (shown.state, shown.collected, shown.receipt_numbers) == (PaidState.PAID, paid.payable,
                                                                          (paid.receipt_number,))
        void_receipt(store, paid.receipt_number, reason="Thu nhầm người", actor=acting_user(store))
    assert point.json("sync")["rejected"] == []
    with point.open() as store:
        [shown] = rounds.round_detail(store, made.header).households
        assert (shown.state, shown.collected) == (PaidState.NOT_PAID, 0)
        with store.read() as connection:  # the server's copy of the receipt says voided too
            held = connection.exec_driver_sql("SELECT receipt_number, voided, device_id FROM round_receipts").all()
        assert [tuple(row) for row in held] == [(paid.receipt_number, 1, "server")]


def without_enrolments(payment: NewPayment) -> NewPayment:
    return replace(payment, items=tuple(replace(item, enrolment_id=str(n)) for n, item in enumerate(payment.items)))


def test_the_collaborators_laptop_renews_from_what_the_round_carried_and_the_server_accepts_it(
        tmp_path: Path, server: RunningServer) -> None:
    """The laptop holds none of the household's payments: the round carries the head's state-supported months,
    support group and income, and each member's card end, so its renewals are priced as the point's device
    prices them and the server, whose ledger holds the earlier payments, accepts them."""
    point = with_collaborator(new_collector(tmp_path / "point", server))
    point.pay(3)  # family HI for both from 04/02/2026 (12 months); the head's voluntary SI for January, February
    with point.open() as store:
        point_code = device_of(store).point_code
        chosen = [h for h in due_list(store, on=TODAY, days=120).households if h.household_code == HOUSEHOLD]
        made = rounds.make_round(store, chosen, collaborator="ctv.lan", made_on=TODAY, actor=acting_user(store))
        household_id = chosen[0].household_id
        head = next(e for e in chosen[0].entries if e.scheme.value == "vsi")
        assert head.supported_months > 0  # what the laptop would not know
        # What the point's own device would take for the same renewals.
        vsi_here = prepare_vsi_payment(store, citizen_id=point.head, monthly_income=2_000_000, months=1, on=TODAY)
        hi_here = prepare_family_hi_payment(store, household_id=household_id, months=12, on=TODAY)
    assert [m.supported_months for h in made.households for m in h.members if m.scheme == "vsi"] == [
        head.supported_months]
    assert point.json("sync")["rejected"] == []
    field = with_collaborator(new_collector(tmp_path / "field", server, enrolled=False))
    with field.open() as store, SyncClient(server.url) as client:
        enrol(store, client, code=server.admin("enrolment-code", point_code).strip())
    assert field.json("sync")["rejected"] == []  # the round comes down

    with field.open() as store:
        lan = acting_user(store, "ctv.lan")
        vsi_there = prepare_vsi_payment(store, citizen_id=point.head, monthly_income=2_000_000, months=1, on=TODAY)
        hi_there = prepare_family_hi_payment(store, household_id=household_id, months=12, on=TODAY)
        # The same payments (the laptop enrols the people anew: other enrolment ids), the same figures.
        assert without_enrolments(vsi_there.payment) == without_enrolments(vsi_here.payment)
        assert without_enrolments(hi_there.payment) == without_enrolments(hi_here.payment)
        assert hi_there.payment.items[0].previous_card_end is not None
        record_vsi_payment(store, citizen_id=point.head, monthly_income=2_000_000, months=1, on=TODAY, actor=lan)
        record_family_hi_payment(store, household_id=household_id, months=12, on=TODAY, actor=lan)
        # A second month afterwards counts the support of the first, taken here, on top of the round's.
        again = prepare_vsi_payment(store, citizen_id=point.head, monthly_income=2_000_000, months=1, on=TODAY)
        assert again.payment.items[0].supported_months_before == (
            head.supported_months + (vsi_there.payment.items[0].supported_months or 0))
    sent = field.json("sync")
    assert sent["rejected"] == [], sent  # no support_history_behind, no card_history_behind


def test_the_server_refuses_a_round_or_a_visit_that_is_not_the_sending_devices() -> None:
    round_id, device = "0194f8a0-0000-7000-8000-000000000001", "0194f8a0-0000-7000-8000-0000000000aa"
    visit = {"id": "0194f8a0-0000-7000-8000-000000000002", "round_id": round_id, "household_id": "h",
             "outcome": "refused", "visited_by": "ctv.lan", "visited_at": "2026-02-15T03:00:00+00:00",
             "device_id": device}
    judged = [check_record(RecordKind.ROUND_VISIT, payload, device_id=device, series="BD01M1",
                           policies=lambda _v: None, today=ON).problem
              for payload in (visit, {**visit, "device_id": "another"}, {**visit, "outcome": "asleep"})]
    assert judged[0] is None and judged[1] is not None and judged[2] is not None
    empty = {"id": round_id, "number": 1, "made_on": "2026-02-15", "collaborator": "ctv.lan",
             "collaborator_name": "Lan", "households": [], "people": [], "device_id": device}
    assert check_record(RecordKind.ROUND, empty, device_id=device, series="BD01M1", policies=lambda _v: None,
                        today=ON).problem is not None
