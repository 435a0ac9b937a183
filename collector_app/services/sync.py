"""Sync as the user sees it: what waits, what was delivered, what needs attention, and sending rejected records again.

Reads and writes the store only; talking to the server is `collector_app.sync` (a sibling layer),
which the CLI and the window call beside these functions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from collector_app.domain.payments import Action, check_allowed
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.i18n import _
from collector_app.messages import message
from collector_app.policies import current_table
from collector_app.services.changes import NOTHING, Change, Changes
from collector_app.store.batches import totals
from collector_app.store.db import Store
from collector_app.store.device import this_device
from collector_app.store.outbox import (
    RejectedRecord,
    ReviewRejection,
    Unsent,
    payloads,
    pending_count,
    quarantined,
    review_rejections,
    unsent,
)
from collector_app.store.delivery import resend
from collector_app.store.sync_state import save_server_url, sync_state
from collector_app.store.users import User
from collector_app.wire import CLOCK_TOLERANCE_SECONDS


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
    clock_offset: float | None  # seconds the server's clock was ahead of this device's, last time it answered
    unsent: Unsent = Unsent(0, 0, 0, 0, 0)  # what the province has not received yet, in receipts and money

    @property
    def clock_warning(self) -> str | None:
        return clock_warning(self.clock_offset)


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
        last_error=state.last_error, policy_version=current_table(store).version, clock_offset=state.clock_offset,
        unsent=unsent(store),
    )


def remember_server_url(store: Store, url: str) -> None:
    """Sync with `url` from now on (another address of the same server, once it has answered)."""
    save_server_url(store, url)


def clock_warning(offset: float | None) -> str | None:
    """What to tell the user when this device's clock is further from the server's than the wire
    tolerates (receipts would carry a wrong date), or None."""
    if offset is None or abs(offset) <= CLOCK_TOLERANCE_SECONDS:
        return None
    minutes = round(abs(offset) / 60)
    text = (_("This computer's clock is {minutes} minutes behind the server's: set the date and time right.")
            if offset > 0 else
            _("This computer's clock is {minutes} minutes ahead of the server's: set the date and time right."))
    return text.format(minutes=minutes)


# Rejections that depend on what the server holds or publishes, which may change: sending the same
# record again may then be accepted. Every other known code judges the record's own content, which
# never changes (money is append-only), so the same record would be rejected again.
RESEND_MAY_HELP = frozenset({
    ProblemCode.SYNC_POLICY_UNKNOWN, ProblemCode.SYNC_VOID_RECEIPT_UNKNOWN, ProblemCode.SYNC_PAID_IN_FUTURE,
    ProblemCode.PAYMENT_PERIOD_ALREADY_PAID, ProblemCode.SYNC_SUPPORT_HISTORY_BEHIND,
    ProblemCode.SYNC_CARD_HISTORY_BEHIND, ProblemCode.SYNC_TOP_UP_OTHER_PROVINCE,
})


_KNOWN_CODES = frozenset(ProblemCode)  # StrEnum members: equal to, and hashed as, their text


def resend_may_help(code: str | None) -> bool:
    """Whether sending a record the server rejected with `code` again could ever be accepted."""
    return code is None or code not in _KNOWN_CODES or code in RESEND_MAY_HELP


def way_out(kind: str, code: str | None, params: Mapping[str, Any], receipt_number: str | None) -> str:
    """What the user can do about a record the server rejected, in one sentence."""
    number = receipt_number or "?"
    if code == ProblemCode.SYNC_POLICY_UNKNOWN:
        return _("Ask the province to publish policy table {version}, then send the record again.").format(
            version=params.get("version", "?"))
    if resend_may_help(code):
        return _("Once what the province holds has changed (ask your supervisor), send the record again.")
    if kind == "void":
        return _("Void receipt {number} again with a corrected reason: the new void replaces the refused one.").format(
            number=number)
    if kind == "payment":
        return _("Void receipt {number} and take the payment again: a recorded payment is never changed.").format(
            number=number)
    return _("This record would be refused again as it is: ask your supervisor.")


@dataclass(frozen=True)
class Resent:
    """Records queued to go out again."""

    records: tuple[RejectedRecord, ...]

    @property
    def changes(self) -> Changes:
        return frozenset({Change.OUTBOX}) if self.records else NOTHING


def resend_rejected(store: Store, record_ids: Sequence[str] | None = None, *, actor: User) -> Resent:
    """Queue records the server rejected (all those a resend may help when `record_ids` is None) to go out
    again, once their cause is fixed; the next seal puts them in a batch that references the old one.

    A record the server would reject again as it is (its own content is at fault) is not queued: asked
    for by id, it is refused with the way out (SYNC_RESEND_WOULD_FAIL).
    """
    problems = check_allowed(actor.role, Action.RECORD_PAYMENT, user=actor.username)
    if problems:
        raise DomainError(problems)
    waiting = {record.record_id: record for record in quarantined(store)}
    if record_ids is None:
        record_ids = [record_id for record_id, record in waiting.items() if resend_may_help(record.code)]
        if not record_ids:
            return Resent(())
    hopeless = [waiting[record_id] for record_id in record_ids
                if record_id in waiting and not resend_may_help(waiting[record_id].code)]
    if hopeless:
        texts = payloads(store, [record.record_id for record in hopeless])
        raise DomainError([Problem(ProblemCode.SYNC_RESEND_WOULD_FAIL, {
            "record_id": record.record_id,
            "way_out": way_out(record.kind, record.code, record.params,
                               _identity(record.kind, texts.get(record.record_id))["receipt_number"]),
        }) for record in hopeless])
    return Resent(tuple(resend(store, record_ids, actor=actor.user_id)))


# ---- records that need the user ----------------------------------------------------------------

REJECTED_BY_SERVER, REJECTED_BY_SUPERVISOR = "server", "supervisor"


@dataclass(frozen=True)
class AttentionRecord:
    """A record rejected by the server (quarantined, can be sent again) or by a supervisor, with what
    the user needs to recognise it: the receipt, the person and the amount, where the record has them."""

    record_id: str
    kind: str  # a wire record kind: "payment", "void", "reprint", "household", ...
    rejected_by: str  # REJECTED_BY_SERVER or REJECTED_BY_SUPERVISOR
    batch_id: str
    code: str | None  # the server's ProblemCode value; None for a supervisor's rejection
    params: Mapping[str, Any]
    message: str  # the server's own text (English, as it came) or the supervisor's reason
    at: str | None  # UTC ISO 8601: when the server answered or the supervisor decided
    receipt_number: str | None
    person: str | None
    amount: int | None  # VND, for a payment

    @property
    def can_resend(self) -> bool:
        return self.rejected_by == REJECTED_BY_SERVER and resend_may_help(self.code)

    @property
    def way_out(self) -> str | None:
        """What the user can do about it; None for a supervisor's rejection (the reason says it)."""
        if self.rejected_by != REJECTED_BY_SERVER:
            return None
        return way_out(self.kind, self.code, self.params, self.receipt_number)


