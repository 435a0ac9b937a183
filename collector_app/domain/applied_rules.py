"""Which rules gave a payment's figures: codes with the policy's figures, for the payment forms.

Pure, and without language: `collector_app.messages.rule_sentence` turns each `AppliedRule` into a
sentence ("Nhà nước hỗ trợ 20% mức đóng theo chuẩn nghèo nông thôn…"). Every figure comes from the
`Policy` in force on the payment date and from the quote itself, never from a literal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from collector_app.domain.contributions import FamilyHiQuote, VsiQuote
from collector_app.domain.money import round_vnd
from collector_app.domain.policy import Policy


class RuleCode(StrEnum):
    VSI_RATE = "vsi.rate"  # gross = rate × chosen income
    VSI_STATE_SUPPORT = "vsi.state_support"  # the group's share of rate × rural poverty line
    VSI_LOCAL_SUPPORT = "vsi.local_support"  # the province of residence adds a share of the same base
    VSI_SUPPORT_MONTHS = "vsi.support_months"  # months of support used out of the lifetime cap
    VSI_SUPPORT_CAP_REACHED = "vsi.support_cap_reached"  # some months of this payment get no support
    VSI_CONTINUES = "vsi.continues"  # the period follows the months already paid
    VSI_ENROLS = "vsi.enrols"  # the person is enrolled by this payment
    HI_FIRST_MEMBER = "hi.first_member"  # rate × base salary a month
    HI_LADDER = "hi.ladder"  # later members pay a share of the first member's amount
    HI_CARD_WAIT = "hi.card_wait"  # first time or after a lapse: the card starts after a wait
    HI_CARD_NO_WAIT = "hi.card_no_wait"  # a renewal, or a short lapse: the card starts without a wait


@dataclass(frozen=True)
class AppliedRule:
    code: RuleCode
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))


def vsi_rules(
    policy: Policy,
    quote: VsiQuote,
    *,
    supported_before: int,
    paid_to: date | None,
    enrols: bool,
) -> tuple[AppliedRule, ...]:
    """The rules behind a voluntary SI quote made with `policy` (the one in force on `quote.on`)."""
    rule = policy.rounding
    base = policy.vsi_monthly_support_base
    rules = [AppliedRule(RuleCode.VSI_RATE, {
        "rate": policy.vsi_rate, "income": quote.monthly_income,
        "monthly": round_vnd(quote.monthly_gross, rule)})]
    if enrols:
        rules.append(AppliedRule(RuleCode.VSI_ENROLS, {"start": quote.period_from}))
    elif paid_to is not None and quote.period_from > paid_to:
        rules.append(AppliedRule(RuleCode.VSI_CONTINUES, {"paid_to": paid_to}))
    state_share = policy.vsi_support_rates[quote.group]
    if quote.supported_months and state_share:
        monthly_state = state_share * base
        rules.append(AppliedRule(RuleCode.VSI_STATE_SUPPORT, {
            "share": state_share, "group": quote.group.value, "monthly": round_vnd(monthly_state, rule)}))
        local_shares = policy.local_vsi_support.get(quote.province) if quote.province else None
        if local_shares is not None and local_shares[quote.group]:
            monthly_local = min(local_shares[quote.group] * base, quote.monthly_gross - monthly_state)
            rules.append(AppliedRule(RuleCode.VSI_LOCAL_SUPPORT, {
                "share": local_shares[quote.group], "province": quote.province,
                "monthly": round_vnd(monthly_local, rule)}))
    cap = policy.vsi_support_cap_months
    if quote.supported_months:
        rules.append(AppliedRule(RuleCode.VSI_SUPPORT_MONTHS, {
            "used": supported_before, "cap": cap, "months": quote.supported_months}))
    if quote.supported_months < quote.months:
        rules.append(AppliedRule(RuleCode.VSI_SUPPORT_CAP_REACHED, {
            "cap": cap, "unsupported": quote.months - quote.supported_months}))
    return tuple(rules)


def family_hi_rules(
    policy: Policy, quote: FamilyHiQuote, *, waiting: int, continuing: int, wait_days: int
) -> tuple[AppliedRule, ...]:
    """The rules behind a family HI quote; `waiting`/`continuing`: members whose card waits or not."""
    rules = [AppliedRule(RuleCode.HI_FIRST_MEMBER, {
        "rate": policy.hi_rate, "base": quote.base_salary,
        "monthly": round_vnd(policy.hi_rate * quote.base_salary, policy.rounding)})]
    if len(quote.members) > 1:
        ladder: Sequence[Any] = policy.hi_ladder
        rules.append(AppliedRule(RuleCode.HI_LADDER, {
            "ladder": tuple(ladder[1:-1]) if len(ladder) > 2 else tuple(ladder[1:]),
            "last": ladder[-1], "last_from": len(ladder)}))
    if waiting:
        rules.append(AppliedRule(RuleCode.HI_CARD_WAIT, {"count": waiting, "days": wait_days}))
    if continuing:
        rules.append(AppliedRule(RuleCode.HI_CARD_NO_WAIT, {"count": continuing}))
    return tuple(rules)

