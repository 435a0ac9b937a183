"""MakeRoundDialog: a visit round from the due list, for a collaborator: every household listed, or those chosen.

Keyboard: the collaborator list has the focus (collaborators first); Tab reaches the two choices
(Alt+A all listed, Alt+O only the chosen households), Ctrl+Enter makes the round, Esc leaves. The
round is recorded off the GUI thread with each member's renewal as the due list priced it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from collector_app import coverage_words as words
from collector_app.domain.problems import DomainError
from collector_app.formatting import format_count, format_date, format_vnd
from collector_app.i18n import _, ngettext
from collector_app.messages import message
from collector_app.services import rounds
from collector_app.services.due import DueHousehold
from collector_app.store.users import User
from collector_app.ui.context import AppContext
from collector_app.ui.operations import Op
from collector_app.ui.palette import ATTENTION


DIALOG_WIDTH = 560  # px: the intro in two lines, a household's address and code on one


class MakeRoundDialog(QDialog):
    made = Signal(object)  # services.rounds.RoundMade

    def __init__(self, ctx: AppContext, households: Sequence[DueHousehold], chosen: Sequence[DueHousehold], *,
                 on: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._households = tuple(households)
        self._chosen = tuple(chosen)
        self._on = on
        self.setWindowTitle(_("New visit round"))
        self.setMinimumWidth(DIALOG_WIDTH)

        self.collaborator_box = QComboBox()
        self.collaborator_box.setAccessibleName(_("Collaborator"))
        amount = sum(h.amount for h in self._households)
        self.all_choice = QRadioButton(_("&All {households} households listed ({amount})").format(
            households=format_count(len(self._households)), amount=format_vnd(amount)))
        if len(self._chosen) == 1:
            [one] = self._chosen
            only = _("&Only the chosen household: {household}").format(household=_("{address} — household {code}").format(
                address=one.address, code=one.household_code or words.NO_VALUE))
        else:
            only = ngettext("&Only the {households} chosen household ({amount})",
                            "&Only the {households} chosen households ({amount})", len(self._chosen)).format(
                households=format_count(len(self._chosen)), amount=format_vnd(sum(h.amount for h in self._chosen)))
        self.one_choice = QRadioButton(only)
        self.one_choice.setEnabled(bool(self._chosen))
        # Several households selected on purpose: they are the round, unless the user says all.
        (self.one_choice if len(self._chosen) > 1 else self.all_choice).setChecked(True)
        form = QFormLayout()
        collaborator_label = QLabel(_("&Collaborator:"))
        collaborator_label.setBuddy(self.collaborator_box)
        form.addRow(collaborator_label, self.collaborator_box)
        intro = QLabel(_("The round lists each member's renewal as priced on {date}, with a box to tick; "
                         "it is numbered and kept on this device.").format(date=format_date(on)))
        intro.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {ATTENTION};")
        self.error_label.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.make_button = self.buttons.addButton(_("&Make the round (Ctrl+Enter)"),
                                                  QDialogButtonBox.ButtonRole.AcceptRole)
        self.make_button.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.all_choice)
        layout.addWidget(self.one_choice)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        self.buttons.rejected.connect(self.reject)
        self.make_button.clicked.connect(self.make)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, activated=self.make)
        self.collaborator_box.setFocus(Qt.FocusReason.OtherFocusReason)

    def load(self) -> None:
        Op(self, lambda store, _p: rounds.round_users(store), runner=self._ctx.runner) \
            .success(self._on_users).failure(self._on_failed).run(label=_("Reading users…"))

    def _on_users(self, users: list[User]) -> None:
        self.collaborator_box.clear()
        for user in users:
            self.collaborator_box.addItem(f"{user.full_name} ({user.username})", user.username)
        self.make_button.setEnabled(bool(users) and bool(self._households))

    def chosen_households(self) -> tuple[DueHousehold, ...]:
        if self.one_choice.isChecked() and self._chosen:
            return self._chosen
        return self._households

    @Slot()
    def make(self) -> None:
        if not self.make_button.isEnabled():
            return
        households, collaborator = self.chosen_households(), self.collaborator_box.currentData()
        on, actor = self._on, self._ctx.user
        self.make_button.setEnabled(False)
        Op(self, lambda store, _p: rounds.make_round(store, households, collaborator=collaborator, made_on=on,
                                                     actor=actor), runner=self._ctx.runner) \
            .success(self._on_made).failure(self._on_failed).run(label=_("Making the round…"))

    def _on_made(self, made: rounds.RoundMade) -> None:
        self.made.emit(made)
        self.accept()

    def _on_failed(self, error: Exception) -> None:
        self.make_button.setEnabled(True)
        self.error_label.setText(" ".join(message(p) for p in error.problems) if isinstance(error, DomainError)
                                 else _("That could not be done: {error}").format(error=error))
        self.error_label.show()
