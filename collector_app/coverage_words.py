"""Words for a person's cover, relationship to the head and a payment's sync state, in the current language:
one copy for the window's household view and `collector-app person`."""

from __future__ import annotations

from datetime import date

from collector_app.domain.coverage import CoverageState, HiCoverage, VsiCoverage
from collector_app.domain.renewal import PolicyChange
from collector_app.formatting import format_date, format_vnd
from collector_app.i18n import N_, _

STATE_WORDS = {
    CoverageState.PAID_UP: N_("Paid up"),
    CoverageState.DUE_SOON: N_("Due soon"),
    CoverageState.OVERDUE: N_("Overdue"),
    CoverageState.LAPSED: N_("Lapsed"),
    CoverageState.NOT_PAID: N_("Not paid yet"),
    CoverageState.NOT_ENROLLED: N_("Not taking part"),
}

# domain.people.Relationship values (as the registration form stores them), the TK1-TS annex's words.
RELATIONSHIP_WORDS = {
    "head": N_("Head"),
    "wife": N_("Wife"),
    "husband": N_("Husband"),
    "child": N_("Child"),
    "father": N_("Father"),
    "mother": N_("Mother"),
    "grandfather": N_("Grandfather"),
    "grandmother": N_("Grandmother"),
    "older_brother": N_("Older brother"),
    "older_sister": N_("Older sister"),
    "younger_sibling": N_("Younger sibling"),
    "grandchild": N_("Grandchild"),
    "other": N_("Other"),
}

# store.outbox.DeliveryState values; the same words as the Receipts page.
DELIVERY_WORDS = {
    "pending": N_("Not sent"),
    "sealed": N_("Sent, no answer yet"),
    "accepted": N_("Received by the server"),
    "rejected": N_("Rejected by the server"),
    "approved": N_("Approved"),
    "review_rejected": N_("Rejected by a supervisor"),
}

# domain.renewal.DueState values: the due list's states (a renewal's, not the cover's, hence apart).
DUE_STATE_WORDS = {"due": N_("Due"), "overdue": N_("Overdue"), "lapsed": N_("Lapsed")}

SCHEME_WORDS = {"vsi": N_("Voluntary SI"), "family_hi": N_("Family HI")}

NO_VALUE = "—"


def state_text(state: CoverageState) -> str:
    return _(STATE_WORDS[state])


def relationship_text(relationship: str | None, *, is_head: bool) -> str:
    """The relationship's word; the first member counts as the head when the store does not say."""
    if relationship is None:
        return _(RELATIONSHIP_WORDS["head"]) if is_head else NO_VALUE
    words = RELATIONSHIP_WORDS.get(relationship)
    return _(words) if words else relationship


def delivery_text(state: str) -> str:
    words = DELIVERY_WORDS.get(str(state))
    return _(words) if words else str(state)


def due_state_text(state: str) -> str:
    return _(DUE_STATE_WORDS[str(state)])


_CHANGE_WORDS = {
    "base_salary": N_("base salary changed from {before} to {after} from {date}"),
    "rural_poverty_line": N_("rural poverty line changed from {before} to {after} from {date}"),
}


def policy_change_text(changes: tuple[PolicyChange, ...]) -> str:
    """For a renewal form: what changed in the policy since the last period; empty when nothing did."""
    if not changes:
        return ""
    said = "; ".join(_(_CHANGE_WORDS[c.parameter]).format(before=format_vnd(c.before), after=format_vnd(c.after),
                                                           date=format_date(c.since)) for c in changes)
    return _("The policy changed since the last period: {changes}.").format(changes=said)


def scheme_text(scheme: str) -> str:
    return _(SCHEME_WORDS[str(scheme)])


def month_text(day: date) -> str:
    """A month as mm/yyyy: date(2027, 1, 31) -> "01/2027"."""
    return f"{day.month:02d}/{day.year:04d}"


def vsi_paid_through_text(cover: VsiCoverage) -> str:
    return NO_VALUE if cover.paid_through is None else month_text(cover.paid_through)


def vsi_support_text(cover: VsiCoverage) -> str:
    """State-supported months used out of the lifetime cap: "3/120" (a dash for someone not taking part)."""
    if cover.state is CoverageState.NOT_ENROLLED:
        return NO_VALUE
    return f"{cover.supported_months}/{cover.support_cap_months}"


def card_text(cover: HiCoverage) -> str:
    """The family HI card's dates: "01/01/2026 – 31/12/2026"."""
    if cover.card_from is None or cover.card_to is None:
        return NO_VALUE
    return f"{format_date(cover.card_from)} – {format_date(cover.card_to)}"


def continue_text(until: date | None, state: CoverageState) -> str:
    """For an overdue cover, until when paying still continues it; empty otherwise."""
    if state is not CoverageState.OVERDUE or until is None:
        return ""
    return _("can still continue until {date}").format(date=format_date(until))


# A visit round's households (issue 13 §2): what came of a visit, and what the payments say.
OUTCOME_WORDS = {"paid": N_("paid"), "not_at_home": N_("not at home"), "will_pay_later": N_("will pay later"),
                 "refused": N_("refused")}
PAID_WORDS = {"not_paid": N_("not paid"), "partly_paid": N_("partly paid"), "paid": N_("paid")}


def visit_text(outcome: str | None) -> str:
    """A household's last visit: "not visited", or "visited: not at home"."""
    if outcome is None:
        return _("not visited")
    return _("visited: {outcome}").format(outcome=_(OUTCOME_WORDS[outcome]))


def paid_text(state: str) -> str:
    return _(PAID_WORDS[str(state)])
