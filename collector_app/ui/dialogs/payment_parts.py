"""What the two payment dialogs share: money typed as digits, the confirm step, the flow from the live
quote to recording, and the receipt preview that opens after recording (print, reprint, void).

Keyboard: Enter moves to the next field (on the last one, on to the confirm step); Ctrl+Enter goes on
from anywhere; Esc goes back from the confirm step and closes the form. On the confirm step Enter (or
Ctrl+Enter) records. In the preview Enter prints, Ctrl+R prints a counted copy, Ctrl+D voids
(the reason, then Enter), Esc closes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QFont, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from collector_app.domain.payments import Action, PaymentMethod, check_allowed, check_void_reason
from collector_app.domain.problems import DomainError
from collector_app.domain.words import amount_in_words
from collector_app.formatting import format_vnd
from collector_app.i18n import _
from collector_app.messages import message
from collector_app.services.payments import RecordedPayment
from collector_app.services.receipts import Voided, void_receipt
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.pdf_preview import PdfPreviewDialog
from collector_app.ui.operations import Op
from collector_app.ui.palette import attention_style
from collector_app.ui.printing import default_print_preferences
from collector_app.ui.receipt_printer import ReceiptPrinter, RenderedReceipt, render_stored_receipt
from collector_app.wire import TextLimits

AMOUNT_FONT_SCALE = 1.6  # the payable amount is read aloud to the payer: the biggest thing on the form
FORM_MIN_WIDTH = 1000  # two columns (inputs, figures) side by side on a 1366×768 screen
FORM_MIN_HEIGHT = 560
REASON_MIN_WIDTH = 420
_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_DIGITS = re.compile(r"[^0-9]")
_MONTH = re.compile(r"\s*([0-9]{1,2})\s*[/.\- ]\s*([0-9]{4})\s*|\s*([0-9]{2})([0-9]{4})\s*")


def shortcut_text(sequence: str) -> str:
    return QKeySequence(sequence).toString(QKeySequence.SequenceFormat.NativeText)


def with_shortcut(text: str, sequence: str) -> str:
    """A button's text with its key written beside it: "Tiếp tục (Ctrl+Enter)" (as on the keyboard)."""
    return f"{text} ({shortcut_text(sequence).replace('Return', 'Enter')})"


class NoteLabel(QLabel):
    """A message beside a field, in the attention red; it takes no room while it says nothing."""

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setVisible(bool(text))

    def clear(self) -> None:
        self.setText("")


def attention_label(*, bold: bool = False) -> NoteLabel:
    label = NoteLabel()
    label.setWordWrap(True)
    label.setStyleSheet(attention_style("QLabel", bold=bold))
    label.setVisible(False)
    return label


def stacked(*widgets: QWidget) -> QWidget:
    """A field with its hint and message under it, as one cell of a form."""
    cell = QWidget()
    column = QVBoxLayout(cell)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(2)
    for widget in widgets:
        column.addWidget(widget)
    return cell


