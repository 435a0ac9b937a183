"""What a device gets back after it lost records: its own payments, receipts, voids and reprints (a store
restored from an older backup), its point's households and people (a new laptop for the point), and the
highest receipt number the server holds of its series (numbering after a restore).

Only the caller's own device (money) or point (registrations) is ever read. Pages are cut on the order
batches arrived in; the cursor names the last record given (`<batch_id>:<position>`), and one that
names a batch outside what the caller may read is refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from collector_app.domain.problems import DomainError
from collector_app.domain.receipt_numbers import parse_receipt_number
from collector_app.wire import ErrorCode, RecordKind
from provincial_server.services.errors import Invalid
from provincial_server.store.points import DeviceRow
from provincial_server.store.recovery import HeldRecord, Position
from provincial_server.store.unit_of_work import UnitOfWork

MONEY_KINDS = (RecordKind.PAYMENT.value, RecordKind.VOID.value, RecordKind.REPRINT.value, RecordKind.DAY_CLOSE.value,
               RecordKind.HANDOVER.value)
"""A device gets back only its own money records."""
REGISTRATION_KINDS = (RecordKind.HOUSEHOLD.value, RecordKind.PERSON.value, RecordKind.PERSON_CORRECTION.value)
"""A device gets back every registration its point's devices sent."""
MAX_PAGE = 1000
_CURSOR = re.compile(r"([0-9a-fA-F-]{36}):([0-9]{1,9})")


@dataclass(frozen=True)
class RecoveryPage:
    records: list[HeldRecord]
    cursor: str  # give it back as `after`; the same cursor when the page is empty
    more: bool
    chain_head: tuple[int, str] | None = None  # the device's chain as accepted (money pages only)


def _position(uow: UnitOfWork, cursor: str | None, *, device_id: str | None, point_code: str) -> Position | None:
    if not cursor:
        return None
    match = _CURSOR.fullmatch(cursor)
    position = None if match is None else uow.recovery.position(match.group(1), int(match.group(2)),
                                                                device_id=device_id, point_code=point_code)
    if position is None:
        raise Invalid(ErrorCode.REQUEST_INVALID, "after must be a cursor given by this server for this device")
    return position


def held_records(uow: UnitOfWork, device: DeviceRow, *, money: bool, cursor: str | None, limit: int
                 ) -> RecoveryPage:
    """A page of the device's own money records (`money`), or of its point's registrations."""
    limit = max(1, min(limit, MAX_PAGE))
    device_id = device.device_id if money else None
    with uow:
        after = _position(uow, cursor, device_id=device_id, point_code=device.point_code)
        rows = uow.recovery.records(kinds=MONEY_KINDS if money else REGISTRATION_KINDS, after=after,
                                    limit=limit + 1, device_id=device_id, point_code=device.point_code)
        head = uow.recovery.chain_head(device.device_id) if money else None
    page = rows[:limit]
    last = f"{page[-1].batch_id}:{page[-1].position}" if page else (cursor or "")
    return RecoveryPage(records=page, cursor=last, more=len(rows) > limit, chain_head=head)


def highest_receipts(uow: UnitOfWork, device: DeviceRow) -> dict[int, int]:
    """The highest number of the device's series the server knows was issued, by year (4 digits).

    Payments in the ledger count, and so do payments it rejected: their receipts were issued too.
    """
    with uow:
        held = uow.recovery.highest_numbers(device.device_id, device.series)
        rejected = uow.recovery.rejected_payment_payloads(device.device_id)
    highest: dict[int, int] = {}
    numbers = list(held.values())
    for text in rejected:
        try:
            numbers.append(str(json.loads(text)["receipt"]["number"]))
        except (ValueError, KeyError, TypeError):
            continue
    for text in numbers:
        try:
            number = parse_receipt_number(text)
        except DomainError:
            continue
        if number.symbol == device.series:
            highest[number.year] = max(highest.get(number.year, 0), number.number)
    return highest
