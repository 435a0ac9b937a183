"""The tables under the Progress page's charts: a row per month of one scheme's figures. Each chart is drawn
from its table's model (`value`), so what the chart shows is what the table says."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from collector_app.domain.progress import SchemeProgress
from collector_app.formatting import format_count, format_vnd
from collector_app.i18n import N_
from collector_app.ui.models.columns import RIGHT, Column, RowsTableModel


@dataclass(frozen=True)
class MonthRow:
    year: int
    month: int
    participants: int
    new: int
    renewing: int
    target: int | None  # the year's participants target, the same each month
    last_year_participants: int
    amount: int
    last_year_amount: int


def month_rows(year: int, figures: SchemeProgress | None) -> list[MonthRow]:
    if figures is None:
        return []
    return [MonthRow(year=year, month=m.month, participants=m.participants, new=m.new, renewing=m.renewing,
                     target=figures.target_participants, last_year_participants=m.last_year_participants,
                     amount=m.amount, last_year_amount=m.last_year_amount) for m in figures.months]


def _count(key: str, header: str) -> Column[MonthRow]:
    def text(row: MonthRow) -> str:
        value = getattr(row, key)
        return "" if value is None else format_count(value)
    return Column(key, header, text, RIGHT)


def _money(key: str, header: str) -> Column[MonthRow]:
    return Column(key, header, lambda row: format_vnd(getattr(row, key)), RIGHT)


MONTH = Column[MonthRow]("month", N_("Month"), lambda row: f"{row.month:02d}/{row.year}")
PARTICIPANTS_COLUMNS = (MONTH, _count("participants", N_("Participants")), _count("target", N_("Target")),
                        _count("last_year_participants", N_("Last year")))
AMOUNT_COLUMNS = (MONTH, _money("amount", N_("Amount")), _money("last_year_amount", N_("Same month last year")))
NEW_COLUMNS = (MONTH, _count("new", N_("New")), _count("renewing", N_("Renewing")))


class MonthTableModel(RowsTableModel[MonthRow]):
    """Months of one scheme through `columns`; `value` gives a cell's figure as the chart draws it."""

    def __init__(self, columns: Sequence[Column[MonthRow]], parent: Any = None) -> None:
        super().__init__(columns, parent)

    def value(self, row: int, key: str) -> int | None:
        found: int | None = getattr(self.row(row), key)
        return found
