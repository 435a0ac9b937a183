"""HouseholdMembersModel: a household's members in declared order, one person highlighted."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from collector_app.formatting import format_date
from collector_app.i18n import N_
from collector_app.store.people import MemberRow
from collector_app.ui.models.columns import CENTER, RIGHT, Column, RowsTableModel, optional_text
from collector_app.ui.palette import HIGHLIGHT, HIGHLIGHT_TEXT

# No sex column: the results table shows it, and the panel is narrow; order, age and ID matter here.
MEMBER_COLUMNS: tuple[Column[MemberRow], ...] = (
    Column("order", N_("No."), lambda m: str(m.member_order), RIGHT),
    Column("name", N_("Full name"), lambda m: m.full_name, elided=True),
    Column("date_of_birth", N_("Date of birth"), lambda m: format_date(m.date_of_birth), CENTER),
    Column("citizen_id", N_("Citizen ID"), lambda m: optional_text(m.citizen_id)),
)

# A soft amber that reads as "this one" in light themes without fighting the selection colour.


class HouseholdMembersModel(RowsTableModel[MemberRow]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(MEMBER_COLUMNS, parent)
        self._highlighted: str | None = None

    def set_members(self, members: tuple[MemberRow, ...], *, highlighted: str | None) -> None:
        """Show `members` as given (the store returns them in declared order); mark one person id."""
        self._highlighted = highlighted
        self.set_rows(members)

    def highlighted_row(self) -> int | None:
        return next((i for i in range(self.rowCount()) if self.row(i).person_id == self._highlighted), None)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if index.isValid() and self.row(index.row()).person_id == self._highlighted:
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
            if role == Qt.ItemDataRole.BackgroundRole:
                return HIGHLIGHT
            if role == Qt.ItemDataRole.ForegroundRole:
                return HIGHLIGHT_TEXT
        return super().data(index, role)
