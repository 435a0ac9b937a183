"""A device that lies is refused: every figure of a payment is computed again by the server, with the device's rule.

Each lie below was sent by an outsider with a device of its own and answered `accepted` before (issue
"The province trusts no figure it did not compute"). The lies keep their arithmetic whole (each
item's amount is its gross minus support, the payment's totals are the sums of its items), so only
the money rule (`collector_app.domain.payments.check_figures`) or the server's own history can catch
them. Generated payments check both ways: every honest payment the device can record is accepted,
and any one of its figures changed is refused.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import tally
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from server_helpers import (
    Device,
    Server,
    enrol,
    family_hi_payment,
    new_point,
    results_by_id,
    vsi_payment,
    void_record,
)

from collector_app.domain.contributions import add_months
from collector_app.domain.policy import PolicyTable
from collector_app.wire import TextLimits, WireRecord

Lie = Callable[[dict[str, Any]], None]


def _retotal(payload: dict[str, Any]) -> None:
    """Make the lie's arithmetic whole again: item amounts net of support, totals the sums of the items."""
    for item in payload["items"]:
        item["amount"] = item["gross"] - item["state_support"] - item["local_support"]
    for name in ("gross", "state_support", "local_support", "amount"):
        payload[name] = sum(item[name] for item in payload["items"])


def _answer(device: Device, *records: WireRecord) -> dict[str, dict[str, Any]]:
    response = device.upload(device.seal(list(records)))
    assert response.status_code == 200, response.text
    return results_by_id(response.json())


def _refused(device: Device, record: WireRecord) -> dict[str, Any]:
    result = _answer(device, record)[record["record_id"]]
    assert result["status"] == "rejected", result
    tally.bad_input("api:lie")
    return result


@pytest.fixture
def device(server: Server) -> Device:
    return enrol(server, new_point(server))


# ---- the lies that were accepted ----------------------------------------------------------------


def _whole_gross_as_state_support(payload: dict[str, Any]) -> None:
    item = payload["items"][0]
    item["state_support"], item["local_support"] = item["gross"], 0


def _three_times_the_support(payload: dict[str, Any]) -> None:
    payload["items"][0]["state_support"] *= 3


def _a_top_up_where_the_policy_has_none(payload: dict[str, Any]) -> None:
    payload["items"][0]["local_support"] = payload["items"][0]["state_support"]


VSI_LIES: dict[str, tuple[Lie, str, str]] = {
    # name: (lie, code, field)
    "the whole gross as state support": (_whole_gross_as_state_support, "payment.money_mismatch",
                                         "items[0].state_support"),
    "three times the policy's support": (_three_times_the_support, "payment.money_mismatch",
                                         "items[0].state_support"),
    "a top-up in a province without one": (_a_top_up_where_the_policy_has_none, "payment.money_mismatch",
                                           "items[0].local_support"),
}


@pytest.mark.parametrize("name", VSI_LIES)
def test_a_voluntary_si_payment_with_support_the_policy_does_not_give_is_refused(
    name: str, device: Device, policy_table: PolicyTable
):
    lie, code, field = VSI_LIES[name]
    record = vsi_payment(device, policy_table, monthly_income=1_500_000, months=6, group="other",
                         residence_province="40")  # Nghệ An: no provincial top-up
    honest = copy.deepcopy(record)
    lie(record["payload"])
    _retotal(record["payload"])

    result = _refused(device, record)

    assert (result["code"], result["params"]["field"]) == (code, field)
    expected = honest["payload"]["items"][0][field.split(".")[1]]
    assert (result["params"]["amount"], result["params"]["expected"]) == (
        record["payload"]["items"][0][field.split(".")[1]], expected)
    assert _answer(device, honest)[honest["record_id"]]["status"] == "accepted"


def _state_support_for_family_hi(payload: dict[str, Any]) -> None:
    payload["items"][0]["state_support"] = payload["items"][0]["gross"] // 2


def _every_member_rank_5(payload: dict[str, Any]) -> None:
    for item in payload["items"]:
        item["member_rank"], item["gross"] = 5, payload["items"][-1]["gross"]


def _two_members_rank_1(payload: dict[str, Any]) -> None:
    payload["items"][1]["member_rank"], payload["items"][1]["gross"] = 1, payload["items"][0]["gross"]


def _members_out_of_order(payload: dict[str, Any]) -> None:
    first, second = payload["items"][0], payload["items"][1]
    first["member_order"], second["member_order"] = second["member_order"], first["member_order"]


def _a_card_without_the_wait(payload: dict[str, Any]) -> None:
    for item in payload["items"]:  # a first card starts 30 days after payment, not on the day
        item["period_start"] = payload["paid_on"]


