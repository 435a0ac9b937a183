"""Visit rounds: what can come of a household's visit, and where a household of a round stands.

A household counts as paid from its payments only (`paid_members`), never from the outcome a visit
was marked with: "paid" marked at the door says what the collaborator saw, the receipts say what was paid.
"""

from __future__ import annotations

from enum import StrEnum


class VisitOutcome(StrEnum):
    PAID = "paid"
    NOT_AT_HOME = "not_at_home"
    WILL_PAY_LATER = "will_pay_later"
    REFUSED = "refused"


class PaidState(StrEnum):
    NOT_PAID = "not_paid"
    PARTLY_PAID = "partly_paid"  # some of its members listed in the round have a standing payment
    PAID = "paid"


def paid_state(members: int, paid_members: int) -> PaidState:
    """A household's state from how many of its `members` in the round have a standing payment."""
    if paid_members <= 0:
        return PaidState.NOT_PAID
    return PaidState.PAID if paid_members >= members else PaidState.PARTLY_PAID
