"""The app's read-only table views, set up in one place: whole rows selected, compact rows, no row numbers,
Tab leaving the table (arrows move within it), and columns fitted so that nothing scrolls sideways."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from collector_app.ui.models.columns import RowsTableModel

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
    view.setWordWrap(False)  # one line a row: a long name is elided with "…", never cut mid-word
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    # Tab moves on to the page's next part; the arrows move within the table.
    view.setTabKeyNavigation(False)
    view.verticalHeader().hide()
    compact_rows(view)
    view.setAccessibleName(accessible_name)
    return view


def compact_rows(view: QTableView) -> None:
    """Rows one text line high plus a little air: more people on screen than the style's default."""
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + ROW_PADDING_PX)


def fit_columns(view: QTableView, model: RowsTableModel[object]) -> None:
    """Columns sized to their whole text and header (a code or a date is never cut), but those marked
    `elided`, which share the width left and elide (their tooltip holds the whole text): the table
    fills its width and never scrolls sideways."""
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    header.setTextElideMode(Qt.TextElideMode.ElideRight)
    for number, column in enumerate(model.columns):
        mode = QHeaderView.ResizeMode.Stretch if column.elided else QHeaderView.ResizeMode.ResizeToContents
        header.setSectionResizeMode(number, mode)


def spare_columns(
    view: QTableView, model: RowsTableModel[object], *, spared: tuple[str, ...], minimums: dict[str, int]
) -> None:
    """Hide the columns `spared` (keys, in that order) only as far as needed for the others to fit the
    view's width: each column whole, an elided one at least its `minimums` width (logical pixels)."""
    numbers = [model.column_number(key) for key in spared]
    for number in numbers:
        view.setColumnHidden(number, False)
    available = view.viewport().width()
    scroll_bar = view.verticalScrollBar()
    if scroll_bar.isHidden() and model.rowCount() > 0:
        available -= scroll_bar.sizeHint().width()  # it may appear with more rows

    def needed() -> int:
        total = 0
        for number, column in enumerate(model.columns):
            if view.isColumnHidden(number):
                continue
            if column.elided:
                total += minimums.get(column.key, 0)
            else:
                total += max(view.sizeHintForColumn(number), view.horizontalHeader().sectionSizeHint(number))
        return total

    for number in numbers:
        if needed() <= available:
            break
        view.setColumnHidden(number, True)
