"""Qt's own strings in Vietnamese: standard buttons, the text-editing menu, file dialogs (our qtbase_vi catalog)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
from PySide6.QtCore import QTranslator
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QLabel, QLineEdit, QMessageBox

from collector_app.paths import resource_path
from collector_app.ui.app import install_qt_translator

CATALOG = resource_path("translations/qt/qtbase_vi.ts")


@pytest.fixture
def vietnamese_qt(qapp: QApplication) -> Iterator[None]:
    translator = install_qt_translator(qapp, "vi")
    assert translator is not None, "resources/translations/qt/qtbase_vi.qm was not found"
    try:
        yield
    finally:
        qapp.removeTranslator(translator)


def test_the_compiled_catalog_holds_every_translation_of_the_source(qapp: QApplication) -> None:
    translator = QTranslator()
    assert translator.load(str(CATALOG.with_suffix(".qm")))
    messages = [
        (context.findtext("name"), message.findtext("source"), message.findtext("comment"),
         message.findtext("translation"))
        for context in ElementTree.parse(CATALOG).getroot().iter("context")
        for message in context.iter("message")
    ]

    assert len(messages) > 50
    stale = [(name, source) for name, source, comment, wanted in messages
             if translator.translate(name, source, comment) != wanted]
    assert stale == [], "run: .venv/bin/pyside6-lrelease resources/translations/qt/qtbase_vi.ts"


def test_message_boxes_and_button_boxes_speak_vietnamese(vietnamese_qt: None) -> None:
    box = QMessageBox(QMessageBox.Icon.Question, "", "", QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Yes | QDialogButtonBox.StandardButton.No
                               | QDialogButtonBox.StandardButton.Close)

    assert box.button(QMessageBox.StandardButton.Cancel).text() == "Hủy"
    assert box.button(QMessageBox.StandardButton.Ok).text() == "OK"
    assert [buttons.button(which).text() for which in (QDialogButtonBox.StandardButton.Yes,
                                                       QDialogButtonBox.StandardButton.No,
                                                       QDialogButtonBox.StandardButton.Close)] == ["&Có", "&Không", "Đóng"]


def test_the_text_fields_menu_speaks_vietnamese(vietnamese_qt: None) -> None:
    field = QLineEdit("Nguyễn")  # the menu's parent: it must outlive the menu
    menu = field.createStandardContextMenu()

    labels = [action.text().split("\t")[0] for action in menu.actions() if not action.isSeparator()]

    assert labels[:5] == ["&Hoàn tác", "&Làm lại", "&Cắt", "&Sao chép", "&Dán"]
    assert "Chọn tất cả" in labels


def test_the_english_window_keeps_qts_english(qapp: QApplication) -> None:
    assert install_qt_translator(qapp, "en") is None
    assert QMessageBox(QMessageBox.Icon.Question, "", "", QMessageBox.StandardButton.Cancel).button(
        QMessageBox.StandardButton.Cancel).text() == "Cancel"


def test_the_folder_chooser_speaks_vietnamese(vietnamese_qt: None, tmp_path: Path) -> None:
    chooser = QFileDialog(None, "", str(tmp_path))
    chooser.setOption(QFileDialog.Option.DontUseNativeDialog)
    chooser.setFileMode(QFileDialog.FileMode.Directory)

    labels = {label.objectName(): label.text() for label in chooser.findChildren(QLabel)}
    buttons = chooser.findChild(QDialogButtonBox)

    assert labels["lookInLabel"] == "&Tìm trong:" and labels["fileTypeLabel"] == "&Loại tệp:"
    assert [button.text() for button in buttons.buttons()] == ["&Chọn", "Hủy"]
