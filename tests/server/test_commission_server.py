"""`provincial-server commission`: each point's monthly statement from the accepted payments net of voids,
computed with the devices' domain function; new versus continuing participants across months; one point
never mixed with another. Runs on SQLite and on PostgreSQL (the `server` fixture)."""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction

from collector_app.domain.money import RoundingRule, round_vnd
from collector_app.domain.policy import PolicyTable
from server_helpers import Server, enrol, family_hi_payment, new_point, void_record, vsi_payment

AN, BINH = "001090054321", "001192054321"


def _paid(record) -> list[int]:
    return [item["amount"] for item in record["payload"]["items"]]


def test_the_points_statement_counts_accepted_payments_net_of_voids_new_and_continuing(
        server: Server, policy_table: PolicyTable):
    point, other_point = new_point(server), new_point(server)
    device, other = enrol(server, point), enrol(server, other_point)
    an_february = vsi_payment(device, policy_table, citizen_id=AN, paid_on=date(2026, 2, 27))
    an_march = vsi_payment(device, policy_table, citizen_id=AN, paid_on=date(2026, 3, 3),
                           supported_months_before=1)
    binh_voided = vsi_payment(device, policy_table, citizen_id=BINH, paid_on=date(2026, 3, 4))
    household = family_hi_payment(device, policy_table, members=2, months=12, paid_on=date(2026, 3, 5))
    elsewhere = family_hi_payment(other, policy_table, members=3, months=12, paid_on=date(2026, 3, 6))
    answer = device.upload(device.seal([an_february, an_march, binh_voided, household]))
    assert answer.status_code == 200, answer.text
    assert {r["status"] for r in answer.json()["results"]} == {"accepted"}, answer.text
    assert device.upload(device.seal([void_record(device, binh_voided)])).status_code == 200
    assert other.upload(other.seal([elsewhere])).status_code == 200

    made = json.loads(server.admin("commission", "--month", "2026-03", "--point", point, "--json"))

    [statement] = made["points"]
    vsi_continuing, hi_new = sum(_paid(an_march)), sum(_paid(household))
    expected = [
        ("vsi", "continuing", "1/10", 1, vsi_continuing, round_vnd(vsi_continuing * Fraction(1, 10), RoundingRule.HALF_UP)),
        ("family_hi", "new", "7/100", 2, hi_new, round_vnd(hi_new * Fraction(7, 100), RoundingRule.HALF_UP)),
    ]
    assert [(l["scheme"], l["participant"], l["rate"], l["participants"], l["base"], l["commission"])
            for l in statement["lines"]] == expected
    assert statement["point"] == point and statement["base"] == vsi_continuing + hi_new
    february = json.loads(server.admin("commission", "--month", "2026-02", "--point", point, "--json"))
    assert [(l["participant"], l["base"]) for l in february["points"][0]["lines"]] == [("new", sum(_paid(an_february)))]


def test_a_month_without_payments_at_the_point_is_an_empty_answer(server: Server):
    point = new_point(server)

    assert json.loads(server.admin("commission", "--month", "2031-01", "--point", point, "--json")) == {
        "month": "2031-01", "points": []}
    assert "no payments in 01/2031" in server.admin("commission", "--month", "2031-01", "--point", point)
