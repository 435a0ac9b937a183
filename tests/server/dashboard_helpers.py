"""A small province for the dashboard's tests: three points of one commune, with devices, payments, a void,
rejections and targets whose figures are worked out by hand below (policy 2026.11.1)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from server_helpers import Device, Server, Supervisor, enrol, family_hi_payment, new_point, vsi_payment, void_record
from sqlalchemy import insert, update

from collector_app.domain.policy import PolicyTable
from provincial_server.store.schema import batches, devices, points, targets

# Amounts of policy 2026.11.1 (base salary 2,340,000; poverty line 2,000,000), worked out by hand:
VSI_3_MONTHS = 825_000  # 22 % of 2,000,000 x 3 = 1,320,000, less the poor group's 30 % of 22 % of the poverty line x 3 (495,000)
HI_2_MEMBERS = 1_263_600 + 884_520  # 4.5 % of 2,340,000 x 12; the second member 70 % of it
HI_3_MEMBERS = HI_2_MEMBERS + 758_160  # the third 60 %

# The dashboard's month in these tests: March 2026.
MARCH = date(2026, 3, 1)
# Last second of March in Vietnam (UTC+7), and the first second of April there.
END_OF_MARCH_VN = datetime(2026, 3, 31, 16, 59, 59, tzinfo=UTC)
START_OF_APRIL_VN = datetime(2026, 3, 31, 17, 0, 0, tzinfo=UTC)

_communes = itertools.count(1)


def new_commune() -> str:
    """A commune code no other test uses (the dashboard is filtered by it: the server is shared)."""
    return f"9{next(_communes):04d}"


@dataclass
class Province:
    commune: str
    a: str  # behind plan, with every kind of figure
    b: str  # no target
    c: str  # a target and nothing collected
    silent_device: Device
    active_device: Device
    v1: str  # the record id of A's payment of 05/03, standing


def place(server: Server, point: str, commune: str, province: str = "01") -> None:
    server.execute(update(points).where(points.c.code == point).values(commune_code=commune, province_code=province))


def set_target(server: Server, point: str, scheme: str, participants: int, amount: int | None = None,
               year: int = 2026) -> None:
    server.execute(insert(targets).values(year=year, point_code=point, scheme=scheme, participants=participants,
                                          amount=amount, updated_at=datetime.now(UTC)))


def receive_at(server: Server, batch_id: str, moment: datetime) -> None:
    """Make a batch look received at `moment` (a test cannot wait for March)."""
    server.execute(update(batches).where(batches.c.batch_id == batch_id).values(received_at=moment))


def last_seen(server: Server, device: Device, moment: datetime) -> None:
    """Make a device look last heard of at `moment` (its enrolment too)."""
    server.execute(update(devices).where(devices.c.id == device.device_id)
                   .values(last_seen_at=moment, enrolled_at=moment))


def upload(device: Device, records: list) -> dict:
    response = device.upload(device.seal(records))
    assert response.status_code == 200, response.text
    return response.json()


def build_province(server: Server, supervisor: Supervisor, table: PolicyTable) -> Province:
    """Point A (target: VSI 4 people and 3,000,000 đ; family HI 10 people), in March 2026:
    - v1 VSI paid 05/03, v2 VSI paid 31/03 then voided, v3 VSI paid 12/03 rejected by a supervisor,
      v4 VSI paid 28/02, v5 VSI paid 15/01 (each 3 months, 825,000 đ), h1 family HI of 3 paid 20/02
      (card from 22/03), h2 family HI of 2 paid 10/03 (card from 09/04), one record rejected at receipt;
      that batch received on 31/03 at 23:59:59 Vietnam time, the void's batch too; a batch received a
      second later (1 April in Vietnam) with another rejected record.
    - devices: one active, one silent for 10 days, one revoked.
    Point B (no target): one VSI paid 31/03 and one paid 01/04. Point C: a VSI target of 1, nothing collected.
    """
    commune = new_commune()
    a, b, c = new_point(server), new_point(server), new_point(server)
    for code in (a, b, c):
        place(server, code, commune)
    set_target(server, a, "vsi", 4, 3_000_000)
    set_target(server, a, "family_hi", 10)
    set_target(server, c, "vsi", 1)

    active, silent, revoked = enrol(server, a), enrol(server, a), enrol(server, a)
    server.admin("revoke-device", revoked.series)
    v1 = vsi_payment(active, table, months=3, paid_on=date(2026, 3, 5))
    v2 = vsi_payment(active, table, months=3, paid_on=date(2026, 3, 31))
    v3 = vsi_payment(active, table, months=3, paid_on=date(2026, 3, 12))
    v4 = vsi_payment(active, table, months=3, paid_on=date(2026, 2, 28))
    v5 = vsi_payment(active, table, months=3, paid_on=date(2026, 1, 15))
    h1 = family_hi_payment(active, table, members=3, paid_on=date(2026, 2, 20))
    h2 = family_hi_payment(active, table, members=2, paid_on=date(2026, 3, 10))
    wrong = vsi_payment(active, table, months=3, paid_on=date(2026, 3, 6))
    wrong["payload"]["amount"] += 1
    first = active.seal([v1, v2, v3, v4, v5, h1, h2, wrong])
    answer = active.upload(first)
    assert answer.status_code == 200, answer.text
    statuses = [result["status"] for result in answer.json()["results"]]
    assert statuses == ["accepted"] * 7 + ["rejected"], answer.text
    void = upload(active, [void_record(active, v2)])
    late_wrong = vsi_payment(active, table, months=3, paid_on=date(2026, 3, 20))
    late_wrong["payload"]["amount"] -= 1
    late = upload(active, [late_wrong])
    decided = supervisor.post(f"/review/records/{v3['record_id']}", {"decision": "reject", "reason": "Sai người"})
    assert decided.status_code == 200, decided.text
    receive_at(server, first["batch_id"], END_OF_MARCH_VN)
    receive_at(server, void["batch_id"], END_OF_MARCH_VN)
    receive_at(server, late["batch_id"], START_OF_APRIL_VN)
    last_seen(server, silent, datetime.now(UTC) - timedelta(days=10))

    other = enrol(server, b)
    upload(other, [vsi_payment(other, table, months=3, paid_on=date(2026, 3, 31)),
                   vsi_payment(other, table, months=3, paid_on=date(2026, 4, 1))])
    return Province(commune=commune, a=a, b=b, c=c, silent_device=silent, active_device=active,
                    v1=v1["record_id"])
