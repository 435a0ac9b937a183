"""The window on a damaged data file: a banner says so at start, in the window's language, while people
can still be found; on a sound file no banner shows. The check runs beside the database worker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from store_damage import flip_byte_in_table_page

from collector_app import i18n
from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.domain.receipt_codes import generate_device_keys
from collector_app.store.db import Store
from collector_app.store.device import set_up_device
from collector_app.store.registration import add_households
from collector_app.domain.payments import Role
from collector_app.store.users import User
from collector_app.ui.context import AppContext, Session
from collector_app.ui.main_window import MainWindow
from collector_app.ui.tasks import TaskRunner
from signing import open_test_store, raw_connection

HOUSEHOLD = NewHousehold(
    household_code="0101000123",
    address="12 phố Hàng Bông",
    commune_code="00070",
    province_code="01",
    members=(
        NewPerson("Nguyễn Văn An", date(1975, 4, 2), Sex.MALE, "001075004321"),
        NewPerson("Đặng Thị Hằng", date(1978, 11, 20), Sex.FEMALE, "001178012345"),
    ),
)
OpenWindow = Callable[[Path], MainWindow]


def made_and_closed(path: Path) -> Path:
    """A store file with a household and this device set up, made by another Store and closed."""
    with open_test_store(path) as store:
        add_households(store, [HOUSEHOLD], actor="test")
        set_up_device(store, new_keys=generate_device_keys)
    return path


@pytest.fixture
def open_window(qtbot: QtBot) -> Iterator[OpenWindow]:
    """Opens the main window on a store file, as the app does, and waits for the store check."""
    opened: list[tuple[Store, TaskRunner]] = []

    def open_on(path: Path) -> MainWindow:
        store = open_test_store(path)
        runner = TaskRunner(store)
        opened.append((store, runner))
        # Signed in before the damage was found (the users' table may be what is damaged).
        window = MainWindow(AppContext(store=store, runner=runner, language=i18n.language(), session=Session(
            User(user_id="signed-in", username="collector", full_name="Nguyễn Thị Thu", role=Role.COLLECTOR,
                 active=True))))
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        qtbot.waitUntil(lambda: store.health.report is not None and window.busy_label.text() == "")
        return window

    yield open_on
    for store, runner in opened:
        runner.shutdown()
        store.close()


def test_a_damaged_store_shows_a_banner_saying_what_to_do_and_people_can_still_be_found(
    qtbot: QtBot, tmp_path: Path, open_window: OpenWindow
) -> None:
    path = made_and_closed(tmp_path / "collector.sqlite3")
    flip_byte_in_table_page(path, "users")

    window = open_window(path)

    assert window.health_banner.isVisible()
    text = window.health_banner.message_text
    assert text.startswith("Cảnh báo:") and "bị hỏng" in text and str(path) in text and "hỗ trợ" in text
    window.find_page.search_box.setText("dang thi hang")
    qtbot.waitUntil(lambda: window.find_page.model.rowCount() == 1)


def test_the_banner_speaks_english_in_the_english_window(
    tmp_path: Path, open_window: OpenWindow, english: None
) -> None:
    path = made_and_closed(tmp_path / "collector.sqlite3")
    flip_byte_in_table_page(path, "users")

    window = open_window(path)

    assert window.health_banner.isVisible()
    assert window.health_banner.message_text.startswith("Warning: The data file")
    assert "call support" in window.health_banner.message_text


def test_a_sound_store_shows_no_banner(tmp_path: Path, open_window: OpenWindow) -> None:
    path = made_and_closed(tmp_path / "collector.sqlite3")

    window = open_window(path)

    assert window.health_banner.isHidden()
    assert window._ctx.store.health.report is not None and window._ctx.store.health.report.sound


def test_the_banner_names_the_newest_good_backup_and_how_to_restore_it(
    qtbot: QtBot, tmp_path: Path, open_window: OpenWindow
) -> None:
    from collector_app.services.backups import back_up

    path = made_and_closed(tmp_path / "collector.sqlite3")
    with open_test_store(path) as store:
        backup = back_up(store).path
    flip_byte_in_table_page(path, "users")

    window = open_window(path)

    qtbot.waitUntil(window.health_banner.isVisible)
    text = window.health_banner.message_text
    assert "bị hỏng" in text and f'collector-app restore "{backup}"' in text
def made_with_payments(path: Path) -> Path:
    """`made_and_closed`, then two family HI payments recorded through the service."""
    from collector_app.services.payments import record_family_hi_payment
    from collector_app.store.device import this_device
    from collector_app.store.users import user_by_id

    made_and_closed(path)
    with open_test_store(path) as store:
        device = this_device(store)
        assert device is not None
        user = user_by_id(store, device.default_user_id)
        assert user is not None
        for year in (2025, 2026):
            on = date(year, 3, 5)
            record_family_hi_payment(store, household_code="0101000123", months=12, on=on, actor=user, today=on)
    return path


def test_a_money_record_edited_by_hand_shows_a_banner_naming_the_first_failing_entry(
    tmp_path: Path, open_window: OpenWindow
) -> None:
    path = made_with_payments(tmp_path / "collector.sqlite3")
    raw = raw_connection(path)
    raw.execute("DROP TRIGGER payments_no_update")
    # Amount and gross together: every CHECK still holds, so the file's own integrity check finds nothing.
    raw.execute("UPDATE payments SET amount = amount - 100000, gross = gross - 100000 WHERE paid_on = '2026-03-05'")
    raw.close()

    window = open_window(path)

    assert window.health_banner.isVisible()
    text = window.health_banner.message_text
    assert text.startswith("Cảnh báo:") and "mục 2 " in text and "đã bị sửa sau khi ghi" in text
    assert "người giám sát" in text


def test_a_sound_store_with_payments_shows_no_banner(tmp_path: Path, open_window: OpenWindow) -> None:
    window = open_window(made_with_payments(tmp_path / "collector.sqlite3"))

    assert window.health_banner.isHidden()
