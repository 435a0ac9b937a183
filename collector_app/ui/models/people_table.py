"""PeopleTableModel: the people a search found, one frozen `PersonHit` per row."""

from __future__ import annotations

from typing import Any

from collector_app.formatting import format_date
from collector_app.i18n import N_
from collector_app.store.search import PersonHit
from collector_app.ui.models.columns import (
    CENTER,
    Column,
    RowsTableModel,
    commune_text,
    optional_text,
    sex_text,
)

PEOPLE_COLUMNS: tuple[Column[PersonHit], ...] = (
    Column("name", N_("Full name"), lambda p: p.full_name),
    Column("date_of_birth", N_("Date of birth"), lambda p: format_date(p.date_of_birth), CENTER),
    Column("sex", N_("Sex"), lambda p: sex_text(p.sex), CENTER),
    Column("citizen_id", N_("Citizen ID"), lambda p: optional_text(p.citizen_id)),
    Column("phone", N_("Phone"), lambda p: optional_text(p.phone)),
    Column("household_code", N_("Household code"), lambda p: optional_text(p.household_code)),
    Column("commune", N_("Commune"), lambda p: commune_text(p.commune_code)),
)


class PeopleTableModel(RowsTableModel[PersonHit]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(PEOPLE_COLUMNS, parent)
