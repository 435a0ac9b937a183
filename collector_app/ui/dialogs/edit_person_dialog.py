"""Edit a person: correct their details or contact (phone, address, relationship, health-care facility),
with every earlier correction listed (when, who, what, before → after).

Fields the signed-in user's role may not correct are shown read-only with the reason (a collaborator
fixes a phone, not a name); the service checks the role again. Only changed fields are sent; Ctrl+S saves
through the task runner, and the result's changes reach pages through ctx.events.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from collector_app.admin_units import load_admin_units
from collector_app.domain.payments import Action, may
from collector_app.domain.people import Relationship, Sex
from collector_app.domain.registration import check_person
from collector_app.formatting import format_date
from collector_app.i18n import N_, _
from collector_app.messages import message
from collector_app.services.registration import Corrected, correct_person
from collector_app.store.person_records import CorrectionRow, PersonDetails, corrections_of, person_details
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.household_form import _FormDialog
from collector_app.ui.dialogs.member_form import (
    RELATIONSHIP_LABELS,
    SEX_LABELS,
    UnitCombo,
    facility_items,
    note_label,
    parse_typed_date,
    title_case,
)
from collector_app.ui.operations import Op
from collector_app.wire import TextLimits

FIELD_NAMES = {
    "full_name": N_("Full name"), "date_of_birth": N_("Date of birth"), "sex": N_("Sex"),
    "citizen_id": N_("Citizen ID"), "phone": N_("Phone"), "address": N_("Address"),
    "relationship": N_("Relationship to the head"), "hi_facility_code": N_("Health-care facility"),
}
_IDENTITY = ("full_name", "date_of_birth", "sex", "citizen_id")


def shown_value(field: str, value: str | None) -> str:
    """A stored value as the user reads it: dates dd/mm/yyyy, sexes and relationships in words."""
    if value is None or value == "":
        return "—"
    if field == "date_of_birth":
        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            return value
    if field == "sex" and value in {s.value for s in Sex}:
        return _(SEX_LABELS[Sex(value)])
    if field == "relationship" and value in {r.value for r in Relationship}:
        return _(RELATIONSHIP_LABELS[Relationship(value)])
    return value


def shown_time(utc_iso: str) -> str:
    from datetime import datetime

    moment = datetime.fromisoformat(utc_iso).astimezone()
    return f"{format_date(moment.date())} {moment:%H:%M}"


class EditPersonDialog(_FormDialog):
    def __init__(self, ctx: AppContext, person_id: str, parent: QWidget | None = None,
                 *, today: date | None = None) -> None:
        super().__init__(ctx, parent)
        self._person_id = person_id
        self._today = today or date.today()
        self.corrected: Corrected | None = None
        self.setWindowTitle(_("Edit person details"))
        person = person_details(ctx.store, person_id)
        self._person = person
        role = ctx.user.role
        may_identity = may(role, Action.CORRECT_IDENTITY)
        may_contact = may(role, Action.UPDATE_CONTACT)

        self.name_edit = QLineEdit(person.full_name)
        self.name_edit.setMaxLength(TextLimits.FULL_NAME)
        self.dob_edit = QLineEdit(format_date(person.date_of_birth))
        self.sex_combo = QComboBox()
        for sex, label in SEX_LABELS.items():
            self.sex_combo.addItem(_(label), sex.value)  # Qt keeps a StrEnum as a plain str
        self.sex_combo.setCurrentIndex(self.sex_combo.findData(person.sex.value))
        self.citizen_id_edit = QLineEdit(person.citizen_id or "")
        self.citizen_id_edit.setMaxLength(12)
        self.phone_edit = QLineEdit(person.phone or "")
        self.phone_edit.setMaxLength(TextLimits.PHONE)
        self.address_edit = QLineEdit(person.address)
        self.address_edit.setMaxLength(TextLimits.ADDRESS)
        self.relationship_combo = QComboBox()
        self.relationship_combo.addItem("—", None)
        for relationship, label in RELATIONSHIP_LABELS.items():
            self.relationship_combo.addItem(_(label), relationship.value)
        self.relationship_combo.setCurrentIndex(self.relationship_combo.findData(person.relationship.value)
                                                if person.relationship else 0)
        self.facility_combo = UnitCombo()
        self.facility_combo.lineEdit().setPlaceholderText(_("optional; type to search"))
        if person.hi_facility_code:
            self.facility_combo.set_items([(person.hi_facility_code, person.hi_facility_code)])
            self.facility_combo.select_code(person.hi_facility_code)
        self.note = note_label()
        self.note.hide()

        form = QFormLayout()
        place = load_admin_units().commune(person.commune_code)
        household = QLabel(_("Member {order} of the household at {address}, {place}").format(
            order=person.member_order, address=person.address, place=place.full_name if place else ""))
        household.setWordWrap(True)
        form.addRow(household)
        self._edits: dict[str, QWidget] = {
            "full_name": self.name_edit, "date_of_birth": self.dob_edit, "sex": self.sex_combo,
            "citizen_id": self.citizen_id_edit, "phone": self.phone_edit, "address": self.address_edit,
            "relationship": self.relationship_combo, "hi_facility_code": self.facility_combo,
        }
        mnemonic = {"full_name": _("&Full name:"), "date_of_birth": _("Date of &birth:"), "sex": _("Se&x:"),
                    "citizen_id": _("&Citizen ID:"), "phone": _("&Phone:"), "address": _("A&ddress:"),
                    "relationship": _("&Relationship to the head:"),
                    "hi_facility_code": _("Health-care facilit&y:")}
        for field, widget in self._edits.items():
            label = QLabel(mnemonic[field])
            label.setBuddy(widget)
            allowed = may_identity if field in _IDENTITY else may_contact
            widget.setEnabled(allowed)
            if not allowed:
                widget.setToolTip(_("Only a collector or a supervisor can correct this."))
            form.addRow(label, widget)
        if not may_identity:
            form.addRow("", QLabel(_("Your role may change contact details only; ask a collector or "
                                     "a supervisor to correct the name, date of birth, sex or citizen ID.")))

        self.history = QTableWidget(0, 4)
        self.history.setHorizontalHeaderLabels([_("When"), _("Who"), _("What"), _("Before → after")])
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history.verticalHeader().hide()
        header = self.history.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.history.setAccessibleName(_("Corrections made before"))
        self.history_label = QLabel(_("Corrections made before:"))

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.history_label)
        layout.addWidget(self.history, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(self._buttons())
        self.save_button.setText(_("&Save changes (Ctrl+S)"))
        # Wide enough for "before → after" of an address in one line; fits 1366x768 with room to spare.
        self.resize(self.fontMetrics().averageCharWidth() * 110, self.fontMetrics().height() * 36)

        for edit in (self.name_edit, self.dob_edit, self.citizen_id_edit, self.phone_edit, self.address_edit):
            edit.textChanged.connect(self._refresh)
        for combo in (self.sex_combo, self.relationship_combo):
            combo.currentIndexChanged.connect(self._refresh)
        self.facility_combo.currentTextChanged.connect(self._refresh)
        self.save_button.clicked.connect(self._on_save_clicked)
        self._load_history()
        province = person.province_code
        Op(self, lambda store, _p: facility_items(store, province), runner=ctx.runner) \
            .success(self._on_facilities).run()
        self._refresh()
        (self.name_edit if may_identity else self.phone_edit).setFocus()

    def _on_facilities(self, items: list[tuple[str, str]]) -> None:
        current = self.facility_combo.code()
        known = {code for code, _name in items}
        if current and current not in known:
            items = [(current, current), *items]
        self.facility_combo.blockSignals(True)
        self.facility_combo.set_items([(code, f"{code} — {name}" if name != code else code) for code, name in items])
        self.facility_combo.select_code(current)
        self.facility_combo.blockSignals(False)
        self._refresh()

    def _load_history(self) -> None:
        person_id = self._person_id
        Op(self, lambda store, _p: corrections_of(store, person_id), runner=self._ctx.runner) \
            .success(self._show_history).run()

    def _show_history(self, rows: list[CorrectionRow]) -> None:
        self.history.setRowCount(len(rows))
        for index, row in enumerate(rows):
            cells = (shown_time(row.corrected_at), row.corrected_by, _(FIELD_NAMES.get(row.field, row.field)),
                     f"{shown_value(row.field, row.before)} → {shown_value(row.field, row.after)}")
            for column, text in enumerate(cells):
                self.history.setItem(index, column, QTableWidgetItem(text))
        self.history_label.setText(_("Corrections made before:") if rows else _("No corrections made before."))

    def changes(self) -> dict[str, object]:
        """The fields whose value differs from the stored one, as the service takes them."""
        person: PersonDetails = self._person
        changes: dict[str, object] = {}
        name = title_case(" ".join(self.name_edit.text().split()))
        if name != person.full_name:
            changes["full_name"] = name
        dob, _why = parse_typed_date(self.dob_edit.text())
        if dob is None or dob != person.date_of_birth:
            changes["date_of_birth"] = dob
        if self.sex_combo.currentData() != person.sex.value:
            changes["sex"] = Sex(self.sex_combo.currentData())
        if (self.citizen_id_edit.text().strip() or None) != person.citizen_id:
            changes["citizen_id"] = self.citizen_id_edit.text().strip() or None
        phone = "".join(ch for ch in self.phone_edit.text() if ch.isdigit() or ch == "+") or None
        if phone != person.phone:
            changes["phone"] = self.phone_edit.text().strip() or None
        address = " ".join(self.address_edit.text().split())
        if address != person.address:
            changes["address"] = address
        relationship = self.relationship_combo.currentData()
        if relationship != (person.relationship.value if person.relationship else None):
            changes["relationship"] = Relationship(relationship) if relationship else None
        facility = self.facility_combo.code() if self.facility_combo.currentText().strip() else None
        if facility != person.hi_facility_code:
            changes["hi_facility_code"] = facility
        return changes

    def _refresh(self, *_args: object) -> None:
        changes = self.changes()
        dob, dob_problem = parse_typed_date(self.dob_edit.text())
        checked = check_person(
            full_name=self.name_edit.text(), date_of_birth=dob, sex=Sex(self.sex_combo.currentData()),
            citizen_id=self.citizen_id_edit.text().strip() or None, phone=self.phone_edit.text(),
            on=self._today, max_phone_length=TextLimits.PHONE)
        touched = set(changes) | ({"citizen_id"} if {"date_of_birth", "sex"} & set(changes) else set())
        notes = [dob_problem] if dob_problem else [] if dob is not None else [_("Type the date of birth.")]
        notes += [message(p) for field, found in checked.problems.items() if field in touched for p in found]
        if not self.address_edit.text().strip():
            notes.append(_("Type the address."))
        if self.facility_combo.currentText().strip() and self.facility_combo.code() is None:
            notes.append(_("Choose a health-care facility from the list, or leave it empty."))
        self.note.setText(" ".join(notes))
        self.note.setVisible(bool(notes))
        if self._saving:
            reason = _("Saving…")
        elif not changes:
            reason = _("Nothing has been changed yet.")
        elif notes:
            reason = _("Correct what is marked first.")
        else:
            reason = ""
        self._set_save_state(reason)

    def _typed_anything(self) -> bool:
        return bool(self.changes())

    @Slot()
    def _on_save_clicked(self) -> None:
        if not self.save_button.isEnabled():
            return
        changes, user, person_id = self.changes(), self._ctx.user, self._person_id
        self._saving = True
        self.error_label.hide()
        self._refresh()
        op = Op(self, lambda store, _p: correct_person(store, actor=user, person_id=person_id, changes=changes),
                runner=self._ctx.runner)
        op.success(self._on_saved).failure(self._show_failure).run(label=_("Saving the correction…"))

    def _on_saved(self, corrected: Corrected) -> None:
        self._saving = False
        self.corrected = corrected
        self.accept()


def open_edit_person(ctx: AppContext, parent: QWidget | None, person_id: str) -> EditPersonDialog:
    """Open Edit person details for `person_id` (window-modal)."""
    dialog = EditPersonDialog(ctx, person_id, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
