"""The supervisor's batch list as a lazy table model: the server pages it, the view asks for more as it scrolls.

`fetchMore` never blocks: it emits `fetch_requested(offset)`, the page runs the request in the background
and hands the answer to `add_page` (or `fetch_failed`). Each change of filter or sort starts a new
generation, so a page answered for an older one is dropped. Sorting (a click on a sortable header) is
the server's: `sort` emits `sort_changed` and the page reloads.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from collector_app.formatting import format_count, format_time, format_vnd
from collector_app.i18n import N_, _
from collector_app.sync.review import BatchPage, BatchSummary, FilterTotals
from collector_app.ui.models.columns import LEFT, RIGHT, Column

Index = QModelIndex | QPersistentModelIndex

STATE_TEXT = {"new": N_("New"), "partly": N_("Partly reviewed"), "reviewed": N_("Reviewed")}

COLUMNS: tuple[Column[BatchSummary], ...] = (
    Column("received_at", N_("Received"), lambda b: format_time(b.received_at)),
    Column("point", N_("Point"), lambda b: b.point_code),
    Column("device", N_("Device"), lambda b: b.series),
    Column("records", N_("Records"), lambda b: format_count(b.record_count), RIGHT),
    Column("total", N_("Amount"), lambda b: format_vnd(b.total_amount), RIGHT),
    Column("pending", N_("Awaiting decision"), lambda b: format_count(b.pending), RIGHT),
    Column("rejected", N_("Refused by the server"), lambda b: format_count(b.rejected), RIGHT),
    Column("state", N_("State"), lambda b: _(STATE_TEXT.get(b.state, b.state)), LEFT, elided=True),
)
# Columns a click on the header sorts by, and the server's name for each sort.
SORT_OF_COLUMN = {"received_at": "received_at", "point": "point", "total": "total", "pending": "pending"}


class BatchesModel(QAbstractTableModel):
    fetch_requested = Signal(int, int)  # generation, offset: load the next page
    sort_changed = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[BatchSummary] = []
        self.total: int | None = None  # None until the first page came
        self.totals: FilterTotals | None = None  # of the whole filter, from the first page
        self.generation = 0
        self._fetching = False
        self._active = False  # False: no source, or the last fetch failed (until `restart` or `retry`)
        self.sort_key = "received_at"
        self.descending = True

    @property
    def columns(self) -> tuple[Column[BatchSummary], ...]:
        return COLUMNS

    def column_number(self, key: str) -> int:
        return next(i for i, column in enumerate(COLUMNS) if column.key == key)

    def restart(self, *, active: bool = True) -> None:
        """Forget every row; a new generation (a new filter, sort or session). The page fetches the first."""
        self.beginResetModel()
        self.generation += 1
        self._rows = []
        self.total = None
        self.totals = None
        self._fetching = False
        self._active = active
        self.endResetModel()

    def row(self, number: int) -> BatchSummary:
        return self._rows[number]

    def add_page(self, generation: int, offset: int, page: BatchPage) -> None:
        self._fetching = False
        if generation != self.generation or offset != len(self._rows):
            return  # an answer for an older filter, or one already added
        if page.totals is not None:
            self.totals = page.totals
            self.total = page.totals.batches
        if page.batches:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(page.batches) - 1)
            self._rows.extend(page.batches)
            self.endInsertRows()
        elif self.total is None or len(self._rows) < self.total:  # the list shrank meanwhile: stop asking
            self.total = len(self._rows)

    def replace(self, summary: BatchSummary) -> None:
        """The batch's row as it now is (after decisions), in place: the list keeps its scroll and choice."""
        for number, row in enumerate(self._rows):
            if row.batch_id == summary.batch_id:
                self._rows[number] = summary
                self.dataChanged.emit(self.index(number, 0), self.index(number, len(COLUMNS) - 1))
                return

    def fetch_failed(self, generation: int) -> None:
        if generation == self.generation:
            self._fetching = False
            self._active = False

    def retry(self) -> None:
        self._active = True
        if self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())

    # ---- Qt's model interface ---------------------------------------------------------------------

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        if parent.isValid() or not self._active or self._fetching:
            return False
        return self.total is None or len(self._rows) < self.total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008 - Qt's signature
        if not self.canFetchMore(parent):
            return
        self._fetching = True
        self.fetch_requested.emit(self.generation, len(self._rows))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(self._rows[index.row()])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.align
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(COLUMNS[section].header)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORT_OF_COLUMN.get(COLUMNS[column].key)
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) != (self.sort_key, self.descending):
            self.sort_key, self.descending = key, descending
            self.sort_changed.emit()