HI_LIES: dict[str, tuple[Lie, str, str]] = {
    "state support for family HI": (_state_support_for_family_hi, "payment.money_mismatch", "items[0].state_support"),
    "every member rank 5": (_every_member_rank_5, "payment.count_mismatch", "items[0].member_rank"),
    "two members rank 1": (_two_members_rank_1, "payment.count_mismatch", "items[1].member_rank"),
    "members out of household order": (_members_out_of_order, "payment.members_out_of_order",
                                       "items[1].member_order"),
    "a first card valid from the payment day": (_a_card_without_the_wait, "payment.date_mismatch",
                                                "items[0].period_start"),
}


@pytest.mark.parametrize("name", HI_LIES)
def test_a_family_hi_payment_with_ranks_support_or_cards_the_rules_do_not_give_is_refused(
    name: str, device: Device, policy_table: PolicyTable
):
    lie, code, field = HI_LIES[name]
    record = family_hi_payment(device, policy_table, members=4, months=12)
    lie(record["payload"])
    _retotal(record["payload"])

    result = _refused(device, record)

    assert (result["code"], result["params"]["field"]) == (code, field)


@pytest.mark.parametrize("days_ahead", [2, 40, 183])
def test_a_payment_dated_after_the_servers_date_is_refused(days_ahead: int, device: Device,
                                                          policy_table: PolicyTable):
    paid_on = datetime.now(UTC).date() + timedelta(days=days_ahead)
    record = family_hi_payment(device, policy_table, paid_on=paid_on)

    result = _refused(device, record)

    assert result["code"] == "sync.paid_in_future"
    assert result["params"]["date"] == paid_on.isoformat()


def test_a_payment_dated_the_day_after_the_servers_date_is_accepted(device: Device, policy_table: PolicyTable):
    """Devices are in UTC+7: their today is the server's tomorrow for seven hours a day."""
    record = family_hi_payment(device, policy_table, paid_on=datetime.now(UTC).date() + timedelta(days=1))
    assert _answer(device, record)[record["record_id"]]["status"] == "accepted"


def test_a_void_of_a_receipt_the_server_never_received_is_refused(device: Device, policy_table: PolicyTable):
    result = _refused(device, void_record(device, device.next_receipt()))
    assert result["code"] == "sync.void_receipt_unknown"


def test_a_void_naming_another_payment_than_the_receipts_is_refused(device: Device, policy_table: PolicyTable):
    payment = family_hi_payment(device, policy_table)
    _answer(device, payment)
    void = void_record(device, payment)
    void["payload"]["payment_id"] = str(uuid.uuid4())

    assert _refused(device, void)["code"] == "sync.void_receipt_unknown"


def test_a_void_of_a_payment_the_server_refused_is_accepted_and_settles_the_receipt(
    device: Device, policy_table: PolicyTable
):
    payment = family_hi_payment(device, policy_table)
    _state_support_for_family_hi(payment["payload"])
    _retotal(payment["payload"])
    _refused(device, payment)

    void = void_record(device, payment, reason="Thu sai, đã trả lại tiền")

    assert _answer(device, void)[void["record_id"]]["status"] == "accepted"


def test_a_void_in_the_batch_of_its_payment_is_accepted_and_a_second_void_refused(
    device: Device, policy_table: PolicyTable
):
    payment = family_hi_payment(device, policy_table)
    void, again = void_record(device, payment), void_record(device, payment, reason="Lần hai")

    results = _answer(device, payment, void, again)

    assert [results[r["record_id"]]["status"] for r in (payment, void, again)] == ["accepted", "accepted", "rejected"]
    assert results[again["record_id"]]["code"] == "receipt.already_void"


def test_a_void_reason_longer_than_the_wire_allows_is_refused_and_a_corrected_void_accepted(
    device: Device, policy_table: PolicyTable
):
    payment = family_hi_payment(device, policy_table)
    _answer(device, payment)
    too_long = void_record(device, payment, reason="x" * (TextLimits.VOID_REASON + 1))

    result = _refused(device, too_long)
    corrected = void_record(device, payment, reason="Ghi sai mức thu nhập", corrects=too_long["record_id"])

    assert (result["code"], result["params"]["max_length"]) == ("sync.text_too_long", TextLimits.VOID_REASON)
    assert _answer(device, corrected)[corrected["record_id"]]["status"] == "accepted"


@pytest.mark.parametrize("text", ["Thu nhầm\x1b[31m người", "Thu nhầm \u202eiờưgn", "Thu\u200b nhầm"])
def test_text_with_control_or_invisible_characters_is_refused(text: str, device: Device,
                                                             policy_table: PolicyTable):
    payment = family_hi_payment(device, policy_table)
    _answer(device, payment)
    assert _refused(device, void_record(device, payment, reason=text))["code"] == "sync.text_unsafe"


