"""MemberForm: one person's details as a collector types them, checked as typed, with possible duplicates.

Fields in the order a collector fills them (Tab or Enter moves on): full name (title case as typed),
date of birth (digits: 12031985, 12/3/1985, 12-03-1985, 12.03.1985), sex, citizen ID (its birth place,
sex and year shown beside it, a disagreement said there), phone, relationship to the head, and the
initial health-care facility for family HI (optional; type to filter, accents optional). Each field's
problem is written beside it. Once name and date of birth are complete, the form looks for the same
person already in the store (`services.registration.possible_duplicates`, off the GUI thread) and
shows whom it found: the same citizen ID refuses; a similar name asks for a tick. `ready_changed`
says whether the person may be saved, and `reason()` why not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from collector_app.domain.identity import check_citizen_id
from collector_app.domain.people import NewPerson, Relationship, Sex
from collector_app.domain.problems import Problem, ProblemCode
from collector_app.domain.registration import check_person
from collector_app.domain.text import describe_characters, fold, fold_digits, foreign_digits
from collector_app.formatting import format_date
from collector_app.i18n import N_, _
from collector_app.messages import message
from collector_app.services.registration import Duplicate, possible_duplicates
from collector_app.store.db import Store
from collector_app.store.facilities import facilities
from collector_app.ui.context import AppContext
from collector_app.ui.operations import Op
from collector_app.ui.palette import attention_style
from collector_app.wire import TextLimits

FOLDED_ROLE = Qt.ItemDataRole.UserRole + 1
CODE_ROLE = Qt.ItemDataRole.UserRole + 2

RELATIONSHIP_LABELS: dict[Relationship, str] = {
    Relationship.HEAD: N_("Head of household"),
    Relationship.WIFE: N_("Wife"),
    Relationship.HUSBAND: N_("Husband"),
    Relationship.CHILD: N_("Child"),
    Relationship.FATHER: N_("Father"),
    Relationship.MOTHER: N_("Mother"),
    Relationship.GRANDFATHER: N_("Grandfather"),
    Relationship.GRANDMOTHER: N_("Grandmother"),
    Relationship.OLDER_BROTHER: N_("Older brother"),
    Relationship.OLDER_SISTER: N_("Older sister"),
    Relationship.YOUNGER_SIBLING: N_("Younger sibling"),
    Relationship.GRANDCHILD: N_("Grandchild"),
    Relationship.OTHER: N_("Other"),
}
SEX_LABELS = {Sex.MALE: N_("Male"), Sex.FEMALE: N_("Female")}

_DATE = re.compile(r"([0-9]{1,2})[/.\- ]([0-9]{1,2})[/.\- ]([0-9]{2,4})")
_DUPLICATE_DELAY_MS = 250
FIELD_WIDTH_CHARS = 30


def parse_typed_date(text: str) -> tuple[date | None, str]:
    """A date of birth as typed: "12031985", "12/3/1985", "12-03-1985", "12.03.1985". (None, why) when
    it is not one; (None, "") when nothing is typed. Two-digit years are refused: 1920 or 2020?
    Full-width digits are read as 0-9; digits of other scripts are refused, as in every numeric field."""
    cleaned = fold_digits(text.strip())
    if not cleaned:
        return None, ""
    if found := foreign_digits(cleaned):
        return None, message(Problem(ProblemCode.FOREIGN_DIGITS, {"characters": describe_characters(found)}))
    if cleaned.isdigit() and len(cleaned) == 8:
        parts = (cleaned[:2], cleaned[2:4], cleaned[4:])
    elif match := _DATE.fullmatch(cleaned):
        parts = match.groups()
    elif cleaned.isdigit() and len(cleaned) == 6:
        return None, _("Write the year in full, for example 12/03/1985.")
    else:
        return None, _("Type the date as day, month, year: 12/03/1985 or 12031985.")
    if len(parts[2]) != 4:
        return None, _("Write the year in full, for example 12/03/1985.")
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0])), ""
    except ValueError:
        return None, _("There is no such date.")


def title_case(name: str) -> str:
    """"nguyễn thị hằng" -> "Nguyễn Thị Hằng": each word's first letter up, the rest as typed
    (a capital typed in the middle of a name on purpose stays)."""
    return " ".join(word[:1].upper() + word[1:] for word in name.split(" "))


class FoldedCompleter(QCompleter):
    """Completes on folded text ("lac duong" finds "Xã Lạc Dương"), anywhere in the name, and puts the
    shown name, not the folded one, into the field."""

    def splitPath(self, path: str) -> list[str]:  # noqa: N802 (Qt's name)
        return [fold(path)]

    def pathFromIndex(self, index: QModelIndex) -> str:  # noqa: N802
        return str(index.data(Qt.ItemDataRole.DisplayRole))


class UnitCombo(QComboBox):
    """An editable list (provinces, communes, facilities) filtered as typed, accents optional."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self._model = QStandardItemModel(self)
        self.setModel(self._model)
        completer = FoldedCompleter(self._model, self)
        completer.setCompletionRole(FOLDED_ROLE)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)

    def set_items(self, items: Sequence[tuple[str, str]]) -> None:
        """(code, shown name) pairs; the field is left empty."""
        self.blockSignals(True)
        self._model.clear()
        for code, name in items:
            item = QStandardItem(name)
            item.setData(fold(f"{name} {code}"), FOLDED_ROLE)
            item.setData(code, CODE_ROLE)
            self._model.appendRow(item)
        self.setCurrentIndex(-1)
        self.setEditText("")
        self.blockSignals(False)

    def code(self) -> str | None:
        """The chosen item's code: the typed text must be one item's name (or fold to exactly one)."""
        text = self.currentText().strip()
        if not text:
            return None
        exact = self.findText(text, Qt.MatchFlag.MatchFixedString)
        if exact >= 0:
            return str(self.itemData(exact, CODE_ROLE))
        folded = fold(text)
        found = [row for row in range(self.count()) if fold(self.itemText(row)) == folded]
        return str(self.itemData(found[0], CODE_ROLE)) if len(found) == 1 else None

    def select_code(self, code: str | None) -> None:
        for row in range(self.count()):
            if self.itemData(row, CODE_ROLE) == code:
                self.setCurrentIndex(row)
                return
        self.setCurrentIndex(-1)
        self.setEditText("")