def needing_attention(store: Store) -> list[AttentionRecord]:
    """Records rejected by the server, then records rejected by a supervisor, oldest first."""
    by_server = quarantined(store)
    by_supervisor = review_rejections(store)
    texts = payloads(store, [r.record_id for r in by_server] + [r.record_id for r in by_supervisor])
    found = [
        AttentionRecord(record_id=r.record_id, kind=r.kind, rejected_by=REJECTED_BY_SERVER, batch_id=r.batch_id,
                        code=r.code, params=r.params, message=r.message or "", at=r.answered_at,
                        **_identity(r.kind, texts.get(r.record_id)))
        for r in by_server
    ]
    found += [
        AttentionRecord(record_id=r.record_id, kind=r.kind, rejected_by=REJECTED_BY_SUPERVISOR, batch_id=r.batch_id,
                        code=None, params={}, message=r.reason, at=r.reviewed_at,
                        **_identity(r.kind, texts.get(r.record_id)))
        for r in by_supervisor
    ]
    return found


def _identity(kind: str, payload_text: str | None) -> dict[str, Any]:
    """Receipt number, person and amount from a record's payload (store/payments.py writes them)."""
    payload: Any = json.loads(payload_text) if payload_text else {}
    if not isinstance(payload, dict):
        payload = {}
    receipt = payload.get("receipt")
    number = receipt.get("number") if isinstance(receipt, dict) else payload.get("receipt_number")
    person = payload.get("payer_name") or payload.get("full_name")
    amount = payload.get("amount") if kind == "payment" else None
    return {"receipt_number": number if isinstance(number, str) else None,
            "person": person if isinstance(person, str) else None,
            "amount": amount if isinstance(amount, int) and not isinstance(amount, bool) else None}


def rejection_text(code: str | None, params: Mapping[str, Any], fallback: str | None) -> str:
    """A server's rejection in the current language; its own text for a code this app does not know."""
    if code is not None:
        try:
            return message(Problem(ProblemCode(code), dict(params)))
        except (ValueError, KeyError, IndexError):  # a code or params this version does not know
            pass
    return fallback or code or "?"
