"""Visit rounds through the live server: a round made on the point's device reaches its collaborator's device
of the same point (never another point's), and the visits marked there come back to the point's device."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sync_helpers import Collector, RunningServer, new_collector

from collector_app.domain.payments import Role
from collector_app.services import rounds
from collector_app.services.device import acting_user, device_of
from collector_app.services.due import due_list
from collector_app.store.accounts import add_user
from collector_app.sync.client import SyncClient
from collector_app.sync.engine import enrol
from collector_app.wire import RecordKind
from provincial_server.services.records import check_record

ON = date(2026, 2, 15)  # the head's voluntary SI was paid for January: due again


def with_collaborator(collector: Collector) -> Collector:
    with collector.open() as store:
        add_user(store, username="ctv.lan", full_name="Phạm Thị Lan", role=Role.COLLABORATOR, actor="test")
    return collector


def test_a_round_reaches_the_collaborators_device_of_its_point_only_and_its_visits_come_back(
        tmp_path: Path, server: RunningServer) -> None:
    point = with_collaborator(new_collector(tmp_path / "point", server))
    point.pay(2)
    with point.open() as store:
        point_code = device_of(store).point_code
        made = rounds.make_round(store, due_list(store, on=ON).households, collaborator="ctv.lan", made_on=ON,
                                 actor=acting_user(store))
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
        rounds.visit(store, there.header, household=household.household_id, outcome="will_pay_later",
                     actor=acting_user(store, "ctv.lan"))
    assert field.json("sync")["rejected"] == []
    assert point.json("sync")["rejected"] == []
    assert field.json("sync")["rejected"] == []  # its own visit is not handed back to it

    with point.open() as store:
        detail = rounds.round_detail(store, made.header)
        visit = detail.households[0].visit
        assert visit is not None and (visit.outcome, visit.visited_by) == ("will_pay_later", "ctv.lan")
        assert detail.progress.visited == 1
    with field.open() as store:
        assert len(rounds.stored.visits_of(store, made.header.round_id)) == 1


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
