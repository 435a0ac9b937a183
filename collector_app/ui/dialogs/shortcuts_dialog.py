"""ShortcutsDialog (Help > Keyboard shortcuts, F1): every shortcut of the window, read from it at run time.

Nothing is listed by hand: the menus' actions, each page's actions (and the keys its buttons name,
"Preview (Enter)") and named QShortcuts are collected when the dialog opens, so an action added
later with a shortcut appears by itself. Esc closes it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from collector_app.i18n import _
from collector_app.ui.widgets.tables import compact_rows

# "Preview (Enter)", "Print a copy… (Ctrl+P)": the key a button names after its text.
_NAMED_KEY = re.compile(r"^(?P<text>.+?)\s*\((?P<keys>[^()]+)\)$")
_NATIVE = QKeySequence.SequenceFormat.NativeText


@dataclass(frozen=True)
class Shortcut:
    keys: str  # as the user reads it: "Ctrl+R"
    action: str  # what it does: "Receipts"
    where: str  # "File menu", "Receipts page"


def plain(text: str) -> str:
    """A menu or button text without its mnemonic marks and trailing dots: "&Print a copy…" -> "Print a copy"."""
    return re.sub(r"&(.)", r"\1", text).rstrip(".…").strip()


def keys_text(action: QAction) -> str:
    """The action's shortcuts as written in menus: "Ctrl++, Ctrl+=" (empty when it has none)."""
    return ", ".join(key.toString(_NATIVE) for key in action.shortcuts() if not key.isEmpty())


def with_shortcut(action: QAction) -> str:
    """A tooltip that names the shortcut: "Receipts (Ctrl+R)"."""
    keys = keys_text(action)
    return f"{plain(action.text())} ({keys})" if keys else plain(action.text())


def window_shortcuts(window: QWidget, pages: Mapping[QWidget, str]) -> list[Shortcut]:
    """Every shortcut of `window`: its menus' first, then each page's (`pages`: page -> its title)."""
    found: list[Shortcut] = []
    seen_actions: set[int] = set()
    seen: set[tuple[str, str]] = set()

    def add(keys: str, text: str, where: str) -> None:
        # Once per key and place, and once per key and action ("Sync now (F9)" on a page is the menu's F9).
        if keys and (keys, where) not in seen and (keys, plain(text)) not in seen:
            seen.update({(keys, where), (keys, plain(text))})
            found.append(Shortcut(keys, plain(text), where))

    def add_menu(menu: QMenu) -> None:
        where = _("{menu} menu").format(menu=plain(menu.title()))
        for action in menu.actions():
            if action.menu() is not None:
                add_menu(action.menu())
            elif not action.isSeparator():
                seen_actions.add(id(action))
                add(keys_text(action), action.text(), where)

    if isinstance(window, QMainWindow):
        for action in window.menuBar().actions():
            if action.menu() is not None:
                add_menu(action.menu())

    def where_of(obj: QWidget | None) -> str:
        while obj is not None:
            if obj in pages:
                return _("{page} page").format(page=pages[obj])
            obj = obj.parentWidget()
        return _("Whole window")

    for action in window.findChildren(QAction):
        if id(action) in seen_actions or action.isSeparator():
            continue
        owner = action.parent()
        add(keys_text(action), action.text(), where_of(owner if isinstance(owner, QWidget) else None))
    for shortcut in window.findChildren(QShortcut):  # named ones only: a QShortcut has no text of its own
        owner = shortcut.parent()
        if shortcut.whatsThis():
            add(shortcut.key().toString(_NATIVE), shortcut.whatsThis(),
                where_of(owner if isinstance(owner, QWidget) else None))
    for button in window.findChildren(QAbstractButton):
        match = _NAMED_KEY.match(button.text())
        if match and not QKeySequence(match["keys"]).isEmpty():
            add(match["keys"], match["text"], where_of(button))
    return found


class ShortcutsDialog(QDialog):
    def __init__(self, window: QWidget, pages: Mapping[QWidget, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Keyboard shortcuts"))
        self.shortcuts = window_shortcuts(window, pages)

        intro = QLabel(_("Every action of the window can be reached from the keyboard. Tab moves between the "
                         "parts of a page, the arrows within a list, Enter opens what is chosen."))
        intro.setWordWrap(True)
        self.table = QTableWidget(len(self.shortcuts), 3)
        self.table.setHorizontalHeaderLabels([_("Keys"), _("Action"), _("Where")])
        self.table.setAccessibleName(_("Keyboard shortcuts"))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        compact_rows(self.table)
        for row, shortcut in enumerate(self.shortcuts):
            for column, text in enumerate((shortcut.keys, shortcut.action, shortcut.where)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        self._size_to_screen()

    def rows(self) -> list[tuple[str, str, str]]:
        return [(s.keys, s.action, s.where) for s in self.shortcuts]

    def _size_to_screen(self) -> None:
        self.table.resizeColumnsToContents()
        frame = self.table.frameWidth() * 2 + self.table.verticalScrollBar().sizeHint().width()
        width = sum(self.table.columnWidth(c) for c in range(3)) + frame + 40
        available = self.screen().availableGeometry().size()
        self.resize(min(max(width, 560), available.width() - 40), min(560, available.height() - 60))
