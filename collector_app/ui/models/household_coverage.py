"""The household view's two tables: members with their cover today, and the household's payments."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette

from collector_app import coverage_words as words
from collector_app.domain.coverage import CoverageState
from collector_app.formatting import format_date, format_vnd
from collector_app.i18n import N_, _
from collector_app.services.coverage import MemberCoverage
from collector_app.store.coverage import HouseholdPayment
from collector_app.ui.models.columns import CENTER, RIGHT, Column, RowsTableModel, optional_text
from collector_app.ui.palette import ATTENTION, COVERAGE_STATES, HIGHLIGHT, HIGHLIGHT_TEXT


def _relationship(member: MemberCoverage) -> str:
    return words.relationship_text(member.relationship, is_head=member.is_head)


MEMBER_COLUMNS: tuple[Column[MemberCoverage], ...] = (
    Column("order", N_("No."), lambda m: str(m.member_order), RIGHT),
    Column("name", N_("Full name"), lambda m: m.full_name, elided=True),
    Column("relationship", N_("Relationship"), _relationship),
    Column("date_of_birth", N_("Date of birth"), lambda m: format_date(m.date_of_birth), CENTER),
    Column("citizen_id", N_("Citizen ID"), lambda m: optional_text(m.citizen_id)),
    Column("phone", N_("Phone"), lambda m: optional_text(m.phone)),
    Column("vsi_state", N_("Voluntary SI"), lambda m: words.state_text(m.coverage.vsi.state)),
    Column("vsi_paid_through", N_("Paid through"), lambda m: words.vsi_paid_through_text(m.coverage.vsi), CENTER),
    Column("vsi_support", N_("Support used"), lambda m: words.vsi_support_text(m.coverage.vsi), CENTER),
    Column("hi_state", N_("Family HI"), lambda m: words.state_text(m.coverage.hi.state)),
    Column("hi_card", N_("HI card valid"), lambda m: words.card_text(m.coverage.hi), CENTER),
)
_STATE_COLUMNS = {"vsi_state": "vsi", "hi_state": "hi"}


def _state_tip(member: MemberCoverage, scheme: str) -> str:
    """The state cell's tooltip: the state with its dates, in a sentence."""
    if scheme == "vsi":
        cover = member.coverage.vsi
        parts = [words.state_text(cover.state)]
        if cover.paid_through is not None:
            parts.append(_("paid through {month}").format(month=words.month_text(cover.paid_through)))
        if cover.monthly_income is not None:
            parts.append(_("monthly income {amount}").format(amount=format_vnd(cover.monthly_income)))
        if cover.state is not CoverageState.NOT_ENROLLED:
            parts.append(_("state support used {months}").format(months=words.vsi_support_text(cover)))
        parts.append(words.continue_text(cover.continue_until, cover.state))
    else:
        hi = member.coverage.hi
        parts = [words.state_text(hi.state)]
        if hi.card_from is not None:
            parts.append(_("card {dates}").format(dates=words.card_text(hi)))
        if member.hi_facility_code:
            parts.append(_("initial health-care facility {code}").format(code=member.hi_facility_code))
        parts.append(words.continue_text(hi.continue_until, hi.state))
    return "; ".join(part for part in parts if part)


class MemberCoverageModel(RowsTableModel[MemberCoverage]):
    """Members in declared order; each scheme's state coloured (with its words); one person marked."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(MEMBER_COLUMNS, parent)
        self._highlighted: str | None = None

    def set_members(self, members: tuple[MemberCoverage, ...], *, highlighted: str | None) -> None:
        self._highlighted = highlighted
        self.set_rows(members)

    def row_of(self, person_id: str | None) -> int | None:
        return next((i for i in range(self.rowCount()) if self.row(i).person_id == person_id), None)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        member = self.row(index.row())
        scheme = _STATE_COLUMNS.get(self.columns[index.column()].key)
        if scheme is not None:
            state: CoverageState = getattr(member.coverage, scheme).state
            if role == Qt.ItemDataRole.ForegroundRole and state.value in COVERAGE_STATES:
                return QColor(COVERAGE_STATES[state.value])
            if role == Qt.ItemDataRole.FontRole and state in (CoverageState.OVERDUE, CoverageState.DUE_SOON):
                font = QFont()
                font.setBold(True)
                return font
            if role == Qt.ItemDataRole.ToolTipRole:
                return _state_tip(member, scheme)
        if member.person_id == self._highlighted:
            if role == Qt.ItemDataRole.BackgroundRole:
                return HIGHLIGHT
            if role == Qt.ItemDataRole.ForegroundRole:
                return HIGHLIGHT_TEXT
        return super().data(index, role)


def _delivery(payment: HouseholdPayment) -> str:
    """Where the payment's record stands; a supervisor's rejection with its reason, which says what to do."""
    text = words.delivery_text(payment.delivery)
    if payment.review_reason:
        return _("{state}: {reason}").format(state=text, reason=payment.review_reason)
    return text


def _status(payment: HouseholdPayment) -> str:
    return _("Void") if payment.voided else _("Valid")


def _period(payment: HouseholdPayment) -> str:
    first, last = words.month_text(payment.period_start), words.month_text(payment.period_end)
    return first if first == last else f"{first} – {last}"


PAYMENT_COLUMNS: tuple[Column[HouseholdPayment], ...] = (
    Column("date", N_("Date"), lambda p: format_date(p.paid_on), CENTER),
    Column("number", N_("Receipt number"), lambda p: p.receipt_number),
    Column("scheme", N_("Scheme"), lambda p: words.scheme_text(p.scheme)),
    Column("payer", N_("Payer"), lambda p: p.payer_name, elided=True),
    Column("period", N_("Months covered"), _period, CENTER),
    Column("amount", N_("Amount"), lambda p: format_vnd(p.amount), RIGHT),
    Column("status", N_("Status"), _status, CENTER),
    Column("delivery", N_("Sync"), lambda p: _delivery(p), elided=True),
)
_NEEDS_ATTENTION = frozenset({"rejected", "review_rejected"})


class HouseholdPaymentsModel(RowsTableModel[HouseholdPayment]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(PAYMENT_COLUMNS, parent)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and index.isValid():
            payment = self.row(index.row())
            if payment.voided:  # kept, with its number, greyed so the valid ones stand out
                return QGuiApplication.palette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
            if payment.delivery.value in _NEEDS_ATTENTION and self.columns[index.column()].key == "delivery":
                return QColor(ATTENTION)
        return super().data(index, role)
