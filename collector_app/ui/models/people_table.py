"""PeopleTableModel: the people a search found, one frozen `PersonHit` per row, and what each matched."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from collector_app.formatting import format_date
from collector_app.i18n import N_, _
from collector_app.store.search import PersonHit
from collector_app.ui.models.columns import (
    CENTER,
    Column,
    RowsTableModel,
    commune_text,
    optional_text,
    sex_text,
)

# A number typed in the search box may match a citizen ID, an SI code or a phone: each row says which.
MATCHED_ON_TEXTS = {
    "name": N_("Name"),
    "citizen_id": N_("Citizen ID"),
    "si_code": N_("SI code"),
    "phone": N_("Phone"),
}


def matched_on_text(hit: PersonHit) -> str:
    return _(MATCHED_ON_TEXTS[hit.matched_on])


PEOPLE_COLUMNS: tuple[Column[PersonHit], ...] = (
    Column("name", N_("Full name"), lambda p: p.full_name, elided=True),
    Column("date_of_birth", N_("Date of birth"), lambda p: format_date(p.date_of_birth), CENTER),
    Column("sex", N_("Sex"), lambda p: sex_text(p.sex), CENTER),
    Column("citizen_id", N_("Citizen ID"), lambda p: optional_text(p.citizen_id)),
    Column("phone", N_("Phone"), lambda p: optional_text(p.phone)),
    Column("household_code", N_("Household code"), lambda p: optional_text(p.household_code)),
    Column("commune", N_("Commune"), lambda p: commune_text(p.commune_code), elided=True),
    Column("matched_on", N_("Found by"), matched_on_text),
)


class PeopleTableModel(RowsTableModel[PersonHit]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(PEOPLE_COLUMNS, parent)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        # The number that matched stands out in bold beside the "Found by" words.
        if role == Qt.ItemDataRole.FontRole and index.isValid():
            hit = self.row(index.row())
            if hit.matched_on != "name" and self.columns[index.column()].key == hit.matched_on:
                font = QFont()
                font.setBold(True)
                return font
        return super().data(index, role)