def test_the_hanoi_top_up_at_a_point_of_another_province_is_refused(server: Server, policy_table: PolicyTable):
    """A point in Nghệ An (40) may not give Hà Nội's (01) top-up, whatever address the device claims."""
    server.admin("add-point", "NA01", "Điểm thu xã Vân Tụ", "--province", "40")
    device = enrol(server, "NA01")
    claimed_hanoi = vsi_payment(device, policy_table, group="near-poor", monthly_income=1_500_000,
                                residence_province="01")
    local_resident = vsi_payment(device, policy_table, group="near-poor", monthly_income=1_500_000,
                                 residence_province="40")

    results = _answer(device, claimed_hanoi, local_resident)

    assert claimed_hanoi["payload"]["local_support"] > 0
    assert (results[claimed_hanoi["record_id"]]["code"], results[claimed_hanoi["record_id"]]["params"]) == (
        "sync.top_up_other_province", {"province": "01", "point_province": "40"})
    assert results[local_resident["record_id"]]["status"] == "accepted"


def test_a_household_of_nghe_an_gets_no_hanoi_top_up_whatever_it_claims(device: Device, policy_table: PolicyTable):
    record = vsi_payment(device, policy_table, group="near-poor", monthly_income=1_500_000, residence_province="01")
    record["payload"]["residence_province"] = "40"

    result = _refused(device, record)

    assert (result["code"], result["params"]["field"], result["params"]["expected"]) == (
        "payment.money_mismatch", "items[0].local_support", 0)


@pytest.mark.parametrize(("ahead", "status"), [(timedelta(minutes=10), 422), (timedelta(minutes=2), 200)])
def test_a_batch_sealed_ahead_of_the_servers_clock_is_refused_whole(
    ahead: timedelta, status: int, server: Server, device: Device, policy_table: PolicyTable
):
    batch = device.seal([family_hi_payment(device, policy_table)])
    batch["sealed_at"] = (datetime.now(UTC) + ahead).strftime("%Y-%m-%dT%H:%M:%SZ")

    response = device.upload(batch)

    assert response.status_code == status, response.text
    if status == 422:
        assert response.json()["error"]["code"] == "batch.sealed_in_future"
        assert server.count("batches", batch_id=batch["batch_id"]) == 0


# ---- lies only the server's history can catch ---------------------------------------------------


def test_the_same_months_paid_at_two_points_are_refused_the_second_time(server: Server, policy_table: PolicyTable):
    first, second = enrol(server, new_point(server)), enrol(server, new_point(server))
    citizen = "001090000777"
    paid = vsi_payment(first, policy_table, citizen_id=citizen, months=3)
    again = vsi_payment(second, policy_table, citizen_id=citizen, months=1)

    assert _answer(first, paid)[paid["record_id"]]["status"] == "accepted"
    result = _refused(second, again)

    assert result["code"] == "payment.period_already_paid"


def test_support_months_counted_below_what_the_server_holds_are_refused(device: Device, policy_table: PolicyTable):
    citizen = "001090000888"
    paid = vsi_payment(device, policy_table, citizen_id=citizen, months=12, paid_on=date(2025, 7, 10))
    _answer(device, paid)
    # The next year, the device says no support was received before: 12 more supported months.
    forgetful = vsi_payment(device, policy_table, citizen_id=citizen, months=12, paid_on=date(2026, 7, 10),
                            supported_months_before=0)
    honest = vsi_payment(device, policy_table, citizen_id=citizen, months=12, paid_on=date(2026, 7, 10),
                         supported_months_before=12)

    result = _refused(device, forgetful)

    assert (result["code"], result["params"]) == ("sync.support_history_behind", {"months": 0, "held": 12})
    assert _answer(device, honest)[honest["record_id"]]["status"] == "accepted"


def test_a_new_card_that_ignores_the_card_the_server_holds_is_refused(device: Device, policy_table: PolicyTable):
    citizens = ["001090000991", "001190000992"]
    first = family_hi_payment(device, policy_table, months=6, paid_on=date(2026, 1, 5), citizen_ids=citizens)
    _answer(device, first)
    card_end = first["payload"]["items"][0]["period_end"]
    # Paid again in March as if there had been no card: a card from the end of the first is due.
    fresh = family_hi_payment(device, policy_table, months=6, paid_on=date(2026, 3, 5), citizen_ids=citizens)

    result = _refused(device, fresh)

    assert result["code"] in {"payment.period_already_paid", "sync.card_history_behind"}
    renewal = family_hi_payment(device, policy_table, months=6, paid_on=date(2026, 3, 5), citizen_ids=citizens,
                                previous_card_end=date.fromisoformat(card_end))
    assert _answer(device, renewal)[renewal["record_id"]]["status"] == "accepted"


