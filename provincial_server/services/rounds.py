"""What the ledger holds for a visit round's people: the payments of the round's point for them since the
round's day, from whichever of its devices, with the server's own figures and whether each was voided.

Only the device that sent the round may ask (any other gets "not found": never another point's or
device's data), so the point's device sees what its collaborator's laptop took, as the server accepted it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from collector_app.wire import ErrorCode
from provincial_server.services.errors import NotFound
from provincial_server.store.points import DeviceRow
from provincial_server.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class RoundPayment:
    receipt_number: str
    person_key: str  # the citizen ID, else the device's person id
    scheme: str
    paid_on: date
    amount: int  # this person's share, VND, as the server accepted it
    voided: bool


def round_payments(uow: UnitOfWork, device: DeviceRow, round_id: str) -> list[RoundPayment]:
    with uow:
        held = uow.ledger.round_record(round_id)
        if held is None or held[0] != device.device_id:
            raise NotFound(ErrorCode.NOT_FOUND, "no visit round of this device has this id")
        document = json.loads(held[1])
        keys = {str(member.get("citizen_id") or member["person_id"])
                for household in document["households"] for member in household["members"]}
        rows = uow.ledger.round_receipts(sorted(keys), point_code=device.point_code,
                                         since=date.fromisoformat(document["made_on"]))
    found = []
    for row in rows:
        items = json.loads(row.payload)["items"]
        found.append(RoundPayment(receipt_number=row.receipt_number, person_key=row.person_key, scheme=row.scheme,
                                  paid_on=row.paid_on, amount=int(items[row.position]["amount"]), voided=row.voided))
    return found
