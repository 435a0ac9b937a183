"""The window's other fields: the settings page, sign-in, the Find box and the Receipts filter.

Bad settings are refused on saving, each beside its field, and nothing is saved; a bad password
signs no one in and says so in one line; hostile text typed into the Find box or the Receipts
filter (search syntax, SQL, huge or invisible text, dates that do not exist) finds what it finds
or says nothing matches, never fails, and changes nothing.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
import tally
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from signing import give_first_user
from store_snapshot import snapshot

from collector_app.domain.text import unsafe_characters
from collector_app.store.users import all_users
from collector_app.ui.dialogs.sign_in_dialog import SignInDialog
from collector_app.ui.pages.find_page import FindPage
from collector_app.ui.pages.receipts_page import ReceiptsPage
from collector_app.ui.pages.settings_page import SettingsPage
from collector_app.ui.printing import PrintPreferences
from collector_app.ui.receipt_printer import ReceiptPrinter



ESC = "\x1b[31mĐỏ\x1b[0m"
HUGE = "1" + "0" * 30
HOSTILE_QUERIES = ['"', '"unclosed', "NEAR(a b)", "a AND OR NOT b", "*", "-", "^", "nguyen*", "' OR 1=1 --",
                  "Robert'); DROP TABLE people;--", "x" * 100_000, ESC, "\u202e", "\x00", "١٢٣", "０９１２",
                  HUGE, "%", "_", "\\", "people_fts MATCH 'a'", '=HYPERLINK("http://x")', "31/02/2026",
                  "00/00/0000", "31/12/9999", "01/01/0001"]


@pytest.fixture
def settings_page(qtbot, ctx, english):
    assert ctx.user
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.point_name_edit.text() != "")
    return page


def bad_settings(tmp_path: Path) -> dict[str, list[str]]:
    fifo = tmp_path / "fifo.pem"
    os.mkfifo(fifo)
    return {
        "server_edit": ["ftp://x", "http://" + "h" * 3000, ESC, "not a url", "http://[::1", "https://x:99999"],
        "ca_edit": [str(fifo), "/dev/zero", str(tmp_path / "missing.pem"), str(tmp_path), ESC],
        "point_name_edit": ["", ESC, "x" * 1000, "\u202eabc"],
        "organisation_edit": ["", ESC, "x" * 1000],
        "form_number_edit": ["", ESC, "x" * 1000],
    }


FIELD_OF = {"server_edit": "server_url", "ca_edit": "ca_bundle", "point_name_edit": "point_name",
            "organisation_edit": "organisation", "form_number_edit": "form_number"}


def test_each_bad_setting_is_refused_beside_its_field_and_nothing_is_saved(qtbot, settings_page, store, tmp_path):
    page = settings_page
    before = snapshot(store)
    accepted = []
    for field, values in bad_settings(tmp_path).items():
        original = getattr(page, field).text()
        for value in values:
            getattr(page, field).setText(value)
            page.status_label.clear()
            page.save()
            qtbot.waitUntil(lambda: page.status_label.text() not in ("", "Saving…"), timeout=10_000)
            note = page.field_messages[FIELD_OF[field]]
            if not note.isVisible():
                accepted.append((field, value[:40], page.status_label.text()))
                continue
            assert note.text() and "\n" not in note.text() and "Nothing was saved" in page.status_label.text()
            tally.bad_input(f"form:setting-{FIELD_OF[field].replace('_', '-')}")
        getattr(page, field).setText(original)
    assert accepted == [], "\n".join(map(repr, accepted))
    assert snapshot(store) == before


@pytest.mark.parametrize("password", ["", "sai", "x" * 100_000, ESC, "\x00", "' OR 1=1 --"],
                         ids=["empty", "wrong", "huge", "esc", "nul", "sql"])
def test_a_bad_password_signs_no_one_in_and_says_why_in_one_line(qtbot, type_text, store, english, password):
    from collector_app.ui.tasks import TaskRunner

    collector = give_first_user(store)
    runner = TaskRunner(store)
    try:
        dialog = SignInDialog(runner, all_users(store), chosen=collector)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.password_edit.setText(password)
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.password_edit.isEnabled() and dialog.message_label.isVisible(), timeout=10_000)

        assert dialog.result() != QDialog.DialogCode.Accepted and dialog.user is None
        text = dialog.message_label.text()
        assert text and "\n" not in text and len(text) < 300 and "\x1b" not in text
    finally:
        runner.shutdown()
    tally.bad_input("form:password")


def test_hostile_text_in_the_find_box_finds_or_says_no_one_matches_and_changes_nothing(qtbot, ctx, store, english):
    page = FindPage(ctx)
    qtbot.addWidget(page)
    page.show()
    before = snapshot(store)
    for query in HOSTILE_QUERIES:
        page.search_box.setText(query)
        page._on_search_due()  # the search the pause after typing starts
        qtbot.waitUntil(lambda: not page._searching, timeout=10_000)
        shown = page.message_label.text()
        assert "failed" not in shown, (query[:40], shown)
        assert "\x1b" not in shown and "\u202e" not in shown  # shown escaped, never obeyed
        tally.bad_input("form:find")
    assert snapshot(store) == before


def test_hostile_text_in_the_receipts_filter_filters_and_changes_nothing(qtbot, ctx, store, english, tmp_path):
    assert ctx.user
    printer = ReceiptPrinter(ctx.runner, PrintPreferences(tmp_path / "config" / "printing.json"))
    page = ReceiptsPage(ctx, printer, today=lambda: date(2026, 8, 3))
    qtbot.addWidget(page)
    page.show()
    before = snapshot(store)
    for query in HOSTILE_QUERIES:
        page.filter_box.setText(query)
        qtbot.wait(1)
        assert "could not" not in page.status_label.text(), (query[:40], page.status_label.text())
        tally.bad_input("form:receipts-filter")
    assert snapshot(store) == before


BAD_SERVERS = ["ftp://x", "http://" + "h" * 3000, ESC, "not a url", "http://[::1", "https://x:99999", "https://",
               "javascript:alert(1)", "\u202ehttps://x"]


def test_the_enrol_dialog_refuses_a_bad_address_code_or_certificate_before_the_network(qtbot, store, english,
                                                                                       tmp_path):
    from collector_app.ui.dialogs.enrol_dialog import EnrolDialog
    from collector_app.ui.tasks import TaskRunner

    runner = TaskRunner(store)
    try:
        dialog = EnrolDialog(runner, store.path)
        qtbot.addWidget(dialog)
        dialog.show()
        before = snapshot(store)
        cases = ([(server, "K7QM-3XRT-9PAB-WC4D", "") for server in BAD_SERVERS]
                 + [("https://bhxh.example.vn", code, "") for code in ["", "   ", "-"]]
                 + [("https://bhxh.example.vn", "K7QM-3XRT-9PAB-WC4D", path)
                    for path in ["/dev/zero", str(tmp_path), str(tmp_path / "missing.pem")]])
        for server, code, ca in cases:
            dialog.server_edit.setText(server)
            dialog.code_edit.setText(code)
            dialog.ca_edit.setText(ca)
            dialog._on_enrol_requested()

            assert not dialog.running, (server[:40], code, ca)
            shown = dialog.message_label.text()
            assert shown and "\n" not in shown and len(shown) < 300, shown
            assert not set(unsafe_characters(shown)), shown
            tally.bad_input("form:enrol")
        assert snapshot(store) == before
    finally:
        runner.shutdown()


def test_the_first_user_dialog_refuses_bad_names_and_passwords_and_makes_no_one(qtbot, tmp_path, english):
    from collector_app.store.db import open_store  # a plain store of a device from before users
    from collector_app.ui.dialogs.sign_in_dialog import FirstUserDialog
    from collector_app.ui.tasks import TaskRunner

    empty = open_store(tmp_path / "empty.sqlite3")
    runner = TaskRunner(empty)
    try:
        dialog = FirstUserDialog(runner)
        qtbot.addWidget(dialog)
        dialog.show()
        good = {"username_edit": "thu.nguyen", "full_name_edit": "Nguyễn Thị Thu", "password_edit": "mật khẩu dài",
                "repeat_edit": "mật khẩu dài"}
        bad = {"username_edit": ["", ESC, "a" * 200, "' OR 1=1 --", "thu nguyen", "\u202eadmin"],
               "full_name_edit": ["", "   ", ESC, "x" * 1000, "\u202eNguyễn Thu"],
               "password_edit": ["", "ngắn", "\x00" * 12]}
        for field, values in bad.items():
            for value in values:
                for name, text in (good | {field: value}).items():
                    getattr(dialog, name).setText(text)
                if field == "password_edit":
                    dialog.repeat_edit.setText(value)
                if dialog.create_button.isEnabled():  # not refused as typed: refused on making, or made
                    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
                    qtbot.waitUntil(lambda: dialog.user is not None or dialog.create_button.isEnabled(), timeout=10_000)
                assert dialog.user is None, (field, value[:40])
                shown = dialog.message_label.text()
                assert shown and "\n" not in shown, (field, value[:40])
                tally.bad_input(f"form:first-user-{field.removesuffix('_edit').replace('_', '-')}")
        assert all_users(empty) == []
    finally:
        runner.shutdown()
        empty.close()