def note_label() -> QLabel:
    """The line beside a field that says what is wrong with it (in the attention red, with words)."""
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(attention_style("QLabel"))
    return label


class MemberForm(QWidget):
    """One person's fields; `person()` gives a NewPerson once `ready()`."""

    ready_changed = Signal(bool)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, today: date | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._today = today or date.today()
        self._duplicates: list[Duplicate] = []
        self._checked_key: tuple[str, date | None, str] | None = None  # what the duplicates were looked up for
        self._ready = False
        self._reason = ""
        self._excluding: tuple[str, ...] = ()
        self.extra_citizen_ids: set[str] = set()  # citizen IDs of members already in the form

        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(TextLimits.FULL_NAME)
        self.name_edit.setPlaceholderText(_("for example Nguyễn Thị Hằng"))
        self.dob_edit = QLineEdit()
        self.dob_edit.setPlaceholderText(_("dd/mm/yyyy"))
        self.dob_edit.setMaxLength(10)
        self.sex_combo = QComboBox()
        self.sex_combo.addItem("—", None)  # not chosen yet: Down chooses, or the citizen ID tells
        for sex, label in SEX_LABELS.items():
            self.sex_combo.addItem(_(label), sex.value)  # Qt keeps a StrEnum as a plain str
        self.citizen_id_edit = QLineEdit()
        self.citizen_id_edit.setMaxLength(12)
        self.citizen_id_edit.setPlaceholderText(_("12 digits"))
        self.phone_edit = QLineEdit()
        self.phone_edit.setMaxLength(TextLimits.PHONE)
        self.relationship_combo = QComboBox()
        for relationship, label in RELATIONSHIP_LABELS.items():
            self.relationship_combo.addItem(_(label), relationship.value)
        self.facility_combo = UnitCombo()
        self.facility_combo.lineEdit().setPlaceholderText(_("optional; type to search"))
        width = self.fontMetrics().averageCharWidth() * FIELD_WIDTH_CHARS
        for widget in (self.name_edit, self.dob_edit, self.citizen_id_edit, self.phone_edit,
                       self.sex_combo, self.relationship_combo, self.facility_combo):
            widget.setMinimumWidth(width)

        self.notes: dict[str, QLabel] = {
            name: note_label() for name in
            ("full_name", "date_of_birth", "sex", "citizen_id", "phone", "relationship", "facility")
        }
        self.decoded_label = QLabel()  # what the citizen ID's digits say
        self.decoded_label.setWordWrap(True)
        self.duplicates_label = QLabel()
        self.duplicates_label.setWordWrap(True)
        self.duplicates_label.setTextFormat(Qt.TextFormat.RichText)
        self.duplicates_label.setStyleSheet(
            "QLabel { background: #fff8e1; border: 1px solid #e0b000; padding: 6px; }")
        self.duplicates_label.hide()
        self.confirm_check = QCheckBox(_("I checked: this is a&nother person"))
        self.confirm_check.hide()

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._row(form, _("&Full name:"), self.name_edit, "full_name")
        self._row(form, _("Date of &birth:"), self.dob_edit, "date_of_birth")
        self._row(form, _("Se&x:"), self.sex_combo, "sex")
        citizen = QVBoxLayout()
        citizen.setContentsMargins(0, 0, 0, 0)
        citizen.addWidget(self.citizen_id_edit)
        citizen.addWidget(self.decoded_label)
        citizen.addWidget(self.notes["citizen_id"])
        label = QLabel(_("&Citizen ID:"))
        label.setBuddy(self.citizen_id_edit)
        form.addRow(label, citizen)
        self._row(form, _("&Phone:"), self.phone_edit, "phone")
        self._row(form, _("&Relationship to the head:"), self.relationship_combo, "relationship")
        self._row(form, _("Health-care facilit&y:"), self.facility_combo, "facility")
        self.facility_combo.setToolTip(_("The initial health-care facility (nơi đăng ký khám chữa bệnh ban đầu) "
                                         "for family health insurance"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.duplicates_label)
        layout.addWidget(self.confirm_check)
        layout.addStretch(1)

        self._duplicate_timer = QTimer(self)
        self._duplicate_timer.setSingleShot(True)
        self._duplicate_timer.setInterval(_DUPLICATE_DELAY_MS)

        for edit in (self.name_edit, self.dob_edit, self.citizen_id_edit, self.phone_edit):
            edit.textChanged.connect(self._on_changed)
        self.name_edit.editingFinished.connect(self._on_name_finished)
        self.dob_edit.editingFinished.connect(self._on_dob_finished)
        self.sex_combo.currentIndexChanged.connect(self._on_changed)
        self.relationship_combo.currentIndexChanged.connect(self._on_changed)
        self.facility_combo.currentTextChanged.connect(self._on_changed)
        self.confirm_check.toggled.connect(self._on_changed)
        self._duplicate_timer.timeout.connect(self._look_for_duplicates)
        self._on_changed()

    def _row(self, form: QFormLayout, text: str, widget: QWidget, note: str) -> None:
        label = QLabel(text)
        label.setBuddy(widget)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(widget)
        column.addWidget(self.notes[note])
        form.addRow(label, column)

    def tab_chain(self) -> list[QWidget]:
        """The fields in the order they are filled."""
        return [self.name_edit, self.dob_edit, self.sex_combo, self.citizen_id_edit, self.phone_edit,
                self.relationship_combo, self.facility_combo, self.confirm_check]

    # ---- what the form holds ------------------------------------------------------------------------

    def set_facilities(self, items: Sequence[tuple[str, str]]) -> None:
        self.facility_combo.set_items([(code, f"{code} — {name}") for code, name in items])

    def set_relationship(self, relationship: Relationship) -> None:
        self.relationship_combo.setCurrentIndex(self.relationship_combo.findData(relationship.value))

    def clear(self, relationship: Relationship = Relationship.CHILD) -> None:
        for edit in (self.name_edit, self.dob_edit, self.citizen_id_edit, self.phone_edit):
            edit.clear()
        self.sex_combo.setCurrentIndex(0)
        self.facility_combo.select_code(None)
        self.set_relationship(relationship)
        self.confirm_check.setChecked(False)
        self._duplicates = []
        self._checked_key = None
        self._on_changed()
        self.name_edit.setFocus()

    def date_of_birth(self) -> date | None:
        return parse_typed_date(self.dob_edit.text())[0]

    def sex(self) -> Sex | None:
        data = self.sex_combo.currentData()
        return Sex(data) if data else None

    def relationship(self) -> Relationship | None:
        data = self.relationship_combo.currentData()
        return Relationship(data) if data else None

    def person(self) -> NewPerson:
        dob = self.date_of_birth()
        sex = self.sex()
        assert dob is not None and sex is not None, "person() before ready()"
        return NewPerson(
            full_name=title_case(" ".join(self.name_edit.text().split())),
            date_of_birth=dob,
            sex=sex,
            citizen_id=self.citizen_id_edit.text().strip() or None,
            phone=self.phone_edit.text().strip() or None,
            relationship=self.relationship(),
            hi_facility_code=self.facility_combo.code(),
        )

    def confirmed_duplicates(self) -> set[str]:
        if not self.confirm_check.isChecked():
            return set()
        return {d.person.person_id for d in self._duplicates if not d.refused}

    def ready(self) -> bool:
        return self._ready

    def reason(self) -> str:
        """Why the person cannot be saved yet ("" when they can)."""
        return self._reason

    # ---- checking as typed --------------------------------------------------------------------------

    @Slot()
    def _on_name_finished(self) -> None:
        typed = self.name_edit.text()
        shown = title_case(" ".join(typed.split()))
        if shown != typed:
            self.name_edit.setText(shown)

    @Slot()
    def _on_dob_finished(self) -> None:
        dob = self.date_of_birth()
        if dob is not None:
            self.dob_edit.setText(format_date(dob))

    @Slot()
    def _on_changed(self, *_args: object) -> None:
        name = self.name_edit.text()
        dob, dob_problem = parse_typed_date(self.dob_edit.text())
        sex = self.sex()
        citizen_id = self.citizen_id_edit.text().strip()
        checked = check_person(full_name=name, date_of_birth=dob, sex=sex, citizen_id=citizen_id or None,
                               phone=self.phone_edit.text(), on=self._today, max_phone_length=TextLimits.PHONE)
        texts = {field: " ".join(message(p) for p in problems) for field, problems in checked.problems.items()}
        if not name.strip():
            texts["full_name"] = ""  # not yet typed: the Save line says what is missing
        texts["date_of_birth"] = dob_problem or texts.get("date_of_birth", "")
        if citizen_id and citizen_id in self.extra_citizen_ids:
            texts["citizen_id"] = _("Another member of this household has this citizen ID.")
        facility_text = self.facility_combo.currentText().strip()
        texts["facility"] = (_("Choose a facility from the list, or leave it empty.")
                             if facility_text and self.facility_combo.code() is None else "")
        for field, note in self.notes.items():
            note.setText(texts.get(field, ""))
            note.setVisible(bool(texts.get(field)))
        self._show_decoded(citizen_id, dob, sex)

        key = (fold(name), dob, citizen_id)
        if key != self._checked_key:
            self._duplicates = []
            self._show_duplicates()
            complete = not checked.problems["full_name"] and dob is not None
            if complete or (len(citizen_id) == 12 and not checked.problems["citizen_id"]):
                self._duplicate_timer.start()
        self._update_ready(checked.problems, dob, dob_problem, sex, texts)

    def _show_decoded(self, citizen_id: str, dob: date | None, sex: Sex | None) -> None:
        if len(citizen_id) != 12 or not citizen_id.isdigit():
            self.decoded_label.setText("")
            self.decoded_label.hide()
            return
        decoded = check_citizen_id(citizen_id, on=self._today)
        if decoded.birth_year is None:
            self.decoded_label.hide()
            return
        if sex is None and decoded.sex is not None:  # let the citizen ID do the work
            self.sex_combo.setCurrentIndex(self.sex_combo.findData(decoded.sex.value))
        place = decoded.birth_place or _("unknown place")
        sex_word = _(SEX_LABELS[decoded.sex]).lower() if decoded.sex else ""
        self.decoded_label.setText(_("Registered in {place}; {sex}, born {year}").format(
            place=place, sex=sex_word, year=decoded.birth_year))
        self.decoded_label.show()

    @Slot()
    def _look_for_duplicates(self) -> None:
        name = self.name_edit.text()
        dob = self.date_of_birth()
        citizen_id = self.citizen_id_edit.text().strip()
        key = (fold(name), dob, citizen_id)
        probe = NewPerson(full_name=name or "-", date_of_birth=dob or date(1, 1, 1), sex=Sex.MALE,
                          citizen_id=citizen_id if len(citizen_id) == 12 else None)
        excluding = self._excluding
        op = Op(self, lambda store, _p: possible_duplicates(store, probe, excluding=excluding),
                runner=self._ctx.runner)
        op.success(lambda found, key=key: self._on_duplicates(key, found)).latest_only("duplicates").run()

    def _on_duplicates(self, key: tuple[str, date | None, str], found: list[Duplicate]) -> None:
        if key != (fold(self.name_edit.text()), self.date_of_birth(), self.citizen_id_edit.text().strip()):
            return  # typed on since: a newer look-up is under way
        if key[1] is None:  # only the citizen ID was complete: same-ID refusals only
            found = [d for d in found if d.refused]
        self._checked_key = key
        self._duplicates = found
        self._show_duplicates()
        self._on_changed()

    def _show_duplicates(self) -> None:
        if not self._duplicates:
            self.duplicates_label.hide()
            self.confirm_check.hide()
            return
        lines = []
        for duplicate in self._duplicates:
            other = duplicate.person
            who = _("{name}, born {date}, citizen ID {citizen_id}").format(
                name=other.full_name, date=format_date(other.date_of_birth), citizen_id=other.citizen_id or "—")
            household = _("household at {address}, {place}").format(address=other.address,
                                                                    place=duplicate.household_place)
            if duplicate.refused:
                lines.append("<b>" + _("This citizen ID is already registered:") + "</b> "
                             + _escape(who) + "; " + _escape(household) + ".")
            else:
                lines.append("<b>" + _("Possibly the same person:") + "</b> "
                             + _escape(who) + "; " + _escape(household) + ".")
        self.duplicates_label.setText("<br>".join(lines))
        self.duplicates_label.show()
        asks = any(not d.refused for d in self._duplicates) and not any(d.refused for d in self._duplicates)
        self.confirm_check.setVisible(asks)

    def _update_ready(self, problems: dict[str, tuple[Problem, ...]] | object, dob: date | None,
                      dob_problem: str, sex: Sex | None, texts: dict[str, str]) -> None:
        reason = ""
        if not self.name_edit.text().strip():
            reason = _("Type the full name.")
        elif texts.get("full_name"):
            reason = _("Correct the full name.")
        elif dob is None:
            reason = _("Type the date of birth.") if not dob_problem else _("Correct the date of birth.")
        elif texts.get("date_of_birth"):
            reason = _("Correct the date of birth.")
        elif sex is None:
            reason = _("Choose the sex.")
        elif texts.get("citizen_id"):
            reason = _("Correct the citizen ID, or leave it empty.")
        elif texts.get("phone"):
            reason = _("Correct the phone number, or leave it empty.")
        elif texts.get("facility"):
            reason = _("Choose a health-care facility from the list, or leave it empty.")
        elif self._checked_key != (fold(self.name_edit.text()), dob, self.citizen_id_edit.text().strip()):
            reason = _("Looking for the same person already registered…")
        elif any(d.refused for d in self._duplicates):
            reason = _("This citizen ID is already registered: find that person instead.")
        elif self._duplicates and not self.confirm_check.isChecked():
            reason = _("A similar person is already registered: check, then tick that this is another person.")
        self._reason = reason
        ready = not reason
        if ready != self._ready:
            self._ready = ready
            self.ready_changed.emit(ready)
        elif not ready:
            self.ready_changed.emit(False)  # the reason may have changed


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def facility_items(store: Store, province_code: str | None) -> list[tuple[str, str]]:
    """(code, name) of the facilities a person of `province_code` may choose (run off the GUI thread)."""
    return [(f.code, f.name) for f in facilities(store, province_code)]
