"""Routes for a device that lost records: its money records, its point's registrations, its highest receipts."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query

from provincial_server.api.bodies import JsonRoute
from provincial_server.api.deps import Context, Device
from provincial_server.api.responses import errors
from provincial_server.schemas import (
    HeldRecordModel,
    HighestReceiptModel,
    HighestReceiptsModel,
    RecoveryPageModel,
)
from provincial_server.services.recovery import MAX_PAGE, RecoveryPage, held_records, highest_receipts

router = APIRouter(tags=["recovery"], route_class=JsonRoute)

After = Annotated[str | None, Query(max_length=48, pattern=r"^[0-9a-fA-F-]{36}:[0-9]{1,9}$|^$",
                                    description="The cursor of the previous page; none for the first.")]
Limit = Annotated[int | None, Query(ge=1, le=MAX_PAGE)]


def _page(found: RecoveryPage) -> RecoveryPageModel:
    return RecoveryPageModel(
        records=[HeldRecordModel(
            record_id=row.record_id, kind=row.kind, payload=json.loads(row.payload), digest=row.digest,
            batch_id=row.batch_id, device_id=row.device_id, sealed_at=row.sealed_at,
            review=row.review,  # type: ignore[arg-type]
            review_reason=row.review_reason, receipt_number=row.receipt_number, gross=row.gross,
            state_support=row.state_support, local_support=row.local_support, amount=row.amount,
            chain_entry=None if row.chain_entry is None else json.loads(row.chain_entry),
        ) for row in found.records],
        cursor=found.cursor, more=found.more,
        chain_seq=None if found.chain_head is None else found.chain_head[0],
        chain_head=None if found.chain_head is None else found.chain_head[1],
    )


@router.get("/recovery/money", response_model=RecoveryPageModel, responses=errors(401, 403, 422))
def money(device: Device, context: Context, after: After = None, limit: Limit = None) -> RecoveryPageModel:
    """This device's own payments, voids and reprints the server accepted, in the order they arrived.

    For a device whose store was restored from an older backup: what it lacks comes back from here.
    """
    return _page(held_records(context.uow(write=False), device, money=True, cursor=after,
                              limit=limit or context.settings.changes_page))


@router.get("/recovery/registrations", response_model=RecoveryPageModel, responses=errors(401, 403, 422))
def registrations(device: Device, context: Context, after: After = None, limit: Limit = None) -> RecoveryPageModel:
    """The households, people and corrections this device's point's devices sent, in the order they arrived.

    For a new device of the point (a lost laptop): the collector keeps working with the point's people.
    """
    return _page(held_records(context.uow(write=False), device, money=False, cursor=after,
                              limit=limit or context.settings.changes_page))


@router.get("/recovery/receipts", response_model=HighestReceiptsModel, responses=errors(401, 403))
def receipts(device: Device, context: Context) -> HighestReceiptsModel:
    """The highest receipt number of this device's series the server knows was issued, by year."""
    highest = highest_receipts(context.uow(write=False), device)
    return HighestReceiptsModel(series=device.series, highest=[
        HighestReceiptModel(year=year, number=number) for year, number in sorted(highest.items())])
