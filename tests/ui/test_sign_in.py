"""Signing in, locking and unlocking the window, from the keyboard, on a real store file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from signing import PASSWORD, give_first_user

from collector_app import i18n
from collector_app.domain.accounts import MAX_FAILED_SIGN_INS
from collector_app.services.changes import Change
from collector_app.services.users import add_user, sign_in
from collector_app.store.db import Store
from collector_app.store.users import User, all_users, user_by_id
from collector_app.ui.app import sign_in_at_start
from collector_app.ui.context import AppContext, Session
from collector_app.ui.dialogs.sign_in_dialog import FirstUserDialog, SignInDialog, first_offered
from collector_app.ui.main_window import MainWindow
from collector_app.ui.tasks import TaskRunner

HELPER_PASSWORD = "mật khẩu của Lan"


@pytest.fixture
def people(store: Store) -> tuple[User, User]:
    collector = give_first_user(store)
    helper = add_user(store, actor=collector, username="ctv.lan", role="collaborator",
                      full_name="Phạm Thị Lan", password=HELPER_PASSWORD).user
    return collector, helper


@pytest.fixture
def runner(store: Store) -> Iterator[TaskRunner]:
    runner = TaskRunner(store)
    yield runner
    runner.shutdown()


def type_password_and_enter(qtbot, type_text, dialog: SignInDialog, password: str) -> None:
    assert dialog.password_edit.hasFocus() or dialog.focusWidget() is dialog.password_edit
    type_text(dialog.password_edit, password)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)


def test_the_last_user_to_sign_in_is_offered_with_the_cursor_in_the_password(qtbot, type_text, store, runner, people):
    collector, helper = people
    sign_in(store, "ctv.lan", HELPER_PASSWORD, remember=True)
    users = all_users(store)
    dialog = SignInDialog(runner, users, chosen=first_offered(users, collector.user_id))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.chosen_user == user_by_id(store, helper.user_id)
    assert dialog.focusWidget() is dialog.password_edit

    type_password_and_enter(qtbot, type_text, dialog, HELPER_PASSWORD)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted)
    assert dialog.user is not None and dialog.user.username == "ctv.lan"


def test_a_new_device_offers_its_first_user(store, people) -> None:
    collector, _helper = people
    assert first_offered(all_users(store), collector.user_id).user_id == collector.user_id


def test_wrong_passwords_say_so_beside_the_field_and_the_fifth_says_until_when(qtbot, type_text, store, runner, people):
    collector, _helper = people
    dialog = SignInDialog(runner, all_users(store), chosen=collector)
    qtbot.addWidget(dialog)
    dialog.show()
    for attempt in range(1, MAX_FAILED_SIGN_INS + 1):
        type_password_and_enter(qtbot, type_text, dialog, "không phải mật khẩu")
        qtbot.waitUntil(lambda: dialog.password_edit.isEnabled() and dialog.message_label.isVisible())
        qtbot.waitUntil(lambda: dialog.password_edit.text() == "")
        text = dialog.message_label.text()
        if attempt < MAX_FAILED_SIGN_INS:
            assert "Sai mật khẩu" in text and f"còn {MAX_FAILED_SIGN_INS - attempt} lần" in text
        dialog.message_label.hide()
    assert "bị khóa" in text and "đến" in text
    assert dialog.result() != QDialog.DialogCode.Accepted and dialog.user is None
    # even the right password waits for the lock to end
    type_password_and_enter(qtbot, type_text, dialog, PASSWORD)
    qtbot.waitUntil(lambda: dialog.message_label.isVisible())
    assert "bị khóa" in dialog.message_label.text() and dialog.user is None


def test_the_first_user_dialog_says_why_it_cannot_make_the_user_yet(qtbot, type_text, store, runner):
    dialog = FirstUserDialog(runner)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.create_button.isEnabled() and dialog.message_label.text()
    type_text(dialog.username_edit, "thu.nguyen")
    qtbot.keyClick(dialog.username_edit, Qt.Key.Key_Tab)
    type_text(dialog.focusWidget(), "Nguyễn Thị Thu")
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
    type_text(dialog.focusWidget(), "ngắn")
    assert "quá ngắn" in dialog.message_label.text() and not dialog.create_button.isEnabled()
    type_text(dialog.focusWidget(), " nhưng giờ đủ dài")
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
    type_text(dialog.focusWidget(), "ngắn nhưng giờ đủ")
    assert "không khớp" in dialog.message_label.text() and not dialog.create_button.isEnabled()
    type_text(dialog.focusWidget(), " dài")
    assert dialog.create_button.isEnabled() and dialog.message_label.text() == ""
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted)
    assert dialog.user is not None and dialog.user.full_name == "Nguyễn Thị Thu"
    assert sign_in(store, "thu.nguyen", "ngắn nhưng giờ đủ dài").user_id == dialog.user.user_id


@pytest.fixture
def window(qtbot, store: Store, runner: TaskRunner, people) -> Iterator[MainWindow]:
    collector, _helper = people
    ctx = AppContext(store=store, runner=runner, language=i18n.language(), session=Session(collector))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.sync_controller.shutdown()


def test_ctrl_l_hides_the_pages_and_only_the_password_unlocks(qtbot, type_text, window: MainWindow):
    assert "Nguyễn Thị Thu" in window.user_label.text()
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.locked and window.content.currentWidget() is window.lock_screen
    dialog = window.unlock_dialog
    assert dialog is not None and dialog.chosen_user.username == "collector"
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Esc does not unlock
    assert window.locked and dialog.isVisible()

    type_password_and_enter(qtbot, type_text, dialog, "sai rồi nhé")
    qtbot.waitUntil(lambda: dialog.message_label.isVisible())
    assert window.locked
    type_password_and_enter(qtbot, type_text, dialog, PASSWORD)
    qtbot.waitUntil(lambda: not window.locked)
    assert window.unlock_dialog is None and window.content.currentIndex() == 0


def test_another_user_signs_in_at_the_lock_without_closing_the_window(qtbot, type_text, window: MainWindow):
    seen = []
    window._ctx.events.changed.connect(seen.append)
    window.lock()
    dialog = window.unlock_dialog
    qtbot.keyClick(dialog.user_combo, Qt.Key.Key_Down)  # users by name: collector, then ctv.lan
    assert dialog.chosen_user.username == "ctv.lan"
    dialog.password_edit.setFocus()
    type_password_and_enter(qtbot, type_text, dialog, HELPER_PASSWORD)
    qtbot.waitUntil(lambda: not window.locked)
    assert window._ctx.user.username == "ctv.lan"
    assert "Phạm Thị Lan (cộng tác viên)" in window.user_label.text()
    assert frozenset({Change.USERS}) in seen


def test_the_window_locks_itself_after_the_idle_minutes_of_the_settings(qtbot, window: MainWindow):
    assert window.idle_lock.interval_ms == 10 * 60_000  # the default
    window.idle_lock.set_minutes(3)
    assert window.idle_lock.interval_ms == 3 * 60_000
    window.idle_lock.idle.emit()  # what the timer does after 3 quiet minutes
    assert window.locked and window.unlock_dialog is not None


def test_a_key_press_starts_the_idle_count_again(qtbot, window: MainWindow):
    timer = window.idle_lock._timer
    timer.setInterval(400)
    timer.start()
    qtbot.wait(250)
    qtbot.keyClick(window.find_page, Qt.Key.Key_Shift)
    assert timer.remainingTime() > 300
    qtbot.waitUntil(lambda: window.locked, timeout=3000)


def test_quitting_at_start_opens_no_window(qtbot, store, runner, people, monkeypatch):
    monkeypatch.setattr(SignInDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    assert sign_in_at_start(runner, store) is None


# Issue 11: signing in before the store opens (the password unlocks the store's key).


@pytest.fixture
def no_store_runner() -> Iterator[TaskRunner]:
    runner = TaskRunner(None)
    yield runner
    runner.shutdown()


def test_an_encrypted_store_opens_only_when_the_password_unlocks_it(qtbot, type_text, tmp_path, no_store_runner):
    from signing import USERNAME, open_test_store

    from collector_app.services import unlocking

    path = tmp_path / "data" / "collector.sqlite3"
    with open_test_store(path) as made:
        give_first_user(made)
    dialog = SignInDialog.before_store(no_store_runner, path, unlocking.usernames(path))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.user_combo.currentText() == USERNAME  # from the keyring: no full name read before
    type_password_and_enter(qtbot, type_text, dialog, "không phải mật khẩu")
    qtbot.waitUntil(lambda: dialog.message_label.isVisible())
    assert dialog.opened is None and dialog.result() != QDialog.DialogCode.Accepted
    dialog.password_edit.setFocus()
    type_password_and_enter(qtbot, type_text, dialog, PASSWORD)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=10_000)
    assert dialog.opened is not None and dialog.opened.store.key is not None
    assert dialog.opened.user.username == USERNAME
    dialog.opened.store.close()


def test_a_new_device_makes_its_first_user_then_an_encrypted_store(qtbot, type_text, tmp_path, no_store_runner):
    from collector_app.services import unlocking
    from collector_app.store.cipher import is_plain_file

    path = tmp_path / "data" / "collector.sqlite3"
    dialog = FirstUserDialog(no_store_runner, store_path=path)
    qtbot.addWidget(dialog)
    dialog.show()
    for edit, text in ((dialog.username_edit, "thu.nguyen"), (dialog.full_name_edit, "Nguyễn Thị Thu"),
                       (dialog.password_edit, PASSWORD), (dialog.repeat_edit, PASSWORD)):
        type_text(edit, text)
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=10_000)
    opened = dialog.opened
    assert opened is not None and opened.recovery_code is not None
    try:
        assert not is_plain_file(path) and unlocking.usernames(path) == ["thu.nguyen"]
        assert unlocking.recover(path, opened.recovery_code) == opened.store.key
    finally:
        opened.store.close()


def test_the_idle_lock_of_an_encrypted_store_unlocks_with_the_keyring(qtbot, type_text, window: MainWindow):
    assert window._ctx.store.key is not None  # the shared fixtures make encrypted stores
    window.lock()
    dialog = window.unlock_dialog
    assert dialog is not None
    type_password_and_enter(qtbot, type_text, dialog, "không phải mật khẩu")
    qtbot.waitUntil(lambda: dialog.message_label.isVisible())
    assert window.locked
    type_password_and_enter(qtbot, type_text, dialog, PASSWORD)
    qtbot.waitUntil(lambda: not window.locked)


def test_the_recovery_code_is_shown_whole_on_one_line_and_can_be_selected(qtbot):
    from collector_app.ui.app import recovery_code_box

    code = "H6IYJ-LJ3E7-JVTY6-HQSJI-AQEOA-L7OF5"
    box = recovery_code_box(code)
    qtbot.addWidget(box)
    assert code in box.informativeText() and "white-space: pre" in box.informativeText()
    assert "office safe" in box.text() or "két" in box.text()
    assert box.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
