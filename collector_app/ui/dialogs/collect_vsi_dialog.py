"""CollectVsiDialog: take one person's voluntary SI payment, with a live quote that is what gets recorded.

The person, their household's province, enrolment and months paid are looked up once (off the GUI
thread); then every change of income, months, support group or first month asks the service's pure
planner (`services.payments.plan_vsi_payment`) again, which is what recording uses too. Keyboard: type
the income, Enter; digits pick the months (1, 3, 6, 12), Enter; arrows choose the group, Enter; the
first month (mm/yyyy, empty for "after the months paid"), Enter goes on to the confirm step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from collector_app.domain.payments import PaymentMethod, top_up_province
from collector_app.domain.people import SupportGroup
from collector_app.domain.policy import PolicyTable
from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.domain.words import amount_in_words
from collector_app.coverage_words import policy_change_text
from collector_app.formatting import format_date, format_vnd
from collector_app.i18n import _, ngettext
from collector_app.messages import message, rule_sentence, support_group_label
from collector_app.policies import current_table
from collector_app.services.payments import (
    RecordedPayment,
    VsiPayer,
    VsiPaymentPlan,
    load_vsi_payer,
    plan_vsi_payment,
    record_vsi_payment,
)
from collector_app.services.due import RenewalProposal
from collector_app.store.db import Store
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.payment_parts import (
    AMOUNT_FONT_SCALE,
    ChoiceButtons,
    MoneyEdit,
    PaymentDialog,
    attention_label,
    figure_row,
    format_month,
    parse_month,
    scaled_font,
    stacked,
)
from collector_app.ui.operations import Op
from collector_app.ui.receipt_printer import ReceiptPrinter

VSI_MONTHS = (1, 3, 6, 12)  # the periodic methods (Law SI 2024 Art. 36(2)); the form offers these
_INCOME_CODES = {ProblemCode.INCOME_BELOW_FLOOR, ProblemCode.INCOME_ABOVE_CEILING, ProblemCode.INCOME_NOT_ON_STEP}
_MONTHS_CODES = {ProblemCode.VSI_MONTHS_NOT_ALLOWED, ProblemCode.VSI_PREPAY_NEEDS_FUND_RETURN,
                 ProblemCode.PAYMENT_DISCOUNT_NOT_RECORDABLE}
_PERIOD_CODES = {ProblemCode.PAYMENT_PERIOD_ALREADY_PAID, ProblemCode.VSI_PERIOD_OUTSIDE_WINDOW,
                 ProblemCode.DATE_OUT_OF_RANGE}


@dataclass(frozen=True)
class _Loaded:
    payer: VsiPayer
    table: PolicyTable


def _load(store: Store, person_id: str) -> _Loaded:
    return _Loaded(load_vsi_payer(store, person_id=person_id), current_table(store))


class CollectVsiDialog(PaymentDialog):
    loaded = Signal()
    quoted = Signal()  # the figures shown changed (a new plan, or a refusal)

    def __init__(
        self,
        ctx: AppContext,
        person_id: str,
        *,
        printer: ReceiptPrinter | None = None,
        on: date | None = None,
        proposal: RenewalProposal | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, printer, parent)
        self._person_id = person_id
        self._proposal = proposal
        self._on = on or date.today()
        self._payer: VsiPayer | None = None
        self._table: PolicyTable | None = None
        self._period_edited = False
        self.setWindowTitle(_("Collect voluntary SI"))

        self.person_label = QLabel(_("Loading…"))
        self.person_label.setWordWrap(True)
        self.person_label.setFont(scaled_font(self, 1.15, bold=True))
        self.history_label = QLabel()
        self.history_label.setWordWrap(True)
        self.policy_label = attention_label()  # a renewal from the due list: what changed since the last period
        self.policy_label.setText(policy_change_text(proposal.changes) if proposal else "")
        self.policy_label.setVisible(bool(self.policy_label.text()))

        # Inputs
        self.income_edit = MoneyEdit()
        self.income_edit.setAccessibleName(_("Monthly income"))
        self.income_hint = QLabel()
        self.income_hint.setWordWrap(True)
        self.income_message = attention_label()
        self.months_buttons = ChoiceButtons(
            VSI_MONTHS, lambda n: ngettext("{n} month", "{n} months", n).format(n=n))
        self.months_message = attention_label()
        self.group_box = QComboBox()
        self.group_box.setAccessibleName(_("Support group"))
        for group in SupportGroup:
            self.group_box.addItem(support_group_label(group), group.value)
        self.top_up_label = QLabel()
        self.top_up_label.setWordWrap(True)
        self.period_edit = QLineEdit()
        self.period_edit.setAccessibleName(_("First month covered"))
        self.period_edit.setPlaceholderText(_("mm/yyyy"))
        self.period_edit.setMaximumWidth(140)
        self.period_hint = QLabel(_("Empty: the month after the months already paid."))
        self.period_hint.setWordWrap(True)
        self.period_message = attention_label()

        inputs = QFormLayout()
        inputs.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        income_label = QLabel(_("Monthly &income:"))
        income_label.setBuddy(self.income_edit)
        inputs.addRow(income_label, stacked(self.income_edit, self.income_hint, self.income_message))
        months_label = QLabel(_("&Months paid:"))
        months_label.setBuddy(self.months_buttons.focus_button())
        inputs.addRow(months_label, stacked(self.months_buttons, self.months_message))
        group_label = QLabel(_("Support &group:"))
        group_label.setBuddy(self.group_box)
        inputs.addRow(group_label, self.group_box)
        inputs.addRow(_("Provincial top-up:"), self.top_up_label)
        period_label = QLabel(_("&First month covered:"))
        period_label.setBuddy(self.period_edit)
        inputs.addRow(period_label, stacked(self.period_edit, self.period_hint, self.period_message))
        inputs_box = QGroupBox(_("Payment"))
        inputs_box.setLayout(inputs)

        # Figures
        figures = QFormLayout()
        figures.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.gross_value = figure_row(figures, _("Total contribution:"))
        self.state_value = figure_row(figures, _("State support:"))
        self.local_value = figure_row(figures, _("Local support:"))
        self.payable_value = figure_row(figures, _("Amount payable:"))
        self.payable_value.setFont(scaled_font(self, AMOUNT_FONT_SCALE, bold=True))
        self.words_label = QLabel()
        self.words_label.setWordWrap(True)
        self.words_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        figures.addRow(self.words_label)
        self.period_value = figure_row(figures, _("Period:"))
        self.rules_label = QLabel()
        self.rules_label.setWordWrap(True)
        self.rules_label.setTextFormat(Qt.TextFormat.PlainText)
        self.refusal_label = attention_label(bold=True)
        figures_column = QVBoxLayout()
        figures_column.addLayout(figures)
        figures_column.addWidget(self.refusal_label)
        figures_column.addWidget(QLabel(_("Rules applied:")))
        figures_column.addWidget(self.rules_label)
        figures_column.addStretch(1)
        figures_box = QGroupBox(_("Amounts"))
        figures_box.setLayout(figures_column)

        columns = QHBoxLayout()
        columns.addWidget(inputs_box, 1)
        columns.addWidget(figures_box, 1)
        page = QVBoxLayout(self.form_page)
        page.addWidget(self.person_label)
        page.addWidget(self.history_label)
        page.addWidget(self.policy_label)
        page.addLayout(columns, 1)

        self.setTabOrder(self.income_edit, self.months_buttons.focus_button())
        self.setTabOrder(self.months_buttons.focus_button(), self.group_box)
        self.setTabOrder(self.group_box, self.period_edit)
        self.watch_enter(self.income_edit, self.group_box, self.period_edit, *self.months_buttons.buttons.values())

        self.income_edit.value_changed.connect(self._replan)
        self.months_buttons.chosen.connect(self._replan)
        self.group_box.currentIndexChanged.connect(self._replan)
        self.period_edit.textEdited.connect(self._on_period_edited)

        self._set_inputs_enabled(False)
        self._update_buttons()
        self._reload()

    # Loading

    def _reload(self) -> None:
        person_id = self._person_id
        (
            Op(self, lambda store, _p: _load(store, person_id), runner=self._ctx.runner)
            .success(self._on_loaded)
            .failure(self._on_load_failed)
            .latest_only("load")
            .run(label=_("Looking up the person…"))
        )

    def _on_loaded(self, loaded: _Loaded) -> None:
        first_time = self._payer is None
        self._payer, self._table = loaded.payer, loaded.table
        payer = loaded.payer
        person = payer.person
        self.setWindowTitle(_("Collect voluntary SI: {name}").format(name=person.full_name))
        self.person_label.setText(_("{name}, born {born}, citizen ID {citizen_id}").format(
            name=person.full_name, born=format_date(person.date_of_birth), citizen_id=person.citizen_id or "—"))
        cap = loaded.table.in_force(self._on).vsi_support_cap_months
        if payer.paid_to is not None:
            history = _("Paid up to {paid_to}; state support received for {used}/{cap} months.").format(
                paid_to=format_date(payer.paid_to), used=payer.supported_months_before, cap=cap)
        elif payer.enrolment is not None:
            history = _("Enrolled, nothing paid yet.")
        else:
            history = _("Not yet enrolled in voluntary SI: this payment enrols the person.")
        self.history_label.setText(history)
        policy = loaded.table.in_force(self._on)
        self.income_hint.setText(_("From {floor} to {ceiling} (in force on {date}).").format(
            floor=format_vnd(policy.vsi_income_floor), ceiling=format_vnd(policy.vsi_income_ceiling),
            date=format_date(self._on)))
        province = top_up_province(policy, payer.residence_province)
        from collector_app.admin_units import load_admin_units

        unit = load_admin_units().province(payer.residence_province)
        name = unit.name if unit is not None else payer.residence_province
        self.top_up_label.setText(
            _("{province}: adds support (follows the household's province)").format(province=name)
            if province else _("{province}: none (follows the household's province)").format(province=name))
        if first_time:
            enrolment = payer.enrolment
            group = enrolment.support_group if enrolment and enrolment.support_group else SupportGroup.OTHER
            self.group_box.blockSignals(True)
            self.group_box.setCurrentIndex(self.group_box.findData(group.value))
            self.group_box.blockSignals(False)
            self.months_buttons.blockSignals(True)
            self.months_buttons.set_value(self._proposal.months if self._proposal else 12)
            self.months_buttons.blockSignals(False)
            income = enrolment.monthly_income if enrolment and enrolment.monthly_income else policy.vsi_income_floor
            if self._proposal and self._proposal.monthly_income:  # the due list's, inside today's band
                income = self._proposal.monthly_income
            self.income_edit.blockSignals(True)
            self.income_edit.set_value(income)
            self.income_edit.blockSignals(False)
            self._set_inputs_enabled(True)
            self.income_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            self.income_edit.selectAll()
        self._replan()
        self.loaded.emit()

    def _on_load_failed(self, error: Exception) -> None:
        text = "; ".join(message(p) for p in error.problems) if isinstance(error, DomainError) else str(error)
        self.person_label.setText(text)
        self.refusal = text
        self._update_buttons()

    def _set_inputs_enabled(self, enabled: bool) -> None:
        for widget in (self.income_edit, self.months_buttons, self.group_box, self.period_edit):
            widget.setEnabled(enabled)

    # The live quote

    @Slot()
    def _on_period_edited(self) -> None:
        self._period_edited = bool(self.period_edit.text().strip())
        self._replan()

    def inputs(self) -> dict[str, Any] | str:
        """What the form holds, as the planner takes it, or why it cannot be read."""
        income = self.income_edit.value()
        if income is None:
            return _("Type the monthly income.")
        period_from = None
        if self._period_edited:
            period_from = parse_month(self.period_edit.text())
            if period_from is None:
                return _("Write the first month covered as mm/yyyy, e.g. 09/2026.")
        return {
            "monthly_income": income,
            "months": self.months_buttons.value() or VSI_MONTHS[-1],
            "group": SupportGroup(self.group_box.currentData()),
            "period_from": period_from,
            "on": self._on,
        }

    @Slot()
    def _replan(self) -> None:
        if self._payer is None or self._table is None:
            return
        for label in (self.income_message, self.months_message, self.period_message):
            label.clear()
        inputs = self.inputs()
        self.plan = None
        if isinstance(inputs, str):
            self.refusal = inputs
            (self.income_message if self.income_edit.value() is None else self.period_message).setText(inputs)
        else:
            try:
                self.plan = plan_vsi_payment(self._payer, self._table, **inputs)
            except DomainError as error:
                self.refusal = " ".join(message(p) for p in error.problems)
                self._show_beside_fields(error)
        self._show_plan()
        self._update_buttons()
        self.quoted.emit()

    def _show_beside_fields(self, error: DomainError) -> None:
        for problem in error.problems:
            for codes, label in ((_INCOME_CODES, self.income_message), (_MONTHS_CODES, self.months_message),
                                 (_PERIOD_CODES, self.period_message)):
                if problem.code in codes:
                    label.setText(message(problem))

    def _show_plan(self) -> None:
        plan: VsiPaymentPlan | None = self.plan
        values = (self.gross_value, self.state_value, self.local_value, self.payable_value, self.period_value)
        if plan is None:
            for value in values:
                value.setText("—")
            self.words_label.clear()
            self.rules_label.clear()
            beside = any(label.text() for label in (self.income_message, self.months_message, self.period_message))
            self.refusal_label.setText("" if beside else _("Cannot be paid: {reason}").format(reason=self.refusal))
            return
        payment = plan.payment
        self.refusal_label.clear()
        self.gross_value.setText(format_vnd(payment.gross))
        self.state_value.setText(format_vnd(payment.state_support))
        self.local_value.setText(format_vnd(payment.local_support))
        self.payable_value.setText(format_vnd(plan.payable))
        self.words_label.setText(amount_in_words(plan.payable))
        self.period_value.setText(self._period_text(plan))
        self.rules_label.setText("\n".join(f"• {rule_sentence(rule)}" for rule in plan.rules))
        if not self._period_edited:
            self.period_edit.setText(format_month(plan.quote.period_from))

    def _period_text(self, plan: VsiPaymentPlan) -> str:
        quote = plan.quote
        return ngettext("{start} – {end} ({n} month)", "{start} – {end} ({n} months)", quote.months).format(
            start=format_date(quote.period_from), end=format_date(quote.period_to), n=quote.months)

    # The PaymentDialog frame

    def _fields(self) -> list[QWidget]:
        return [self.income_edit, self.months_buttons, self.group_box, self.period_edit]

    def _summary(self) -> str:
        plan: VsiPaymentPlan = self.plan
        payment = plan.payment
        return "\n".join((
            _("Voluntary SI for {name}: {period}.").format(name=plan.payer.person.full_name,
                                                          period=self._period_text(plan)),
            _("Total contribution {gross} − state support {state} − local support {local}.").format(
                gross=format_vnd(payment.gross), state=format_vnd(payment.state_support),
                local=format_vnd(payment.local_support)),
        ))

    def _record_call(self, *, method: PaymentMethod, payable: int, actor: Any) -> Callable[[Store], RecordedPayment]:
        inputs = self.inputs()
        assert isinstance(inputs, dict)
        person_id, table = self._person_id, self._table

        def call(store: Store) -> RecordedPayment:
            return record_vsi_payment(store, person_id=person_id, method=method, actor=actor, amount=payable,
                                      table=table, **inputs)

        return call


def open_collect_vsi(
    ctx: AppContext,
    parent: QWidget | None,
    person_id: str,
    *,
    printer: ReceiptPrinter | None = None,
    on: date | None = None,
    proposal: RenewalProposal | None = None,
) -> CollectVsiDialog:
    """Open the voluntary SI payment form for one person (the household view, the menu and, with a
    `proposal`, the Due page call this)."""
    dialog = CollectVsiDialog(ctx, person_id, printer=printer, on=on, proposal=proposal, parent=parent)
    if parent is not None:  # the receipt preview opens on the parent once the form has closed
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
