"""Registering a household of four from the keyboard, with a duplicate warned and a same citizen ID refused;
adding a member; correcting a phone and seeing the history."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from collector_app.domain.people import Relationship
from collector_app.services.changes import Change
from collector_app.store.person_records import corrections_of, household_members
from collector_app.ui.dialogs.edit_person_dialog import EditPersonDialog
from collector_app.ui.dialogs.household_form import AddMemberDialog, HouseholdForm

# In the store (tests/ui/conftest.py): Đặng Thị Hằng, born 20/11/1978, citizen ID 001178012345.
HANG_ID = "001178012345"


def type_into(qtbot, type_text, widget: QWidget, text: str) -> None:
    widget.setFocus()
    widget.selectAll() if hasattr(widget, "selectAll") else None
    qtbot.keyClick(widget, Qt.Key.Key_Backspace) if getattr(widget, "text", lambda: "")() else None
    type_text(widget, text)


def fill_member(qtbot, type_text, form, *, name, dob, sex_key, citizen_id="", phone=""):
    form.name_edit.setFocus()
    type_text(form.name_edit, name)
    qtbot.keyClick(form.name_edit, Qt.Key.Key_Tab)  # title case on leaving
    assert form.dob_edit.hasFocus()
    type_text(form.dob_edit, dob)
    qtbot.keyClick(form.dob_edit, Qt.Key.Key_Tab)
    assert form.sex_combo.hasFocus()
    for _ in range({"M": 1, "F": 2}[sex_key]):  # Down from "—" (not chosen): Male, then Female
        qtbot.keyClick(form.sex_combo, Qt.Key.Key_Down)
    qtbot.keyClick(form.sex_combo, Qt.Key.Key_Tab)
    type_text(form.citizen_id_edit, citizen_id)
    qtbot.keyClick(form.citizen_id_edit, Qt.Key.Key_Tab)
    type_text(form.phone_edit, phone)


def choose_relationship(qtbot, form, relationship: Relationship) -> None:
    form.relationship_combo.setFocus()
    while form.relationship_combo.currentData() is not relationship:
        qtbot.keyClick(form.relationship_combo, Qt.Key.Key_Down)


@pytest.fixture
def form(qtbot, ctx, english):
    dialog = HouseholdForm(ctx)
    qtbot.addWidget(dialog)
    show(qtbot, dialog)
    return dialog


def show(qtbot, dialog) -> None:
    """Shown and active, so that Tab moves the keyboard focus as it does for the user."""
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)


def test_a_household_of_four_is_registered_from_the_keyboard_with_a_duplicate_warned_and_a_same_id_refused(
        qtbot, type_text, form, ctx, store):
    # Province then commune, typed without accents.
    type_text(form.province_combo.lineEdit(), "Thành phố Hà Nội")
    assert form.province_combo.code() == "01"
    type_text(form.commune_combo.lineEdit(), "phuong hoan kiem")
    assert form.commune_combo.code() == "00070"
    type_text(form.address_edit, "5 ngõ Huế")
    assert not form.save_button.isEnabled()
    assert "head" in form.save_button.toolTip()

    member = form.member_form
    # The head: NFD text, as Unikey may send it; the name is stored composed.
    fill_member(qtbot, type_text, member, name=unicodedata.normalize("NFD", "trần văn phúc"),
                dob="02041975", sex_key="M", citizen_id="001075009876", phone="0912 000 111")
    assert member.dob_edit.text() == "02/04/1975"
    assert "Hà Nội" in member.decoded_label.text()
    qtbot.waitUntil(member.ready)
    qtbot.keyClick(form, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    assert form.members_list.count() == 1

    # The spouse: the same folded name and date of birth as Đặng Thị Hằng already in the store.
    assert member.relationship() is Relationship.WIFE
    fill_member(qtbot, type_text, member, name="đặng thị hằng", dob="20/11/1978", sex_key="F")
    qtbot.waitUntil(lambda: member.duplicates_label.isVisible())
    assert "Đặng Thị Hằng" in member.duplicates_label.text() and "12 phố Hàng Bông" in member.duplicates_label.text()
    assert not member.ready() and "tick" in member.reason()
    # Her citizen ID would be refused outright: the same ID as the person in the store.
    type_text(member.citizen_id_edit, HANG_ID)
    qtbot.waitUntil(lambda: "already registered" in member.duplicates_label.text())
    assert not member.confirm_check.isVisible() and not member.ready()
    member.citizen_id_edit.clear()
    qtbot.waitUntil(lambda: member.confirm_check.isVisible())
    member.confirm_check.setFocus()
    qtbot.keyClick(member.confirm_check, Qt.Key.Key_Space)
    qtbot.waitUntil(member.ready)
    qtbot.keyClick(form, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)

    for name, dob, sex in (("trần minh an", "1.6.2008", "M"), ("trần thu trang", "15-09-2012", "F")):
        fill_member(qtbot, type_text, member, name=name, dob=dob, sex_key=sex)
        qtbot.waitUntil(member.ready)
        qtbot.keyClick(form, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    assert form.members_list.count() == 4
    assert form.save_button.isEnabled()

    with qtbot.waitSignal(ctx.events.changed) as changed:
        qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert Change.PEOPLE in changed.args[0]
    qtbot.waitUntil(lambda: form.registered is not None)
    members = household_members(store, form.registered.household_id)
    assert [(m.full_name, m.relationship) for m in members] == [
        ("Trần Văn Phúc", Relationship.HEAD), ("Đặng Thị Hằng", Relationship.WIFE),
        ("Trần Minh An", Relationship.CHILD), ("Trần Thu Trang", Relationship.CHILD)]
    assert members[0].phone == "0912000111" and members[3].date_of_birth == date(2012, 9, 15)


def test_a_two_digit_year_is_refused_with_a_hint(qtbot, type_text, form):
    type_text(form.member_form.dob_edit, "020475")
    assert "year in full" in form.member_form.notes["date_of_birth"].text()


def test_a_member_is_added_to_a_household(qtbot, type_text, ctx, store, english):
    household_id = household_id_of(store, "Nguyễn Văn An")
    dialog = AddMemberDialog(ctx, household_id)
    qtbot.addWidget(dialog)
    show(qtbot, dialog)
    fill_member(qtbot, type_text, dialog.member_form, name="nguyễn văn bảo", dob="03032018", sex_key="M",
                citizen_id="001218123456")
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled())
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.added is not None)
    assert household_members(store, household_id)[-1].full_name == "Nguyễn Văn Bảo"


def household_id_of(store, name: str) -> str:
    row = store.reader().execute("SELECT household_id FROM people WHERE full_name = ?", (name,)).fetchone()
    return str(row[0])


def person_id_of(store, name: str) -> str:
    return str(store.reader().execute("SELECT id FROM people WHERE full_name = ?", (name,)).fetchone()[0])


def test_a_phone_is_corrected_and_the_history_shows_who_before_and_after(qtbot, type_text, ctx, store, english):
    person_id = person_id_of(store, "Nguyễn Văn An")
    dialog = EditPersonDialog(ctx, person_id)
    qtbot.addWidget(dialog)
    show(qtbot, dialog)
    assert not dialog.save_button.isEnabled() and "Nothing" in dialog.save_button.toolTip()
    dialog.phone_edit.setFocus()
    dialog.phone_edit.selectAll()
    type_text(dialog.phone_edit, "0987 111 222")
    assert dialog.save_button.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.corrected is not None)
    [correction] = corrections_of(store, person_id)
    assert (correction.field, correction.before, correction.after) == ("phone", "0912345678", "0987111222")

    again = EditPersonDialog(ctx, person_id)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.history.rowCount() == 1)
    row = [again.history.item(0, column).text() for column in range(4)]
    assert row[1] == ctx.user.full_name and row[2] == "Phone" and row[3] == "0912345678 → 0987111222"