# ---- generated payments: honest ones accepted, any figure changed refused -------------------------

PAST = (date(2024, 7, 1), date(2026, 12, 3))  # dates the shipped table covers, none after today


@st.composite
def honest_vsi(draw: st.DrawFn) -> dict[str, Any]:
    paid_on = draw(st.dates(*PAST))
    months = draw(st.sampled_from([1, 3, 6, 12]))
    window = {1: 1, 3: 3, 6: 4, 12: 7}[months]
    back = draw(st.integers(0, window - 1))
    steps = draw(st.integers(0, 300))
    return {"kind": "vsi", "paid_on": paid_on, "months": months,
            "period_from": add_months(paid_on.replace(day=1), -back),
            "monthly_income": 1_500_000 + 50_000 * steps,  # within every floor and ceiling of the period
            "group": draw(st.sampled_from(["poor", "near-poor", "ethnic-minority", "other"])),
            "supported_months_before": draw(st.integers(0, 120)),
            "residence_province": draw(st.sampled_from([None, "01", "40"]))}


@st.composite
def honest_hi(draw: st.DrawFn) -> dict[str, Any]:
    paid_on = draw(st.dates(*PAST))
    previous = draw(st.none() | st.integers(-200, 200).map(lambda days: paid_on + timedelta(days=days)))
    return {"kind": "hi", "paid_on": paid_on, "members": draw(st.integers(1, 8)),
            "months": draw(st.sampled_from([3, 6, 12])), "previous_card_end": previous,
            "residence_province": draw(st.sampled_from([None, "01", "40"]))}


def _record(device: Device, table: PolicyTable, spec: dict[str, Any]) -> WireRecord:
    if spec["kind"] == "hi":
        return family_hi_payment(device, table, members=spec["members"], months=spec["months"],
                                 paid_on=spec["paid_on"], previous_card_end=spec["previous_card_end"],
                                 residence_province=spec["residence_province"])
    record = vsi_payment(device, table, monthly_income=spec["monthly_income"], months=spec["months"],
                         paid_on=spec["paid_on"], group=spec["group"],
                         supported_months_before=spec["supported_months_before"],
                         residence_province=spec["residence_province"], period_from=spec["period_from"])
    return record


FIGURES = ["gross", "state_support", "local_support", "months", "member_rank", "supported_months",
           "period_start", "period_end"]


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(specs=st.lists(honest_vsi() | honest_hi(), min_size=1, max_size=6),
       figure=st.sampled_from(FIGURES), delta=st.integers(1, 400).map(lambda n: n * 1_000), data=st.data())
def test_honest_payments_are_accepted_and_any_figure_changed_is_refused(
    specs: list[dict[str, Any]], figure: str, delta: int, data: st.DataObject, lying_device: Device,
    policy_table: PolicyTable,
):
    honest = [_record(lying_device, policy_table, spec) for spec in specs]
    target = copy.deepcopy(data.draw(st.sampled_from(honest)))
    target["record_id"] = target["payload"]["id"] = str(uuid.uuid4())
    target["payload"]["receipt"]["number"] = lying_device.next_receipt(date.fromisoformat(
        target["payload"]["paid_on"]).year)
    for person in target["payload"]["items"]:  # other people: only the rule may refuse it, not the history
        person["person_id"], person["citizen_id"] = str(uuid.uuid4()), None
    item = data.draw(st.sampled_from(target["payload"]["items"]))
    changed = _change(item, figure, delta)
    _retotal(target["payload"])

    results = _answer(lying_device, *honest)
    assert {r["record_id"]: r["status"] for r in results.values()} == {r["record_id"]: "accepted" for r in honest}
    if changed:
        assert _refused(lying_device, target)["code"].startswith(("payment.", "vsi.", "hi.", "sync.")), target


def _change(item: dict[str, Any], figure: str, delta: int) -> bool:
    """Change one figure of `item` (a lie), if the item has it; False when it has not."""
    value = item.get(figure)
    if value is None:
        if figure in {"member_rank", "supported_months"}:
            return False
        item[figure] = delta
        return True
    if isinstance(value, str):  # a date: moved by some days
        item[figure] = (date.fromisoformat(value) + timedelta(days=1 + delta // 1_000 % 90)).isoformat()
    elif figure in {"months", "member_rank", "supported_months"}:
        item[figure] = value + 1 + delta // 1_000 % 5
    elif figure in {"state_support", "local_support"} and value >= delta:
        item[figure] = value - delta  # less support is a lie too: the participant paid too much
    else:
        item[figure] = value + delta
    return True


@pytest.fixture(scope="module")
def lying_device(server: Server) -> Device:
    return enrol(server, new_point(server))
