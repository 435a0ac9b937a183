"""The province dashboard (`GET /dashboard`, `provincial-server dashboard`): figures worked out by hand for a
small province (see dashboard_helpers), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from dashboard_helpers import (
    HI_2_MEMBERS,
    HI_3_MEMBERS,
    VSI_3_MONTHS,
    Province,
    build_province,
    last_seen,
    new_commune,
    place,
    set_target,
)
from server_helpers import Server, Supervisor, enrol, new_point
from sqlalchemy import update

from collector_app.domain.policy import PolicyTable
from provincial_server.cli import DASHBOARD_SORTS
from provincial_server.services.dashboard import SORT_KEYS, DashboardQuery, province_dashboard, vietnam_month
from provincial_server.store.db import open_database
from provincial_server.store.schema import devices
from provincial_server.store.unit_of_work import UnitOfWork


@pytest.fixture
def province(server: Server, supervisor: Supervisor, policy_table: PolicyTable) -> Province:
    return build_province(server, supervisor, policy_table)


def march(supervisor: Supervisor, province: Province, **params: object) -> dict:
    response = supervisor.get("/dashboard", params={"year": 2026, "month": 3, "commune": province.commune, **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_each_point_shows_its_devices_reviews_rejections_money_and_progress(supervisor: Supervisor,
                                                                            province: Province):
    board = march(supervisor, province)
    assert board["participants_on"] == "2026-03-31"  # March is over: its last day
    rows = {row["point_code"]: row for row in board["points"]}
    a = rows[province.a]
    assert (a["devices"], a["silent_devices"]) == (2, 1)  # the revoked one is not counted
    assert [d["series"] for d in a["device_list"] if d["silent"]] == [province.silent_device.series]
    # The first batch (v1, v2, v4, v5, h1, h2 pending; v3 decided) and the void's: 7 records to decide.
    assert (a["batches_pending"], a["records_pending"]) == (2, 7)
    # The wrong record of the batch received at 23:59:59 on 31/03 in Vietnam is March's; the one a second
    # later is April's. v3 was rejected by a supervisor.
    assert (a["rejected_at_receipt"], a["rejected_by_supervisor"]) == (1, 1)
    # March: v1 and h2 (v2 voided, v3 rejected); February: v4 and h1.
    assert a["this_month"] == VSI_3_MONTHS + HI_2_MEMBERS == 2_973_120
    assert a["last_month"] == VSI_3_MONTHS + HI_3_MEMBERS == 3_731_280
    # Covered on 31/03: v1 (March-May), v4 (February-April), v5 (January-March); h1's three (card from 22/03),
    # not h2's (from 09/04). Paid since 1 January: v1, v4, v5; h1, h2.
    assert a["vsi"] == {"participants": 3, "amount": 3 * VSI_3_MONTHS, "target_participants": 4,
                        "target_amount": 3_000_000}
    assert a["family_hi"] == {"participants": 3, "amount": HI_3_MEMBERS + HI_2_MEMBERS, "target_participants": 10,
                              "target_amount": None}
    assert a["behind_permille"] == 300  # family HI: 3 of 10 (VSI: 3 of 4 people, 2,475,000 of 3,000,000 đ)

    b = rows[province.b]
    assert b["this_month"] == VSI_3_MONTHS  # paid 31/03; the one of 01/04 is April's
    assert b["last_month"] == 0
    assert b["vsi"]["target_participants"] is None
    assert b["behind_permille"] is None  # no target: not 0 %
    c = rows[province.c]
    assert (c["devices"], c["this_month"], c["behind_permille"]) == (0, 0, 0)  # a target and nothing collected


def test_the_totals_add_up_every_point_of_the_filter(supervisor: Supervisor, province: Province):
    board = march(supervisor, province, limit=1)
    assert board["total"] == 3 and len(board["points"]) == 1
    totals = board["totals"]
    assert (totals["devices"], totals["silent_devices"], totals["batches_pending"]) == (3, 1, 3)
    assert totals["this_month"] == 2_973_120 + VSI_3_MONTHS
    assert totals["last_month"] == 3_731_280
    assert totals["vsi"]["target_participants"] == 5  # A's 4 and C's 1; B has none
    assert totals["family_hi"]["target_participants"] == 10


def test_the_points_furthest_behind_plan_come_first_and_those_without_a_target_last(supervisor: Supervisor,
                                                                                  province: Province):
    order = [row["point_code"] for row in march(supervisor, province)["points"]]
    assert order == [province.c, province.a, province.b]  # 0 %, 30 %, no target
    descending = [row["point_code"] for row in march(supervisor, province, desc=True)["points"]]
    assert descending == [province.a, province.c, province.b]
    by_money = [row["point_code"] for row in march(supervisor, province, sort="this_month", desc=True)["points"]]
    assert by_money == [province.a, province.b, province.c]
    paged = [row["point_code"] for row in march(supervisor, province, limit=1, offset=1)["points"]]
    assert paged == [province.a]


def test_silence_is_a_setting_a_request_may_change_and_a_filter(supervisor: Supervisor, province: Province):
    assert march(supervisor, province, silent_days=11)["totals"]["silent_devices"] == 0  # silent for 10 days
    assert march(supervisor, province, silent_days=9)["totals"]["silent_devices"] == 1
    only = march(supervisor, province, silent_only=True)
    assert [row["point_code"] for row in only["points"]] == [province.a]
    assert only["totals"]["devices"] == 2


def test_a_device_is_silent_only_after_more_than_n_days(server: Server):
    point = new_point(server)
    commune = new_commune()
    place(server, point, commune)
    now = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    exactly, a_second_more, a_day_more = (enrol(server, point) for _ in range(3))
    for device, ago in ((exactly, timedelta(days=7)), (a_second_more, timedelta(days=7, seconds=1)),
                        (a_day_more, timedelta(days=8))):
        last_seen(server, device, now - ago)
    database = open_database(server.database_url)
    try:
        report = province_dashboard(UnitOfWork(database, write=False),
                                    DashboardQuery(year=2026, month=11, commune_code=commune), silent_days=7, now=now)
    finally:
        database.dispose()
    silent = {device.series: device.silent for device in report.points[0].devices}
    assert silent == {exactly.series: False, a_second_more.series: True, a_day_more.series: True}


def test_the_month_is_the_one_it_is_in_vietnam_and_participants_are_counted_on_its_last_day(
        server: Server, policy_table: PolicyTable):
    point = new_point(server)
    commune = new_commune()
    place(server, point, commune)
    set_target(server, point, "vsi", 2)
    database = open_database(server.database_url)
    # 17:30 UTC on 31/03 is already 1 April in Vietnam: April's figures, participants on its last day (the
    # month-end count of the plan, as the progress figures count them).
    try:
        report = province_dashboard(UnitOfWork(database, write=False),
                                    DashboardQuery(year=2026, month=4, commune_code=commune), silent_days=7,
                                    now=datetime(2026, 3, 31, 17, 30, tzinfo=UTC))
    finally:
        database.dispose()
    assert vietnam_month(datetime(2026, 3, 31, 17, 30, tzinfo=UTC)) == (2026, 4)
    assert report.participants_on == date(2026, 4, 30)
    assert report.points[0].figures.behind_permille == 0


def test_only_a_supervisor_may_see_the_dashboard(server: Server, province: Province):
    import requests

    assert requests.get(f"{server.url}/dashboard", timeout=30).status_code == 401
    assert province.active_device.get("/dashboard").status_code == 403


def test_a_wrong_sort_or_month_is_refused_in_one_line(supervisor: Supervisor):
    for params in ({"sort": "amount; drop table points"}, {"month": 13}, {"silent_days": 0}, {"commune": "x"}):
        response = supervisor.get("/dashboard", params=params)
        assert response.status_code == 422, params
        assert response.json()["error"]["code"] == "request.invalid"


def test_the_command_prints_the_same_table(server: Server, province: Province):
    printed = json.loads(server.admin("dashboard", "--month", "2026-03", "--commune", province.commune, "--json"))
    assert [row["point_code"] for row in printed["points"]] == [province.c, province.a, province.b]
    assert printed["totals"]["this_month"] == 2_973_120 + VSI_3_MONTHS
    text = server.admin("dashboard", "--month", "2026-03", "--commune", province.commune, "--silent-days", "11")
    lines = text.splitlines()
    assert lines[0].startswith("03/2026: 3 points")
    a_line = next(line for line in lines if line.startswith(province.a))
    assert "2.973.120 đ" in a_line and "3.731.280 đ" in a_line and "30,0 %" in a_line
    b_line = next(line for line in lines if line.startswith(province.b))
    assert b_line.endswith("no target")
    total = next(line for line in lines if line.startswith("total"))
    assert "3.798.120 đ" in total
    assert " 0 " in total.split("đ")[0]  # no device silent for more than 11 days


def test_the_command_and_the_api_know_the_same_orders():
    assert DASHBOARD_SORTS == SORT_KEYS


def test_a_revoked_device_is_left_out_even_when_silent(server: Server):
    point = new_point(server)
    commune = new_commune()
    place(server, point, commune)
    device = enrol(server, point)
    server.admin("revoke-device", device.series)
    server.execute(update(devices).where(devices.c.id == device.device_id)
                   .values(enrolled_at=datetime(2026, 1, 1, tzinfo=UTC)))
    printed = json.loads(server.admin("dashboard", "--commune", commune, "--json"))
    assert (printed["totals"]["devices"], printed["totals"]["silent_devices"]) == (0, 0)


def test_silent_days_come_from_the_environment_within_bounds(monkeypatch: pytest.MonkeyPatch):
    from provincial_server.settings import SILENT_DAYS_VARIABLE, ServerSettings

    monkeypatch.setenv("PROVINCIAL_SERVER_DATABASE_URL", "sqlite:////tmp/unused.sqlite3")
    assert ServerSettings.from_environment().silent_days == 7
    monkeypatch.setenv(SILENT_DAYS_VARIABLE, "3")
    settings = ServerSettings.from_environment()
    assert settings.silent_days == 3 and settings.environment()[SILENT_DAYS_VARIABLE] == "3"
    monkeypatch.setenv(SILENT_DAYS_VARIABLE, "0")
    with pytest.raises(ValueError, match=SILENT_DAYS_VARIABLE):
        ServerSettings.from_environment()


@pytest.mark.parametrize("argument", [["--month", "2026-13"], ["--month", "03/2026"], ["--silent-days", "0"],
                                      ["--sort", "amount"]])
def test_a_wrong_dashboard_argument_is_one_line_and_exit_2(argument: list[str], capsys: pytest.CaptureFixture[str]):
    from provincial_server import cli

    with pytest.raises(SystemExit) as stopped:
        cli.main(["dashboard", "--database-url", "sqlite:////nonexistent/x.sqlite3", *argument])
    assert stopped.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_a_new_batch_a_decision_or_a_target_shows_once_counted(server: Server, supervisor: Supervisor,
                                                          province: Province, policy_table: PolicyTable):
    from dashboard_helpers import upload
    from server_helpers import vsi_payment

    before = {row["point_code"]: row for row in march(supervisor, province)["points"]}
    march(supervisor, province, sort="point")  # the same month again, in another order: figures kept
    device = enrol(server, province.b)
    upload(device, [vsi_payment(device, policy_table, months=3, paid_on=date(2026, 3, 16))])
    decided = supervisor.post(f"/review/records/{province.v1}", {"decision": "reject", "reason": "Trùng người"})
    assert decided.status_code == 200, decided.text
    set_target(server, province.b, "vsi", 4)
    first = {row["point_code"]: row for row in march(supervisor, province)["points"]}
    # The review's counts at once; the money and progress of the points moved maybe as computed before the batch
    # (the answer's `as_of` then says when), computed again off the request.
    assert first[province.a]["rejected_by_supervisor"] == 2
    settled = supervisor.settled("/dashboard", {"year": 2026, "month": 3, "commune": province.commune})
    after = {row["point_code"]: row for row in settled["points"]}
    assert after[province.b]["this_month"] == before[province.b]["this_month"] + VSI_3_MONTHS
    assert after[province.b]["behind_permille"] == 500  # 2 of 4 (31/03 and 16/03 cover the 31st)
    assert after[province.a]["this_month"] == before[province.a]["this_month"] - VSI_3_MONTHS
    assert after[province.a]["rejected_by_supervisor"] == 2


def test_the_same_month_again_reads_only_the_devices_and_what_says_whether_anything_changed(
        server: Server, province: Province):
    from sqlalchemy import event

    from provincial_server.services.dashboard import DashboardCache

    database = open_database(server.database_url)
    statements: list[str] = []
    event.listen(database.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    cache = DashboardCache()
    now = datetime.now(UTC)
    try:
        first = province_dashboard(UnitOfWork(database, write=False),
                                   DashboardQuery(year=2026, month=3, commune_code=province.commune),
                                   silent_days=7, now=now, cache=cache)
        read_first = len(statements)
        statements.clear()
        again = province_dashboard(UnitOfWork(database, write=False),
                                   DashboardQuery(year=2026, month=3, commune_code=province.commune, sort="point"),
                                   silent_days=7, now=now, cache=cache)
    finally:
        database.dispose()
    assert [p.code for p in again.points] == sorted(p.code for p in first.points)
    assert again.totals == first.totals
    assert not any("payment_items" in sql or "batch_records" in sql for sql in statements)
    assert len(statements) < read_first
