"""The pure checks of one record (provincial_server.services.records): every input gets a verdict, never an error."""

from __future__ import annotations

import copy
import uuid
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from server_helpers import Device, family_hi_payment, vsi_payment

from collector_app.domain.policy import PolicyTable
from collector_app.domain.problems import ProblemCode
from provincial_server.services.records import Recalculator, check_record

DEVICE_ID = str(uuid.uuid4())
SERIES = "BD01M1"
TODAY = date(2026, 12, 4)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**20), max_value=10**20) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


def _device() -> Device:
    return Device(server=None, device_id=DEVICE_ID, token="", point_code="BD01", series=SERIES,  # type: ignore[arg-type]
                  private_key=b"", public_key=b"", server_public_key="")


@pytest.fixture(scope="module")
def lookup(policy_table: PolicyTable):
    calculators = Recalculator(policy_table)
    return lambda version: calculators if version == policy_table.version else None


def _check(record: dict[str, Any], lookup: Any) -> Any:
    return check_record(record["kind"], record["payload"], device_id=DEVICE_ID, series=SERIES, policies=lookup, today=TODAY)


def test_a_valid_family_hi_and_vsi_payment_are_accepted_with_their_ledger_entries(policy_table, lookup):
    for record in (family_hi_payment(_device(), policy_table), vsi_payment(_device(), policy_table)):
        verdict = _check(record, lookup)
        assert verdict.problem is None
        assert verdict.payment is not None
        assert verdict.payment.amount == record["payload"]["amount"]


def test_a_vsi_gross_that_does_not_follow_the_income_is_rejected(policy_table, lookup):
    record = vsi_payment(_device(), policy_table, monthly_income=2_000_000)
    record["payload"]["items"][0]["monthly_income"] = 2_500_000
    verdict = _check(record, lookup)
    assert verdict.problem is not None and verdict.problem.code is ProblemCode.PAYMENT_MONEY_MISMATCH


def test_a_payment_period_beyond_the_calendar_is_rejected_not_an_error(policy_table, lookup):
    record = vsi_payment(_device(), policy_table)
    record["payload"]["items"][0]["period_start"] = "9999-12-01"
    verdict = _check(record, lookup)
    assert verdict.problem is not None


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(["payment", "void", "reprint", "household", "person", "enrolment", "other"]),
       payload=st.dictionaries(st.text(max_size=15), json_values, max_size=8))
def test_any_payload_of_any_kind_gets_a_verdict(kind: str, payload: dict[str, Any], lookup):
    verdict = check_record(kind, payload, device_id=DEVICE_ID, series=SERIES, policies=lookup, today=TODAY)
    assert (verdict.problem is None) or verdict.problem.code in set(ProblemCode)


@settings(max_examples=300, deadline=None)
@given(path_choice=st.integers(min_value=0, max_value=10_000), value=json_values)
def test_a_valid_payment_with_any_one_value_replaced_gets_a_verdict(path_choice: int, value: Any, policy_table,
                                                                    lookup):
    record = copy.deepcopy(family_hi_payment(_device(), policy_table))
    places: list[tuple[Any, Any]] = []

    def collect(node: Any) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in items:
            places.append((node, key))
            collect(child)

    collect(record["payload"])
    container, key = places[path_choice % len(places)]
    container[key] = value
    _check(record, lookup)  # no exception


def test_a_receipt_of_the_devices_restart_series_is_its_own_and_a_look_alike_is_not(policy_table, lookup):
    # After a restore that could not learn every number issued, a device numbers in "BD01M1R1" (domain.backups).
    restarted = vsi_payment(_device(), policy_table, receipt_number=f"{SERIES}R1-26-0000001")
    verdict = _check(restarted, lookup)
    assert verdict.problem is None and verdict.payment is not None
    for symbol in (f"{SERIES}X1", f"{SERIES}R0", f"{SERIES}R"):
        other = vsi_payment(_device(), policy_table, receipt_number=f"{symbol}-26-0000001")
        found = _check(other, lookup).problem
        assert found is not None and found.code is ProblemCode.SYNC_SERIES_NOT_DEVICE, symbol
