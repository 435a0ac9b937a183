"""New household (Ctrl+N) and Add a member: the forms a collector fills from the keyboard.

New household: province, then commune (type to filter, accents optional; the commune list narrows to
the province), address, optional VSS household code; then the members, head first: each is typed in
the member form (`MemberForm`) and added to the list with Alt+A (or Enter on the last field); the list
shows each member's place and relationship. Ctrl+S (written on the button) saves the whole household
through the task runner as the signed-in user; the button says why it is disabled, in its tooltip and
on the line beside it. Escape asks before throwing typed data away.

Add a member: the same member form for an existing household.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from collector_app.admin_units import load_admin_units
from collector_app.domain.people import NewPerson, Relationship
from collector_app.domain.problems import DomainError
from collector_app.formatting import format_date
from collector_app.i18n import _
from collector_app.messages import message
from collector_app.services.registration import HouseholdDraft, MemberAdded, Registered, add_member, register_household
from collector_app.store.people import get_household
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.member_form import (
    RELATIONSHIP_LABELS,
    MemberForm,
    UnitCombo,
    facility_items,
    note_label,
)
from collector_app.ui.operations import Op
from collector_app.wire import TextLimits

SAVE_KEY = QKeySequence("Ctrl+S")


def _describe_failure(error: Exception) -> str:
    if isinstance(error, DomainError):
        return " ".join(message(problem) for problem in error.problems)
    return str(error)


class _FormDialog(QDialog):
    """What both forms share: a Save button that says why it is disabled, Escape that asks first."""

    def __init__(self, ctx: AppContext, parent: QWidget | None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._saving = False
        self.save_button = QPushButton()
        self.save_button.setAutoDefault(False)
        # A shortcut of the dialog, not of the button: the button's text sets its own Alt mnemonic.
        self.save_shortcut = QShortcut(SAVE_KEY, self)
        self.save_shortcut.activated.connect(self.save_button.click)
        self.cancel_button = QPushButton(_("Cancel (Esc)"))
        self.cancel_button.setAutoDefault(False)
        self.reason_label = QLabel()
        self.reason_label.setWordWrap(True)
        self.error_label = note_label()
        self.error_label.hide()
        self.cancel_button.clicked.connect(self.ask_then_reject)

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(self.reason_label, 1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.save_button)
        return row

    def _set_save_state(self, reason: str) -> None:
        self.save_button.setEnabled(not reason and not self._saving)
        self.save_button.setToolTip(reason or _("Save ({key})").format(key=SAVE_KEY.toString(
            QKeySequence.SequenceFormat.NativeText)))
        self.reason_label.setText(reason)

    def _typed_anything(self) -> bool:
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.ask_then_reject()
            return
        super().keyPressEvent(event)

    def reject(self) -> None:
        if not self._saving:
            super().reject()

    @Slot()
    def ask_then_reject(self) -> None:
        """Escape and Cancel: ask before throwing typed data away."""
        if self._saving:
            return
        if self._typed_anything():
            answer = QMessageBox.question(self, _("Discard what was typed?"),
                                          _("Close this form and discard what was typed?"),
                                          QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                                          QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Discard:
                return
        self.reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._saving:
            event.ignore()
            return
        super().closeEvent(event)

    def _show_failure(self, error: Exception) -> None:
        self._saving = False
        self.error_label.setText(_describe_failure(error))
        self.error_label.show()
        self._refresh()

    def _refresh(self) -> None:
        raise NotImplementedError


class HouseholdForm(_FormDialog):
    """New household: where it lives, then its members, head first."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setWindowTitle(_("New household"))
        self._members: list[NewPerson] = []
        self._confirmed: set[str] = set()
        self.registered: Registered | None = None

        self.province_combo = UnitCombo()
        self.commune_combo = UnitCombo()
        self.address_edit = QLineEdit()
        self.address_edit.setMaxLength(TextLimits.ADDRESS)
        self.address_edit.setPlaceholderText(_("house number, street, hamlet or village"))
        self.code_edit = QLineEdit()
        self.code_edit.setMaxLength(TextLimits.HOUSEHOLD_CODE)
        self.code_edit.setPlaceholderText(_("optional"))
        self.place_note = note_label()
        units = load_admin_units()
        self.province_combo.set_items([(p.code, p.full_name) for p in sorted(units.provinces, key=lambda p: p.name)])

        where = QFormLayout()
        self._label_row(where, _("Pro&vince:"), self.province_combo)
        self._label_row(where, _("C&ommune or ward:"), self.commune_combo)
        where.addRow("", self.place_note)
        self._label_row(where, _("A&ddress:"), self.address_edit)
        self._label_row(where, _("VSS &household code:"), self.code_edit)
        where_box = QGroupBox(_("Where the household lives"))
        where_box.setLayout(where)

        self.members_list = QListWidget()
        self.members_list.setAccessibleName(_("Members"))
        self.remove_button = QPushButton(_("Re&move the chosen member"))
        self.remove_button.setAutoDefault(False)
        members_box = QGroupBox(_("Members, head first"))
        members_layout = QVBoxLayout(members_box)
        members_layout.addWidget(self.members_list, 1)
        members_layout.addWidget(self.remove_button)

        self.member_form = MemberForm(ctx)
        self.member_form.set_relationship(Relationship.HEAD)
        self.add_button = QPushButton(_("Add to the household (Alt+A)"))
        self.add_button.setAutoDefault(False)
        self.member_reason = QLabel()
        self.member_reason.setWordWrap(True)
        member_box = QGroupBox(_("Member"))
        member_layout = QVBoxLayout(member_box)
        member_layout.addWidget(self.member_form, 1)
        add_row = QHBoxLayout()
        add_row.addWidget(self.member_reason, 1)
        add_row.addWidget(self.add_button)
        member_layout.addLayout(add_row)

        left = QVBoxLayout()
        left.addWidget(where_box)
        left.addWidget(members_box, 1)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addWidget(member_box, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(self._buttons())
        self.save_button.setText(_("&Save household (Ctrl+S)"))
        # Room for a long commune name and the duplicate panel; fits 1366x768 without scrolling.
        self.resize(self.fontMetrics().averageCharWidth() * 150, self.fontMetrics().height() * 34)

        self.province_combo.currentTextChanged.connect(self._on_province_changed)
        self.commune_combo.currentTextChanged.connect(self._refresh)
        self.address_edit.textChanged.connect(self._refresh)
        self.member_form.ready_changed.connect(self._refresh)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.add_shortcut = QShortcut(QKeySequence("Alt+A"), self)
        self.add_shortcut.activated.connect(self._on_add_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.save_button.clicked.connect(self._on_save_clicked)
        chain = [self.province_combo, self.commune_combo, self.address_edit, self.code_edit,
                 *self.member_form.tab_chain(), self.add_button, self.members_list, self.remove_button,
                 self.save_button, self.cancel_button]
        for first, second in zip(chain, chain[1:]):
            self.setTabOrder(first, second)
        self._refresh()
        self.province_combo.setFocus()

    def _label_row(self, form: QFormLayout, text: str, widget: QWidget) -> None:
        label = QLabel(text)
        label.setBuddy(widget)
        form.addRow(label, widget)

    # ---- the household's place ------------------------------------------------------------------

    @Slot(str)
    def _on_province_changed(self, _text: str) -> None:
        code = self.province_combo.code()
        if code != getattr(self, "_province_code", None):
            self._province_code = code
            communes = load_admin_units().communes_of(code) if code else ()
            self.commune_combo.set_items([(c.code, c.full_name) for c in sorted(communes, key=lambda c: c.name)])
            op = Op(self, lambda store, _p: facility_items(store, code), runner=self._ctx.runner)
            op.success(self.member_form.set_facilities).latest_only("facilities").run()
        self._refresh()

    def draft(self) -> HouseholdDraft:
        return HouseholdDraft(
            province_code=self.province_combo.code() or "",
            commune_code=self.commune_combo.code() or "",
            address=" ".join(self.address_edit.text().split()),
            household_code=self.code_edit.text().strip() or None,
        )

    # ---- members --------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter moves on, as on paper forms; on the last member field it adds the member.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            if self.focusWidget() is self.member_form.facility_combo.lineEdit() and self.add_button.isEnabled():
                self._on_add_clicked()
            else:
                self.focusNextChild()
            return
        super().keyPressEvent(event)  # Escape asks first (_FormDialog)

    @Slot()
    def _on_add_clicked(self) -> None:
        if not self.member_form.ready():
            return
        person = self.member_form.person()
        self._members.append(person)
        self._confirmed |= self.member_form.confirmed_duplicates()
        self._show_members()
        self.member_form.extra_citizen_ids = {m.citizen_id for m in self._members if m.citizen_id}
        self.member_form.clear(Relationship.WIFE if len(self._members) == 1 else Relationship.CHILD)
        self._refresh()

    @Slot()
    def _on_remove_clicked(self) -> None:
        row = self.members_list.currentRow()
        if 0 <= row < len(self._members):
            del self._members[row]
            self._show_members()
            self.member_form.extra_citizen_ids = {m.citizen_id for m in self._members if m.citizen_id}
            self._refresh()

    def _show_members(self) -> None:
        self.members_list.clear()
        for order, member in enumerate(self._members, start=1):
            relationship = _(RELATIONSHIP_LABELS[member.relationship]) if member.relationship else ""
            self.members_list.addItem(f"{order}. {member.full_name} — {relationship}, "
                                      f"{format_date(member.date_of_birth)}")

    def members(self) -> list[NewPerson]:
        return list(self._members)

    # ---- saving ---------------------------------------------------------------------------------

    def _refresh(self, *_args: object) -> None:
        province = self.province_combo.code()
        commune = self.commune_combo.code()
        place_note = ""
        if self.province_combo.currentText().strip() and province is None:
            place_note = _("Choose a province from the list.")
        elif self.commune_combo.currentText().strip() and commune is None:
            place_note = _("Choose a commune or ward of the chosen province from the list.")
        self.place_note.setText(place_note)
        self.place_note.setVisible(bool(place_note))
        self.add_button.setEnabled(self.member_form.ready())
        self.add_button.setToolTip(self.member_form.reason())
        self.member_reason.setText(self.member_form.reason())
        reason = ""
        if province is None:
            reason = _("Choose the province.")
        elif commune is None:
            reason = _("Choose the commune or ward.")
        elif not self.address_edit.text().strip():
            reason = _("Type the address.")
        elif not self._members:
            reason = _("Add at least the head of the household (Alt+A).")
        elif self.member_form.name_edit.text().strip():
            reason = _("Add the member being typed (Alt+A), or clear the name.")
        elif self._saving:
            reason = _("Saving…")
        self._set_save_state(reason)

    def _typed_anything(self) -> bool:
        return bool(self._members or self.address_edit.text().strip() or self.member_form.name_edit.text().strip())

    @Slot()
    def _on_save_clicked(self) -> None:
        if not self.save_button.isEnabled():
            return
        draft, members, confirmed, user = self.draft(), self.members(), set(self._confirmed), self._ctx.user
        self._saving = True
        self.error_label.hide()
        self._refresh()
        op = Op(self, lambda store, _p: register_household(
            store, actor=user, household=draft, members=members, confirmed_duplicates=confirmed),
            runner=self._ctx.runner)
        op.success(self._on_saved).failure(self._show_failure).run(label=_("Saving the household…"))

    def _on_saved(self, registered: Registered) -> None:
        self._saving = False
        self.registered = registered
        self.accept()


class AddMemberDialog(_FormDialog):
    """Add a member to an existing household, checked as a new household's members are."""

    def __init__(self, ctx: AppContext, household_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._household_id = household_id
        self.added: MemberAdded | None = None
        self.setWindowTitle(_("Add a member"))
        household = get_household(ctx.store, household_id)
        head = household.members[0].full_name if household.members else "—"
        self.household_label = QLabel(_("Household of {head}, {address}").format(head=head, address=household.address))
        self.household_label.setWordWrap(True)
        self.member_form = MemberForm(ctx)
        self.member_form.set_relationship(Relationship.CHILD if household.members else Relationship.HEAD)
        self.member_form.extra_citizen_ids = {m.citizen_id for m in household.members if m.citizen_id}
        layout = QVBoxLayout(self)
        layout.addWidget(self.household_label)
        layout.addWidget(self.member_form, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(self._buttons())
        self.save_button.setText(_("&Save member (Ctrl+S)"))
        self.member_form.ready_changed.connect(self._refresh)
        self.save_button.clicked.connect(self._on_save_clicked)
        province = household.province_code
        op = Op(self, lambda store, _p: facility_items(store, province), runner=ctx.runner)
        op.success(self.member_form.set_facilities).run()
        self._refresh()
        self.member_form.name_edit.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.focusNextChild()
            return
        super().keyPressEvent(event)

    def _refresh(self, *_args: object) -> None:
        reason = self.member_form.reason() or (_("Saving…") if self._saving else "")
        self._set_save_state(reason)

    def _typed_anything(self) -> bool:
        return bool(self.member_form.name_edit.text().strip())

    @Slot()
    def _on_save_clicked(self) -> None:
        if not self.save_button.isEnabled():
            return
        person, confirmed, user = self.member_form.person(), self.member_form.confirmed_duplicates(), self._ctx.user
        household_id = self._household_id
        self._saving = True
        self.error_label.hide()
        self._refresh()
        op = Op(self, lambda store, _p: add_member(store, actor=user, household_id=household_id, member=person,
                                                   confirmed_duplicates=confirmed), runner=self._ctx.runner)
        op.success(self._on_saved).failure(self._show_failure).run(label=_("Saving the member…"))

    def _on_saved(self, added: MemberAdded) -> None:
        self._saving = False
        self.added = added
        self.accept()


def _open(dialog: QDialog) -> QDialog:
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def open_new_household(ctx: AppContext, parent: QWidget | None) -> HouseholdForm:
    """Open the New household form (window-modal); the saved household reaches pages through ctx.events."""
    dialog = HouseholdForm(ctx, parent)
    _open(dialog)
    return dialog


def open_add_member(ctx: AppContext, parent: QWidget | None, household_id: str) -> AddMemberDialog:
    """Open Add a member for `household_id`."""
    dialog = AddMemberDialog(ctx, household_id, parent)
    _open(dialog)
    return dialog
