"""Sync as the user sees it: what waits, what was delivered, what needs attention, and sending rejected records again.

Reads and writes the store only; talking to the server is `collector_app.sync` (a sibling layer),
which the CLI and the window call beside these functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from collector_app.domain.payments import Action, check_allowed
from collector_app.domain.problems import DomainError
from collector_app.policies import current_table
from collector_app.store.batches import totals
from collector_app.store.db import Store
from collector_app.store.device import this_device
from collector_app.store.outbox import (
    RejectedRecord,
    ReviewRejection,
    pending_count,
    quarantined,
    resend,
    review_rejections,
)
from collector_app.store.sync_state import sync_state
from collector_app.store.users import User


@dataclass(frozen=True)
class SyncStatus:
    """`batches`, `records` and `payments_total` count every sealed batch the server can have received
    (all but those it refused), so they compare with the server's `summary` once all is delivered."""

    enrolled: bool
    server_url: str | None
    device_id: str | None
    series: str | None
    pending_records: int  # in the outbox, not sealed yet
    pending_batches: int  # sealed, waiting for the server's answer
    refused_batches: int
    batches: int
    records: int
    payments: int
    payments_total: int  # VND, payments the server did not reject, once each
    quarantined: tuple[RejectedRecord, ...]  # rejected by the server, not sent again yet
    review_rejected: tuple[ReviewRejection, ...]  # rejected by a supervisor
    last_sync: str | None
    last_attempt: str | None
    online: bool | None  # whether the server answered the last attempt
    last_error: str | None
    policy_version: str  # the policy table payments now use


def sync_status(store: Store) -> SyncStatus:
    state = sync_state(store)
    device = this_device(store)
    figures = totals(store)
    return SyncStatus(
        enrolled=state.token is not None, server_url=state.server_url,
        device_id=device.device_id if device else None, series=device.series if device else None,
        pending_records=pending_count(store), pending_batches=figures.pending_batches,
        refused_batches=figures.refused_batches, batches=figures.batches, records=figures.records,
        payments=figures.payments, payments_total=figures.payments_total,
        quarantined=tuple(quarantined(store)), review_rejected=tuple(review_rejections(store)),
        last_sync=state.last_sync, last_attempt=state.last_attempt, online=state.online,
        last_error=state.last_error, policy_version=current_table(store).version,
    )


def resend_rejected(store: Store, record_ids: Sequence[str] | None = None, *, actor: User) -> list[RejectedRecord]:
    """Queue records the server rejected (all of them when `record_ids` is None) to go out again,
    once their cause is fixed; the next seal puts them in a batch that references the old one."""
    problems = check_allowed(actor.role, Action.RECORD_PAYMENT, user=actor.username)
    if problems:
        raise DomainError(problems)
    return resend(store, record_ids, actor=actor.user_id)
