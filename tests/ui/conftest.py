"""UI fixtures: a real store file with a few known households, and the context pages are built on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QTranslator
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from collector_app import i18n
from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.store.db import Store
from collector_app.store.registration import add_households
from collector_app.ui.context import AppContext
from collector_app.ui.tasks import TaskRunner
from signing import open_test_store

HOAN_KIEM = "00070"  # Phường Hoàn Kiếm, Thành phố Hà Nội
HAI_CHAU = "20242"  # Phường Hải Châu, Thành phố Đà Nẵng

# Members in declared order; the order is what the household panel must show.
NGUYEN_HOUSEHOLD = NewHousehold(
    household_code="0101000123",
    address="12 phố Hàng Bông",
    commune_code=HOAN_KIEM,
    province_code="01",
    members=(
        NewPerson("Nguyễn Văn An", date(1975, 4, 2), Sex.MALE, "001075004321", None, "0912345678"),
        NewPerson("Đặng Thị Hằng", date(1978, 11, 20), Sex.FEMALE, "001178012345", None, "0987654321"),
        NewPerson("Nguyễn Minh Khôi", date(2005, 1, 9), Sex.MALE, "001205006789"),
        NewPerson("Nguyễn Thị Lan", date(2010, 6, 30), Sex.FEMALE, "001310001234"),
    ),
)
DANG_HOUSEHOLD = NewHousehold(
    household_code=None,
    address="45 Trần Phú",
    commune_code=HAI_CHAU,
    province_code="48",
    members=(
        NewPerson("Đặng Văn Hùng", date(1968, 2, 14), Sex.MALE, "048068000111", None, "0905111222"),
        NewPerson("Trần Thị Hà", date(1970, 8, 8), Sex.FEMALE, "048170000222"),
    ),
)


@pytest.fixture(autouse=True)
def own_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's own config folder: a window's remembered size or printer never leaks into the next."""
    monkeypatch.setenv("COLLECTOR_APP_DATA_DIR", str(tmp_path / "config"))


@pytest.fixture(autouse=True)
def qt_speaks_english_again() -> Iterator[None]:
    """Qt's own translations a test left installed (`ui.app.run` installs Vietnamese for the window it starts)
    are taken off after it, so that the next test's standard buttons are in the language it expects."""
    yield
    app = QApplication.instance()
    if app is not None:
        for translator in app.findChildren(QTranslator):
            app.removeTranslator(translator)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_test_store(tmp_path / "collector.sqlite3")
    add_households(opened, [NGUYEN_HOUSEHOLD, DANG_HOUSEHOLD], actor="test")
    yield opened
    opened.close()


@pytest.fixture
def ctx(store: Store) -> Iterator[AppContext]:
    runner = TaskRunner(store)
    yield AppContext(store=store, runner=runner, language=i18n.language())
    runner.shutdown()


@pytest.fixture
def english() -> Iterator[None]:
    previous = i18n.language()
    i18n.set_language("en")
    yield
    i18n.set_language(previous)


@pytest.fixture
def signs_in_at_start(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """`ui.app.run`'s sign-in dialog, shown modally, answered as the collector would: the test password, Enter."""
    from signing import PASSWORD

    from collector_app.ui.dialogs.sign_in_dialog import SignInDialog

    def sign_in(dialog: SignInDialog) -> int:
        dialog.password_edit.setText(PASSWORD)
        dialog.sign_in_button.click()
        qtbot.waitUntil(lambda: dialog.failure is not None or dialog.opened is not None, timeout=20_000)
        return dialog.result()

    monkeypatch.setattr(SignInDialog, "exec", sign_in)
