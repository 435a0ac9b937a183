"""Table columns declared once (key, header, text, alignment) and a read-only model over frozen rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from collector_app.admin_units import load_admin_units
from collector_app.domain.people import Sex
from collector_app.i18n import _

Row = TypeVar("Row")
Index = QModelIndex | QPersistentModelIndex

LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True)
class Column(Generic[Row]):
    key: str
    header: str  # marked with N_(), translated when shown so a language switch takes effect
    text: Callable[[Row], str]
    align: Qt.AlignmentFlag = LEFT
    # Stretches to share the table's spare width and may be elided, so its whole text is also a tooltip.
    elided: bool = False


class RowsTableModel(QAbstractTableModel, Generic[Row]):
    """Read-only rows (frozen dataclasses) shown through a tuple of columns."""

    def __init__(self, columns: Sequence[Column[Row]], parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._rows: tuple[Row, ...] = ()

    @property
    def columns(self) -> tuple[Column[Row], ...]:
        return self._columns

    def set_rows(self, rows: Sequence[Row]) -> None:
        self.beginResetModel()
        self._rows = tuple(rows)
        self.endResetModel()

    def row(self, number: int) -> Row:
        return self._rows[number]

    def column_number(self, key: str) -> int:
        return next(i for i, column in enumerate(self._columns) if column.key == key)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(self._rows[index.row()])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.align
        if role == Qt.ItemDataRole.ToolTipRole and column.elided:
            return column.text(self._rows[index.row()]) or None
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(self._columns[section].header)
        return None


def sex_text(sex: Sex) -> str:
    return _("Male") if sex == Sex.MALE else _("Female")


def optional_text(value: str | None) -> str:
    return value or ""


def commune_text(commune_code: str) -> str:
    """The commune's full name ("Phường Ba Đình"), or its code if the shipped list lacks it."""
    commune = load_admin_units().commune(commune_code)
    return commune.full_name if commune else commune_code


def province_text(province_code: str) -> str:
    """The province's full name ("Thành phố Hà Nội"), or its code if the shipped list lacks it."""
    province = load_admin_units().province(province_code)
    return province.full_name if province else province_code