def scaled_font(widget: QWidget, scale: float, *, bold: bool = False) -> QFont:
    font = QFont(widget.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(bold)
    return font


def parse_month(text: str) -> date | None:
    """ "9/2026", "09/2026", "09-2026", "092026" -> 1 September 2026; None when it is not a month."""
    match = _MONTH.fullmatch(text)
    if match is None:
        return None
    month, year = (match[1], match[2]) if match[1] else (match[3], match[4])
    try:
        return date(int(year), int(month), 1)
    except ValueError:
        return None


def format_month(day: date) -> str:
    return f"{day.month:02d}/{day.year}"


class MoneyEdit(QLineEdit):
    """An amount typed as digits and shown grouped as typed ("1500000" -> "1.500.000"); never a float."""

    value_changed = Signal()

    MAX_DIGITS = 12  # up to 999 tỷ: far above any income or amount handed over

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.textEdited.connect(self._on_text_edited)

    def value(self) -> int | None:
        digits = _DIGITS.sub("", self.text())
        return int(digits) if digits else None

    def set_value(self, amount: int | None) -> None:
        self.setText("" if amount is None else _grouped(str(amount)))
        self.value_changed.emit()

    @Slot(str)
    def _on_text_edited(self, text: str) -> None:
        # Keep the cursor after the same number of digits as before the regrouping.
        digits_before_cursor = len(_DIGITS.sub("", text[: self.cursorPosition()]))
        digits = _DIGITS.sub("", text)[: self.MAX_DIGITS].lstrip("0") or ("0" if _DIGITS.sub("", text) else "")
        grouped = _grouped(digits)
        self.setText(grouped)
        seen = position = 0
        while position < len(grouped) and seen < digits_before_cursor:
            if grouped[position].isdigit():
                seen += 1
            position += 1
        self.setCursorPosition(position)
        self.value_changed.emit()


def _grouped(digits: str) -> str:
    if not digits:
        return ""
    return f"{int(digits):,}".replace(",", ".")


class ChoiceButtons(QWidget):
    """Radio buttons for a few numbers (months), with arrow keys and digit keys: typing 3 picks 3,
    typing 1 then 2 picks 12 ("1" alone picks 1 where allowed)."""

    chosen = Signal(int)

    def __init__(self, values: tuple[int, ...], label: Callable[[int], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.group = QButtonGroup(self)
        self.buttons: dict[int, QRadioButton] = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for value in values:
            button = QRadioButton(label(value))
            button.installEventFilter(self)
            self.group.addButton(button, value)
            self.buttons[value] = button
            row.addWidget(button)
        row.addStretch(1)
        self._typed = ""
        self.group.idToggled.connect(self._on_toggled)

    def value(self) -> int | None:
        checked = self.group.checkedId()
        return checked if checked != -1 else None

    def set_value(self, value: int) -> None:
        button = self.buttons.get(value)
        if button is not None:
            button.setChecked(True)

    def focus_button(self) -> QRadioButton:
        checked = self.group.checkedButton()
        return checked if isinstance(checked, QRadioButton) else next(iter(self.buttons.values()))

    def setFocus(self, reason: Qt.FocusReason = Qt.FocusReason.OtherFocusReason) -> None:
        self.focus_button().setFocus(reason)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and event.text().isdigit():
            self._typed = (self._typed + event.text())[-2:]
            for candidate in (self._typed, event.text()):
                if int(candidate) in self.buttons:
                    self.set_value(int(candidate))
                    self.buttons[int(candidate)].setFocus(Qt.FocusReason.OtherFocusReason)
                    break
            return True
        if event.type() == QEvent.Type.FocusOut:
            self._typed = ""
        return super().eventFilter(watched, event)

    @Slot(int, bool)
    def _on_toggled(self, value: int, checked: bool) -> None:
        if checked:
            self.chosen.emit(value)


def figure_row(form: QFormLayout, label: str) -> QLabel:
    """A right-aligned figure in the form's right column, selectable for copying."""
    value = QLabel()
    value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    form.addRow(label, value)
    return value


class ConfirmStep(QWidget):
    """The confirm step: the amount in large type and in words, cash or transfer, what was handed over,
    the change. `ready()` says whether Record may go ahead, and if not, why."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._payable = 0
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.summary_label.setFont(scaled_font(self, 1.1))
        self.payable_label = QLabel()
        self.payable_label.setFont(scaled_font(self, AMOUNT_FONT_SCALE, bold=True))
        self.payable_label.setAccessibleName(_("Amount payable"))
        self.words_label = QLabel()
        self.words_label.setWordWrap(True)

        self.cash_button = QRadioButton(_("&Cash"))
        self.transfer_button = QRadioButton(_("Bank &transfer"))
        self.method_group = QButtonGroup(self)
        self.method_group.addButton(self.cash_button)
        self.method_group.addButton(self.transfer_button)
        self.cash_button.setChecked(True)
        methods = QHBoxLayout()
        methods.addWidget(self.cash_button)
        methods.addWidget(self.transfer_button)
        methods.addStretch(1)

        self.handed_edit = MoneyEdit()
        self.handed_edit.setAccessibleName(_("Amount handed over"))
        self.handed_edit.setPlaceholderText(_("the exact amount, if left empty"))
        self.handed_label = QLabel(_("Amount &handed over:"))
        self.handed_label.setBuddy(self.handed_edit)
        self.change_label = QLabel()
        self.change_label.setFont(scaled_font(self, 1.25, bold=True))
        self.handed_message = attention_label()
        self.status_label = attention_label(bold=True)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(_("Amount payable:"), self.payable_label)
        form.addRow("", self.words_label)
        form.addRow(_("Payment method:"), methods)
        form.addRow(self.handed_label, stacked(self.handed_edit, self.handed_message))
        form.addRow(_("Change to give back:"), self.change_label)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addLayout(form)
        layout.addWidget(self.status_label)
        layout.addStretch(1)

        self.handed_edit.value_changed.connect(self._on_edited)
        self.method_group.buttonToggled.connect(self._on_method_toggled)
        self.handed_edit.setMaximumWidth(260)

    def start(self, payable: int, summary: str) -> None:
        """Show the step for `payable`; the amount handed over is typed afresh."""
        self._payable = payable
        self.summary_label.setText(summary)
        self.payable_label.setText(format_vnd(payable))
        self.words_label.setText(amount_in_words(payable))
        self.handed_edit.set_value(None)
        self.status_label.clear()
        self._on_edited()

    def method(self) -> PaymentMethod:
        return PaymentMethod.TRANSFER if self.transfer_button.isChecked() else PaymentMethod.CASH

    def change(self) -> int | None:
        handed = self.handed_edit.value()
        if self.method() is PaymentMethod.TRANSFER or handed is None:
            return 0
        return handed - self._payable if handed >= self._payable else None

    def ready(self) -> tuple[bool, str]:
        handed = self.handed_edit.value()
        if self.method() is PaymentMethod.CASH and handed is not None and handed < self._payable:
            return False, _("{handed} is less than the amount payable, {payable}: take {missing} more.").format(
                handed=format_vnd(handed), payable=format_vnd(self._payable),
                missing=format_vnd(self._payable - handed))
        return True, ""

    def show_failure(self, text: str) -> None:
        self.status_label.setText(text)

    @Slot()
    def _on_method_toggled(self) -> None:
        cash = self.method() is PaymentMethod.CASH
        self.handed_edit.setEnabled(cash)
        self.handed_label.setEnabled(cash)
        self._on_edited()

    @Slot()
    def _on_edited(self) -> None:
        change = self.change()
        ok, why = self.ready()
        self.handed_message.setText(why)
        self.change_label.setText(format_vnd(change) if change is not None else "—")
        self.changed.emit()


class PaymentDialog(QDialog):
    """The frame both payment dialogs share: the form with its live quote, then the confirm step, then
    recording through the task runner as `ctx.user` and the receipt preview.

    Subclasses build `form_page`, keep `self.plan` (the service's plan for the inputs shown, or None
    with `self.refusal` saying why) up to date, and implement `_record_call` and `_summary`.
    """

    recorded = Signal(object)  # RecordedPayment
    preview_shown = Signal(object)  # the ReceiptPreview opened after recording

    def __init__(self, ctx: AppContext, printer: ReceiptPrinter | None, parent: QWidget | None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._printer = printer or ReceiptPrinter(ctx.runner, default_print_preferences(), self,
                                                       actor=lambda: ctx.user)
        self.plan: Any = None
        self.refusal = ""
        self._recording = False

        self.form_page = QWidget()
        self.confirm = ConfirmStep()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.form_page)
        self.pages.addWidget(self.confirm)

        self.why_label = attention_label()
        self.why_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.back_button = QPushButton(with_shortcut(_("Back"), "Esc"))
        self.continue_button = QPushButton(with_shortcut(_("Continue"), "Ctrl+Return"))
        self.record_button = QPushButton(with_shortcut(_("Record and print the receipt"), "Ctrl+Return"))
        # "Đóng" would also read "pay" on a payment form: the button says "leave" ("Thoát").
        self.close_button = QPushButton(with_shortcut(_("Leave without recording"), "Esc"))
        for button in (self.back_button, self.continue_button, self.record_button, self.close_button):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.why_label, 1)
        buttons.addStretch(0)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.continue_button)
        buttons.addWidget(self.record_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)

        self.go_on_action = QAction(self)
        self.go_on_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter"), QKeySequence("F10")])
        self.go_on_action.triggered.connect(self._on_go_on_triggered)
        self.addAction(self.go_on_action)
        self.continue_button.clicked.connect(self.go_to_confirm)
        self.record_button.clicked.connect(self.record)
        self.back_button.clicked.connect(self.go_to_form)
        self.close_button.clicked.connect(self.reject)
        self.confirm.changed.connect(self._update_buttons)
        self.confirm.handed_edit.installEventFilter(self)
        self.confirm.cash_button.installEventFilter(self)
        self.confirm.transfer_button.installEventFilter(self)
        self.setMinimumSize(FORM_MIN_WIDTH, FORM_MIN_HEIGHT)

    # Steps

    @Slot()
    def go_to_confirm(self) -> None:
        if self.plan is None:
            return
        self.confirm.start(self.plan.payable, self._summary())
        self.pages.setCurrentWidget(self.confirm)
        self.confirm.handed_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self._update_buttons()

    @Slot()
    def go_to_form(self) -> None:
        self.pages.setCurrentWidget(self.form_page)
        self._focus_first_field()
        self._update_buttons()

    def on_confirm_step(self) -> bool:
        return self.pages.currentWidget() is self.confirm

    @Slot()
    def _on_go_on_triggered(self) -> None:
        if self.on_confirm_step():
            self.record()
        else:
            self.go_to_confirm()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.on_confirm_step() and not self._recording:
            self.go_to_form()
            return
        if event.key() in _ENTER_KEYS:
            event.accept()  # never a default button: Enter moves on, as the fields say
            return
        super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and event.key() in _ENTER_KEYS:
            if self.on_confirm_step():
                self.record()
            else:
                self._enter_pressed_in(watched)
            return True
        return super().eventFilter(watched, event)

    def _enter_pressed_in(self, watched: QObject) -> None:
        """Enter in a form field: on to the next field, or to the confirm step from the last one."""
        fields = self._fields()
        index = next((i for i, field in enumerate(fields)
                      if field is watched or (isinstance(watched, QWidget) and field.isAncestorOf(watched))), -1)
        if 0 <= index < len(fields) - 1:
            nxt = fields[index + 1]
            nxt.setFocus(Qt.FocusReason.TabFocusReason)
        else:
            self.go_to_confirm()

    def watch_enter(self, *widgets: QWidget) -> None:
        for widget in widgets:
            widget.installEventFilter(self)

    # Live state

    def _update_buttons(self) -> None:
        confirm = self.on_confirm_step()
        self.back_button.setVisible(confirm)
        self.close_button.setVisible(not confirm)
        self.continue_button.setVisible(not confirm)
        self.record_button.setVisible(confirm)
        may, why_not = self._may_record()
        self.continue_button.setEnabled(self.plan is not None and may and not self._recording)
        ready, not_ready = self.confirm.ready()
        self.record_button.setEnabled(self.plan is not None and may and ready and not self._recording)
        if not may:
            why = why_not
        elif self.plan is None:
            why = _("Cannot be paid: {reason}").format(reason=self.refusal) if self.refusal else ""
        elif confirm and not ready:
            why = not_ready
        else:
            why = ""
        self.why_label.setText(why)
        for button in (self.continue_button, self.record_button):
            button.setToolTip(why)

    def _may_record(self) -> tuple[bool, str]:
        user = self._ctx.user
        problems = check_allowed(user.role, Action.RECORD_PAYMENT, user=user.username)
        return (False, message(problems[0])) if problems else (True, "")

    # Recording

    @Slot()
    def record(self) -> None:
        if not self.on_confirm_step() or not self.record_button.isEnabled():
            return
        method = self.confirm.method()
        payable = self.plan.payable
        actor = self._ctx.user
        call = self._record_call(method=method, payable=payable, actor=actor)
        self._recording = True
        self._update_buttons()
        (
            Op(self, lambda store, _p: call(store), runner=self._ctx.runner)
            .success(self._on_recorded)
            .failure(self._on_record_failed)
            .run(label=_("Recording the payment…"))
        )

    def _on_recorded(self, recorded: RecordedPayment) -> None:
        self._recording = False
        self.recorded.emit(recorded)
        parent = self.parentWidget() or self
        open_receipt_preview(self._ctx, self._printer, parent, recorded.receipt_number,
                             on_shown=self.preview_shown.emit)
        self.accept()

    def _on_record_failed(self, error: Exception) -> None:
        self._recording = False
        text = "; ".join(message(p) for p in error.problems) if isinstance(error, DomainError) else str(error)
        self.confirm.show_failure(_("Nothing was recorded: {reason}").format(reason=text))
        self._update_buttons()
        self._reload()  # the store may have changed meanwhile (another payment, a new policy table)

    # For subclasses

    def _fields(self) -> list[QWidget]:
        raise NotImplementedError

    def _focus_first_field(self) -> None:
        fields = self._fields()
        if fields:
            fields[0].setFocus(Qt.FocusReason.OtherFocusReason)

    def _record_call(self, *, method: PaymentMethod, payable: int, actor: Any) -> Callable[[Any], RecordedPayment]:
        raise NotImplementedError

    def _summary(self) -> str:
        raise NotImplementedError

    def _reload(self) -> None:
        raise NotImplementedError


# The receipt of a payment just recorded


class VoidReasonDialog(QDialog):
    """Asks why a receipt is void; Enter confirms, Esc cancels."""

    def __init__(self, receipt_number: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Void receipt {number}").format(number=receipt_number))
        self.reason_edit = QLineEdit()
        self.reason_edit.setAccessibleName(_("Reason for voiding"))
        self.reason_edit.setMinimumWidth(REASON_MIN_WIDTH)
        label = QLabel(_("&Why is receipt {number} void? The reason is sent to the province.").format(
            number=receipt_number))
        label.setWordWrap(True)
        label.setBuddy(self.reason_edit)
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(with_shortcut(_("Void the receipt"), "Return"),
                                                QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(with_shortcut(_("Cancel"), "Esc"), QDialogButtonBox.ButtonRole.RejectRole)
        layout = QVBoxLayout(self)
        self.problem_label = attention_label()  # what is wrong with the reason typed, beside it
        layout.addWidget(label)
        layout.addWidget(self.reason_edit)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)
        confirm = QAction(self)
        confirm.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        confirm.triggered.connect(self._on_confirm)
        self.addAction(confirm)
        self.buttons.accepted.connect(self._on_confirm)
        self.buttons.rejected.connect(self.reject)
        self.reason_edit.textChanged.connect(self._on_text_changed)
        self.reason_edit.returnPressed.connect(self._on_confirm)
        self._on_text_changed()

    def reason(self) -> str:
        return self.reason_edit.text().strip()

    @Slot()
    def _on_text_changed(self) -> None:
        # The rule the store applies (check_void_reason), said as typed; nothing typed yet is no problem.
        typed = self.reason_edit.text()
        problems = check_void_reason(typed, max_length=TextLimits.VOID_REASON) if typed.strip() else []
        self.problem_label.setText(" ".join(message(problem) for problem in problems))
        self.ok_button.setEnabled(bool(self.reason()) and not problems)

    @Slot()
    def _on_confirm(self) -> None:
        # Enter reaches the field and the dialog: accept once, and only a reason the store takes.
        if self.ok_button.isEnabled() and self.isVisible():
            self.accept()


class ReceiptPreview(QObject):
    """The preview of a receipt just issued, with reprint and void beside print (Enter)."""

    voided = Signal(object)  # Voided

    def __init__(self, ctx: AppContext, printer: ReceiptPrinter, dialog: PdfPreviewDialog, number: str) -> None:
        super().__init__(dialog)
        self._ctx = ctx
        self._printer = printer
        self.dialog = dialog
        self.number = number
        # The printer is ready: Enter prints the receipt shown, as Ctrl+P does.
        dialog.print_action.setShortcuts(
            [QKeySequence("Return"), QKeySequence("Enter"), QKeySequence("Ctrl+P")])
        dialog.print_action.setText(with_shortcut(_("Print"), "Enter"))
        self.reprint_action = self._action(_("Print a copy"), "Ctrl+R", self._on_reprint_triggered)
        self.void_action = self._action(_("Void…"), "Ctrl+D", self._on_void_triggered)
        self.asking: VoidReasonDialog | None = None
        self.reprint_button = self._button(self.reprint_action)
        self.void_button = self._button(self.void_action)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.message_label, 1)
        row.addWidget(self.reprint_button)
        row.addWidget(self.void_button)
        layout = dialog.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.addLayout(row)
        user = ctx.user
        refused = check_allowed(user.role, Action.VOID_RECEIPT, user=user.username)
        if refused:
            self.void_action.setEnabled(False)
            self.void_button.setEnabled(False)
            self.void_button.setToolTip(message(refused[0]))
            self.message_label.setText(message(refused[0]))

    def _action(self, text: str, sequence: str, slot: Callable[[], None]) -> QAction:
        action = QAction(with_shortcut(text, sequence), self.dialog)
        action.setShortcut(QKeySequence(sequence))
        action.triggered.connect(slot)
        self.dialog.addAction(action)
        return action

    def _button(self, action: QAction) -> QPushButton:
        button = QPushButton(action.text())
        button.setAutoDefault(False)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(action.trigger)
        return button

    @Slot()
    def _on_reprint_triggered(self) -> None:
        self._printer.print_receipts(self.dialog.parentWidget() or self.dialog, [self.number], copy=True)

    @Slot()
    def _on_void_triggered(self) -> None:
        if not self.void_action.isEnabled():
            return
        self.asking = VoidReasonDialog(self.number, self.dialog)
        self.asking.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.asking.accepted.connect(self._on_reason_given)
        self.asking.open()

    @Slot()
    def _on_reason_given(self) -> None:
        if self.asking is None:
            return
        reason, number, actor = self.asking.reason(), self.number, self._ctx.user
        self.asking = None
        (
            Op(self.dialog, lambda store, _p: void_receipt(store, number, reason=reason, actor=actor),
               runner=self._ctx.runner)
            .success(self._on_voided)
            .failure(self._on_void_failed)
            .run(label=_("Voiding receipt {number}…").format(number=number))
        )

    def _on_voided(self, voided: Voided) -> None:
        self.void_action.setEnabled(False)
        self.void_button.setEnabled(False)
        self.message_label.setText(_("Receipt {number} is void: {reason}").format(
            number=voided.receipt_number, reason=voided.reason))
        self.voided.emit(voided)

    def _on_void_failed(self, error: Exception) -> None:
        text = "; ".join(message(p) for p in error.problems) if isinstance(error, DomainError) else str(error)
        self.message_label.setText(_("The receipt was not voided: {reason}").format(reason=text))


def _warn(parent: QWidget, error: Exception) -> None:
    QMessageBox.warning(parent, _("The receipt could not be shown"), str(error))


def open_receipt_preview(
    ctx: AppContext,
    printer: ReceiptPrinter,
    parent: QWidget,
    receipt_number: str,
    *,
    on_shown: Callable[[ReceiptPreview], None] | None = None,
) -> None:
    """Render the receipt just issued off the GUI thread, then show it with print, reprint and void."""
    layout = printer.layout

    def shown(rendered: RenderedReceipt) -> None:
        dialog = PdfPreviewDialog(
            rendered.pdf,
            title=_("Receipt {number}").format(number=rendered.receipt_number),
            file_name=rendered.file_name,
            preferences=printer.preferences,
            parent=parent,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        preview = ReceiptPreview(ctx, printer, dialog, rendered.receipt_number)
        dialog.open()
        if on_shown is not None:
            on_shown(preview)

    (
        Op(parent, lambda store, _p: render_stored_receipt(store, receipt_number, layout=layout, copy=False),
           runner=ctx.runner)
        .success(shown)
        .failure(lambda error: _warn(parent, error))
        .run(label=_("Preparing receipt {number}…").format(number=receipt_number))
    )

