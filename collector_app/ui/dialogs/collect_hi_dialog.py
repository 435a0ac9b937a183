"""CollectHiDialog: take a household's family HI payment: every member in declared order with their
rank on the ladder, amount and the card dates this payment buys, and the total.

The household, its members' enrolments and last cards are looked up once (off the GUI thread); the
months (3, 6, 12: type the digit, or the arrows) ask the service's pure planner
(`services.payments.plan_family_hi_payment`) again, which is what recording uses too. Enter goes on
to the confirm step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from collector_app.domain.payments import PaymentMethod
from collector_app.domain.policy import PolicyTable
from collector_app.domain.problems import DomainError
from collector_app.domain.words import amount_in_words
from collector_app.coverage_words import policy_change_text
from collector_app.formatting import format_date, format_vnd
from collector_app.i18n import N_, _, ngettext
from collector_app.messages import message, percent, rule_sentence
from collector_app.policies import current_table
from collector_app.services.payments import (
    HiHousehold,
    HiPaymentPlan,
    RecordedPayment,
    load_hi_household,
    plan_family_hi_payment,
    record_family_hi_payment,
)
from collector_app.services.due import RenewalProposal
from collector_app.store.db import Store
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.payment_parts import (
    AMOUNT_FONT_SCALE,
    ChoiceButtons,
    PaymentDialog,
    attention_label,
    scaled_font,
)
from collector_app.ui.operations import Op
from collector_app.ui.receipt_printer import ReceiptPrinter

COLUMNS = (N_("Rank"), N_("Full name"), N_("Date of birth"), N_("Share"), N_("Amount"), N_("Card valid from"),
           N_("to"))
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True)
class _Loaded:
    household: HiHousehold
    table: PolicyTable


def _load(store: Store, household_id: str) -> _Loaded:
    return _Loaded(load_hi_household(store, household_id=household_id), current_table(store))


class CollectHiDialog(PaymentDialog):
    loaded = Signal()
    quoted = Signal()

    def __init__(
        self,
        ctx: AppContext,
        household_id: str,
        *,
        printer: ReceiptPrinter | None = None,
        on: date | None = None,
        proposal: RenewalProposal | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, printer, parent)
        self._household_id = household_id
        self._proposal = proposal
        self._on = on or date.today()
        self._household: HiHousehold | None = None
        self._table: PolicyTable | None = None
        self.setWindowTitle(_("Collect family HI"))

        self.household_label = QLabel(_("Loading…"))
        self.household_label.setWordWrap(True)
        self.household_label.setFont(scaled_font(self, 1.15, bold=True))
        self.policy_label = attention_label()  # a renewal from the due list: what changed since the last period
        self.policy_label.setText(policy_change_text(proposal.changes) if proposal else "")
        self.policy_label.setVisible(bool(self.policy_label.text()))
        self.months_buttons = ChoiceButtons((3, 6, 12), lambda n: ngettext("{n} month", "{n} months", n).format(n=n))
        self.months_buttons.setEnabled(False)
        months_label = QLabel(_("&Months paid:"))
        months_label.setBuddy(self.months_buttons.focus_button())
        self.months_message = attention_label()

        self.members_table = QTableWidget(0, len(COLUMNS))
        self.members_table.setHorizontalHeaderLabels([_(c) for c in COLUMNS])
        self.members_table.setAccessibleName(_("Household members"))
        self.members_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.members_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.members_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # nothing to choose: read, not visited
        self.members_table.verticalHeader().setVisible(False)
        header = self.members_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

        figures = QFormLayout()
        self.total_value = QLabel()
        self.total_value.setFont(scaled_font(self, AMOUNT_FONT_SCALE, bold=True))
        self.total_value.setAlignment(_RIGHT)
        self.total_value.setAccessibleName(_("Total"))
        self.words_label = QLabel()
        self.words_label.setWordWrap(True)
        self.words_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        figures.addRow(_("Total for the household:"), self.total_value)
        figures.addRow(self.words_label)
        self.rules_label = QLabel()
        self.rules_label.setWordWrap(True)
        self.rules_label.setTextFormat(Qt.TextFormat.PlainText)
        self.refusal_label = attention_label(bold=True)

        months_row = QHBoxLayout()
        months_row.addWidget(months_label)
        months_row.addWidget(self.months_buttons, 1)
        bottom = QHBoxLayout()
        rules_column = QVBoxLayout()
        rules_column.addWidget(QLabel(_("Rules applied:")))
        rules_column.addWidget(self.rules_label)
        rules_column.addStretch(1)
        bottom.addLayout(rules_column, 3)
        total_column = QVBoxLayout()
        total_column.addLayout(figures)
        total_column.addWidget(self.refusal_label)
        total_column.addStretch(1)
        bottom.addLayout(total_column, 2)

        page = QVBoxLayout(self.form_page)
        page.addWidget(self.household_label)
        page.addWidget(self.policy_label)
        page.addLayout(months_row)
        page.addWidget(self.months_message)
        page.addWidget(self.members_table, 1)
        page.addLayout(bottom)

        self.watch_enter(*self.months_buttons.buttons.values())
        self.months_buttons.chosen.connect(self._replan)
        self._update_buttons()
        self._reload()

    # Loading

    def _reload(self) -> None:
        household_id = self._household_id
        (
            Op(self, lambda store, _p: _load(store, household_id), runner=self._ctx.runner)
            .success(self._on_loaded)
            .failure(self._on_load_failed)
            .latest_only("load")
            .run(label=_("Looking up the household…"))
        )

    def _on_loaded(self, loaded: _Loaded) -> None:
        first_time = self._household is None
        self._household, self._table = loaded.household, loaded.table
        view = loaded.household.household
        head = view.members[0].full_name if view.members else "—"
        self.setWindowTitle(_("Collect family HI: household of {name}").format(name=head))
        code = _("household code {code}").format(code=view.household_code) if view.household_code else ""
        self.household_label.setText(", ".join(part for part in (
            _("Household of {name}").format(name=head), view.address, code) if part))
        if first_time:
            self.months_buttons.blockSignals(True)
            self.months_buttons.set_value(self._proposal.months if self._proposal else 12)
            self.months_buttons.blockSignals(False)
            self.months_buttons.setEnabled(True)
            self.months_buttons.setFocus(Qt.FocusReason.OtherFocusReason)
        self._replan()
        self.loaded.emit()

    def _on_load_failed(self, error: Exception) -> None:
        text = "; ".join(message(p) for p in error.problems) if isinstance(error, DomainError) else str(error)
        self.household_label.setText(text)
        self.refusal = text
        self._update_buttons()

    # The live quote

    @Slot()
    def _replan(self) -> None:
        if self._household is None or self._table is None:
            return
        self.months_message.clear()
        self.plan = None
        try:
            self.plan = plan_family_hi_payment(self._household, self._table, months=self.months(), on=self._on)
        except DomainError as error:
            self.refusal = " ".join(message(p) for p in error.problems)
            self.months_message.setText(self.refusal)
        self._show_plan()
        self._update_buttons()
        self.quoted.emit()

    def months(self) -> int:
        return self.months_buttons.value() or 12

    def _show_plan(self) -> None:
        plan: HiPaymentPlan | None = self.plan
        if plan is None:
            self.members_table.setRowCount(0)
            self.total_value.setText("—")
            self.words_label.clear()
            self.rules_label.clear()
            return  # the reason is beside the months and the buttons
        self.refusal_label.clear()
        self.members_table.setRowCount(len(plan.members))
        for row, member in enumerate(plan.members):
            start = format_date(member.card_start)
            if member.waited:
                start = _("{date} (after the wait)").format(date=start)
            cells = (str(member.rank), member.member.full_name, format_date(member.member.date_of_birth),
                     percent(member.share), format_vnd(member.amount), start, format_date(member.card_end))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column in (0, 3, 4):
                    item.setTextAlignment(_RIGHT)
                self.members_table.setItem(row, column, item)
        self.total_value.setText(format_vnd(plan.payable))
        self.words_label.setText(amount_in_words(plan.payable))
        self.rules_label.setText("\n".join(f"• {rule_sentence(rule)}" for rule in plan.rules))

    # The PaymentDialog frame

    def _fields(self) -> list[QWidget]:
        return [self.months_buttons]

    def _summary(self) -> str:
        plan: HiPaymentPlan = self.plan
        return ngettext("Family HI for {members} member: {months} months.",
                        "Family HI for {members} members: {months} months.", len(plan.members)).format(
            members=len(plan.members), months=plan.quote.months)

    def _record_call(self, *, method: PaymentMethod, payable: int, actor: Any) -> Callable[[Store], RecordedPayment]:
        household_id, months, on, table = self._household_id, self.months(), self._on, self._table

        def call(store: Store) -> RecordedPayment:
            return record_family_hi_payment(store, household_id=household_id, months=months, on=on, method=method,
                                            actor=actor, amount=payable, table=table)

        return call


def open_collect_hi(
    ctx: AppContext,
    parent: QWidget | None,
    household_id: str,
    *,
    printer: ReceiptPrinter | None = None,
    on: date | None = None,
    proposal: RenewalProposal | None = None,
) -> CollectHiDialog:
    """Open the family HI payment form for a household (the household view, the menu and, with a
    `proposal`, the Due page call this)."""
    dialog = CollectHiDialog(ctx, household_id, printer=printer, on=on, proposal=proposal, parent=parent)
    if parent is not None:  # the receipt preview opens on the parent once the form has closed
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
