"""Targets and progress against plan on the real server (SQLite and PostgreSQL), on a worked example.

The example, at one new point, counted by hand (year 2026):
- X pays voluntary SI on 10/09/2025 for September-November 2025, and again on 15/01/2026 for
  January-June 2026: renewing in 2026 (first period 2025).
- Y pays voluntary SI on 05/03/2026 for March 2026: new.
- Z pays voluntary SI on 10/02/2026, and the receipt is voided: in no figure.
- A household of two, X among them (a person paying two schemes), buys family HI cards on
  05/03/2026 for 12 months: first cards, so valid after 30 days, 04/04/2026 to 03/04/2027 (across the
  year's end): two new participants at the end of each month April-December.
- The family HI batch is delivered twice (a duplicate delivery): its payment counts once.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import requests
from server_helpers import Device, Server, Supervisor, enrol, family_hi_payment, new_point, void_record, vsi_payment
from sqlalchemy import update

from collector_app.domain.policy import PolicyTable
from collector_app.wire import WireRecord
from provincial_server.store.schema import points


def citizen_id() -> str:
    return f"0{random.randrange(10**10, 10**11)}"


@dataclass
class Example:
    point: str
    device: Device
    vsi_2025: int  # X's amount paid in September 2025
    vsi_january: int  # X's in January 2026
    vsi_march: int  # Y's
    hi_march: int  # the household's


def _amount(record: WireRecord) -> int:
    return int(record["payload"]["amount"])


def _upload(device: Device, records: list[WireRecord]) -> None:
    response = device.upload(device.seal(records))
    assert response.status_code == 200, response.text
    assert all(result["status"] == "accepted" for result in response.json()["results"]), response.text


def example(server: Server, table: PolicyTable) -> Example:
    point = new_point(server)
    device = enrol(server, point)
    x, y, z = citizen_id(), citizen_id(), citizen_id()
    x_2025 = vsi_payment(device, table, paid_on=date(2025, 9, 10), months=3, citizen_id=x)
    _upload(device, [x_2025])
    supported = sum(item["supported_months"] or 0 for item in x_2025["payload"]["items"])
    x_2026 = vsi_payment(device, table, paid_on=date(2026, 1, 15), months=6, citizen_id=x,
                         period_from=date(2026, 1, 1), supported_months_before=supported)
    y_2026 = vsi_payment(device, table, paid_on=date(2026, 3, 5), months=1, citizen_id=y)
    z_2026 = vsi_payment(device, table, paid_on=date(2026, 2, 10), months=1, citizen_id=z)
    household = family_hi_payment(device, table, members=2, months=12, paid_on=date(2026, 3, 5),
                                  citizen_ids=[x, None])
    _upload(device, [x_2026, y_2026, z_2026, household])
    _upload(device, [void_record(device, z_2026)])
    duplicate = device.upload(device.seal([household]))
    assert duplicate.json()["results"][0]["code"] == "sync.record_duplicate"
    return Example(point=point, device=device, vsi_2025=_amount(x_2025), vsi_january=_amount(x_2026),
                   vsi_march=_amount(y_2026), hi_march=_amount(household))


def _scheme(figures: dict[str, Any], scheme: str) -> dict[str, Any]:
    return next(found for found in figures["schemes"] if found["scheme"] == scheme)


def _column(figures: dict[str, Any], name: str) -> list[int]:
    return [month[name] for month in figures["months"]]


def test_a_points_figures_follow_the_worked_example(server: Server, supervisor: Supervisor,
                                                     policy_table: PolicyTable):
    done = example(server, policy_table)
    server.admin("set-target", "--year", "2026", "--point", done.point, "--scheme", "vsi", "--participants", "4",
                 "--amount", str(4 * done.vsi_march))
    response = supervisor.get("/progress", params={"year": 2026, "scope": "point", "code": done.point})
    assert response.status_code == 200, response.text
    figures = response.json()
    assert (figures["scope"], figures["code"], figures["points"]) == ("point", done.point, [done.point])

    vsi = _scheme(figures, "vsi")
    assert _column(vsi, "participants") == [1, 1, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    assert _column(vsi, "new") == [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert _column(vsi, "renewing") == [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    assert _column(vsi, "amount") == [done.vsi_january, 0, done.vsi_march] + [0] * 9  # Z's void: nothing in February
    assert _column(vsi, "last_year_participants") == [0] * 8 + [1, 1, 1, 0]
    assert _column(vsi, "last_year_amount") == [0] * 8 + [done.vsi_2025, 0, 0, 0]
    assert (vsi["participants"], vsi["new"], vsi["last_year_participants"]) == (2, 1, 1)
    assert vsi["amount"] == done.vsi_january + done.vsi_march
    assert (vsi["target_participants"], vsi["target_amount"]) == (4, 4 * done.vsi_march)
    assert vsi["participants_percent"] == 50.0

    hi = _scheme(figures, "family_hi")
    assert _column(hi, "participants") == [0, 0, 0] + [2] * 9
    assert _column(hi, "new") == [0, 0, 0] + [2] * 9
    assert _column(hi, "amount") == [0, 0, done.hi_march] + [0] * 9  # delivered twice, counted once
    assert (hi["participants"], hi["new"], hi["amount"]) == (2, 2, done.hi_march)
    assert hi["target_participants"] is None and hi["participants_percent"] is None

    only = supervisor.get("/progress", params={"year": 2026, "scope": "point", "code": done.point,
                                               "scheme": "family_hi"}).json()
    assert [found["scheme"] for found in only["schemes"]] == ["family_hi"]
    # The year before: X's three months, new in 2025.
    before = _scheme(supervisor.get("/progress", params={"year": 2025, "scope": "point",
                                                         "code": done.point}).json(), "vsi")
    assert _column(before, "new") == [0] * 8 + [1, 1, 1, 0] and before["amount"] == done.vsi_2025


def test_a_device_sees_its_own_points_figures_and_no_other(server: Server, supervisor: Supervisor,
                                                            policy_table: PolicyTable):
    done = example(server, policy_table)
    mine = done.device.get("/progress/mine", params={"year": 2026})
    assert mine.status_code == 200, mine.text
    as_supervisor = supervisor.get("/progress", params={"year": 2026, "scope": "point", "code": done.point})
    assert mine.json() == as_supervisor.json()
    other = enrol(server, new_point(server))
    theirs = other.get("/progress/mine", params={"year": 2026}).json()
    assert theirs["code"] == other.point_code
    assert all(found["participants"] == 0 and found["amount"] == 0 for found in theirs["schemes"])
    for path, params in (("/progress", {"year": 2026, "scope": "point", "code": done.point}),
                         ("/progress/points", {"year": 2026}), ("/targets", {"year": 2026})):
        refused = other.get(path, params=params)
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "auth.wrong_role"), path


def test_a_new_payment_is_counted_off_the_request_and_a_target_seen_at_once(server: Server, supervisor: Supervisor,
                                                                   policy_table: PolicyTable):
    done = example(server, policy_table)
    params = {"year": 2026, "scope": "point", "code": done.point, "scheme": "vsi"}
    first = _scheme(supervisor.get("/progress", params=params).json(), "vsi")
    again = _scheme(supervisor.get("/progress", params=params).json(), "vsi")
    assert again == first
    later = vsi_payment(done.device, policy_table, paid_on=date(2026, 7, 1), months=1, citizen_id=citizen_id())
    _upload(done.device, [later])
    answered = supervisor.get("/progress", params=params).json()
    if answered["as_of"] is not None:  # the figures computed before the batch, so dated: being computed again
        assert _scheme(answered, "vsi") == first
    after = _scheme(supervisor.settled("/progress", params), "vsi")
    assert after["amount"] == first["amount"] + _amount(later) and after["participants"] == 3
    response = _put(supervisor, f"/targets/2026/{done.point}/vsi", {"participants": 6})
    assert response.status_code == 200, response.text
    target_set = supervisor.get("/progress", params=params).json()  # a target moves no figure: at once
    assert target_set["as_of"] is None and _scheme(target_set, "vsi")["participants_percent"] == 50.0


def _put(supervisor: Supervisor, path: str, body: dict[str, Any]) -> requests.Response:
    return requests.put(supervisor.server.url + path, json=body, headers=supervisor.headers, timeout=30)


def test_a_commune_adds_up_its_points_and_the_province_every_point(server: Server, supervisor: Supervisor,
                                                                   policy_table: PolicyTable):
    commune = f"{random.randrange(90000, 99999)}"
    province_before = supervisor.get("/progress", params={"year": 2026}).json()
    one, two = example(server, policy_table), example(server, policy_table)
    server.execute(update(points).where(points.c.code.in_([one.point, two.point])).values(commune_code=commune))
    for done, wanted in ((one, 10), (two, 2)):
        assert _put(supervisor, f"/targets/2026/{done.point}/family_hi",
                    {"participants": wanted, "amount": 5_000_000}).status_code == 200
    figures = supervisor.get("/progress", params={"year": 2026, "scope": "commune", "code": commune}).json()
    assert sorted(figures["points"]) == sorted([one.point, two.point])
    hi = _scheme(figures, "family_hi")
    assert _column(hi, "participants") == [0, 0, 0] + [4] * 9
    assert (hi["target_participants"], hi["target_amount"]) == (12, 10_000_000)
    assert hi["amount"] == one.hi_march + two.hi_march
    province = supervisor.get("/progress", params={"year": 2026, "scope": "province"}).json()
    assert figures["points"][0] in province["points"]
    # Other tests may add payments between the two, never take any away.
    before_vsi, after_vsi = _scheme(province_before, "vsi"), _scheme(province, "vsi")
    assert after_vsi["amount"] - before_vsi["amount"] >= one.vsi_january + one.vsi_march + two.vsi_january + two.vsi_march

    listed = supervisor.get("/progress/points", params={"year": 2026, "commune": commune}).json()
    assert listed["total"] == 2
    # Behind first: one has 4 participants (2 + 2, a scheme each) of its 10 (40 %), two 4 of 2 (200 %).
    assert [(row["code"], row["percent"]) for row in listed["points"]] == [(one.point, 40.0), (two.point, 200.0)]
    assert listed["points"][0]["participants"] == 4 and listed["points"][0]["amount"] == (
        one.vsi_january + one.vsi_march + one.hi_march)
    paged = supervisor.get("/progress/points", params={"year": 2026, "commune": commune, "sort": "ahead",
                                                       "limit": 1, "offset": 1}).json()
    assert (paged["total"], [row["code"] for row in paged["points"]]) == (2, [one.point])
    missing = supervisor.get("/progress", params={"year": 2026, "scope": "commune", "code": "00001"})
    assert missing.status_code == 404


def test_targets_are_set_and_listed_by_point_commune_and_year(server: Server, supervisor: Supervisor):
    point = new_point(server)
    assert _put(supervisor, f"/targets/2026/{point}/vsi", {"participants": 120, "amount": 300_000_000}).json() == {
        "year": 2026, "point_code": point, "scheme": "vsi", "participants": 120, "amount": 300_000_000}
    assert _put(supervisor, f"/targets/2026/{point}/vsi", {"participants": 150}).status_code == 200
    assert _put(supervisor, f"/targets/2027/{point}/family_hi", {"participants": 9}).status_code == 200
    listed = supervisor.get("/targets", params={"point": point}).json()["targets"]
    assert listed == [
        {"year": 2026, "point_code": point, "scheme": "vsi", "participants": 150, "amount": None},
        {"year": 2027, "point_code": point, "scheme": "family_hi", "participants": 9, "amount": None}]
    assert supervisor.get("/targets", params={"point": point, "year": 2027}).json()["targets"] == listed[1:]
    for path, body, status in (
        ("/targets/2026/NOPE99/vsi", {"participants": 1}, 404),
        (f"/targets/2026/{point}/health", {"participants": 1}, 422),
        (f"/targets/1999/{point}/vsi", {"participants": 1}, 422),
        (f"/targets/2026/{point}/vsi", {"participants": -1}, 422),
        (f"/targets/2026/{point}/vsi", {"participants": "12"}, 422),
    ):
        assert _put(supervisor, path, body).status_code == status, path


def test_a_device_pulls_its_points_targets_through_the_changes_feed(server: Server, supervisor: Supervisor):
    point = new_point(server)
    device = enrol(server, point)
    cursor = device.get("/changes").json()["cursor"]
    assert _put(supervisor, f"/targets/2026/{point}/vsi", {"participants": 40, "amount": 90_000_000}).status_code == 200
    other = new_point(server)
    assert _put(supervisor, f"/targets/2026/{other}/vsi", {"participants": 7}).status_code == 200
    page = device.get("/changes", params={"since": cursor}).json()
    assert [(t["year"], t["scheme"], t["participants"], t["amount"]) for t in page["targets"]] == [
        (2026, "vsi", 40, 90_000_000)]
    version = page["targets"][0]["version"]
    server.admin("set-target", "--year", "2026", "--point", point, "--scheme", "family_hi", "--participants", "30")
    again = device.get("/changes", params={"since": page["cursor"]}).json()
    assert sorted((t["scheme"], t["participants"]) for t in again["targets"]) == [("family_hi", 30), ("vsi", 40)]
    assert all(t["version"] > version for t in again["targets"])
    assert device.get("/changes", params={"since": again["cursor"]}).json()["targets"] == []


@pytest.mark.parametrize("scope", ["point", "commune"])
def test_a_scope_without_a_code_is_refused(server: Server, supervisor: Supervisor, scope: str):
    response = supervisor.get("/progress", params={"year": 2026, "scope": scope})
    assert response.status_code == 422 and json.loads(response.text)["error"]["code"] == "request.invalid"
