"""The app's read-only table views, set up in one place: whole rows selected, compact rows, no row numbers."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

ROW_PADDING_PX = 8


def rows_view(
    model: QAbstractItemModel, accessible_name: str, *, many: bool = False, parent: QWidget | None = None
) -> QTableView:
    """A table of `model` whose rows are chosen whole (several at once when `many`) and never edited."""
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(
        QAbstractItemView.SelectionMode.ExtendedSelection if many else QAbstractItemView.SelectionMode.SingleSelection
    )
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    compact_rows(view)
    view.setAccessibleName(accessible_name)
    return view


def compact_rows(view: QTableView) -> None:
    """Rows one text line high plus a little air: more people on screen than the style's default."""
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + ROW_PADDING_PX)
