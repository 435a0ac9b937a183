"""The official participant lists (D05-TS voluntary SI, D03-TS health insurance only): their versioned
column templates, one row per participant paid, and the totals at the foot (domain.md §3.1).

The forms are due to be replaced, so a layout is data with an effective date
(`resources/forms/official-lists.json`); a list uses the newest version in force on its last day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from collector_app.domain.enrolments import Scheme
from collector_app.domain.problems import DomainError, Problem, ProblemCode


class ListForm(StrEnum):
    D05 = "d05"  # voluntary SI participants
    D03 = "d03"  # people joining health insurance only (family HI)

    @property
    def code(self) -> str:
        return "D05-TS" if self is ListForm.D05 else "D03-TS"

    @property
    def scheme(self) -> Scheme:
        return Scheme.VSI if self is ListForm.D05 else Scheme.FAMILY_HI


class ColumnKind(StrEnum):
    TEXT = "text"
    DATE = "date"  # dd/mm/yyyy
    MONTH = "month"  # mm/yyyy
    COUNT = "count"
    MONEY = "money"  # integer VND


SUMMED_KEYS = ("gross", "state_support", "local_support", "amount")


class TemplateError(ValueError):
    """A template file that cannot be used: the list is refused rather than laid out wrongly."""


@dataclass(frozen=True)
class ListColumn:
    key: str
    header: str
    kind: ColumnKind
    width: int  # relative width (characters in a spreadsheet, a share of the page in a PDF)
    total: bool  # summed at the foot (money columns, unless the template says not)


@dataclass(frozen=True)
class ListTemplate:
    form: ListForm
    version: str
    effective_from: date
    code: str  # "Mẫu D05-TS"
    title: str
    source: str
    columns: tuple[ListColumn, ...]

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ListTemplate:
        try:
            columns = tuple(_column(item) for item in data["columns"])
            template = cls(
                form=ListForm(data["form"]), version=str(data["version"]),
                effective_from=date.fromisoformat(data["effective_from"]), code=str(data["code"]),
                title=str(data["title"]), source=str(data.get("source", "")), columns=columns,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TemplateError(f"list template {data.get('form')}/{data.get('version')}: {exc}") from exc
        if not columns or len({c.key for c in columns}) != len(columns):
            raise TemplateError(f"list template {template.form}/{template.version}: columns missing or repeated")
        return template


def _column(item: Mapping[str, Any]) -> ListColumn:
    key = str(item["key"])
    if key not in COLUMN_KEYS:
        raise ValueError(f"unknown column key {key!r}")
    kind = ColumnKind(item["kind"])
    width = item["width"]
    if not isinstance(width, int) or isinstance(width, bool) or not 1 <= width <= 100:
        raise ValueError(f"column {key!r}: width must be a whole number from 1 to 100")
    # Only the amounts add up: a sum of incomes or of dates means nothing.
    return ListColumn(key, str(item["header"]), kind, width, key in SUMMED_KEYS and bool(item.get("total", True)))


def parse_templates(document: Mapping[str, Any]) -> tuple[ListTemplate, ...]:
    templates = tuple(ListTemplate.from_mapping(item) for item in document.get("templates", ()))
    keys = [(t.form, t.effective_from) for t in templates]
    if len(set(keys)) != len(keys):
        raise TemplateError("two list templates of one form take effect on the same day")
    return templates


def template_for(templates: Iterable[ListTemplate], form: ListForm, on: date) -> ListTemplate:
    """The newest version of `form` in force on `on` (a list's last day); none in force is an error,
    as a quote with no policy row is refused (domain.md, "How the product uses this" 5)."""
    in_force = [t for t in templates if t.form is form and t.effective_from <= on]
    if not in_force:
        raise DomainError(Problem(ProblemCode.LIST_TEMPLATE_MISSING, {"form": form.code, "on": on}))
    return max(in_force, key=lambda t: t.effective_from)


def check_period(since: date, until: date) -> None:
    """A list's period runs forwards (one day is a period too)."""
    if until < since:
        raise DomainError(Problem(ProblemCode.LIST_PERIOD_REVERSED, {"since": since, "until": until}))


@dataclass(frozen=True)
class ListRow:
    """One participant's share of one valid (not voided) payment in the period."""

    full_name: str
    citizen_id: str | None
    si_code: str | None
    date_of_birth: date
    sex: str  # "male" | "female"
    address: str
    paid_on: date
    receipt_number: str
    period_start: date  # voluntary SI: first day of the first month; family HI: the card's first day
    period_end: date
    months: int
    monthly_income: int | None  # voluntary SI
    member_rank: int | None  # family HI
    facility: str | None  # family HI: "code - name", or the code alone
    gross: int
    state_support: int
    local_support: int
    amount: int


SEX_WORDS = {"male": "Nam", "female": "Nữ"}


def payment_method(months: int) -> str:
    """How a voluntary SI payment of `months` months is named on the form (Law SI 2024 Art. 36(2)):
    monthly, every 3, 6 or 12 months, or several years ahead (domain.md §1.6)."""
    if months == 1:
        return "Hằng tháng"
    if months in (3, 6, 12):
        return f"{months} tháng"
    return f"Đóng trước {months} tháng"


Cell = str | int | date | None


# How each column key is filled from a row and its number: one table, looked up once per column.
_CELLS: dict[str, Callable[[ListRow, int], Cell]] = {
    "number": lambda r, n: n,
    "full_name": lambda r, n: r.full_name,
    "identifier": lambda r, n: r.citizen_id or r.si_code,
    "citizen_id": lambda r, n: r.citizen_id,
    "si_code": lambda r, n: r.si_code,
    "date_of_birth": lambda r, n: r.date_of_birth,
    "sex": lambda r, n: SEX_WORDS.get(r.sex, r.sex),
    "address": lambda r, n: r.address,
    "monthly_income": lambda r, n: r.monthly_income,
    "method": lambda r, n: payment_method(r.months),
    "period_from": lambda r, n: r.period_start,
    "period_to": lambda r, n: r.period_end,
    "months": lambda r, n: r.months,
    "member_rank": lambda r, n: r.member_rank,
    "facility": lambda r, n: r.facility,
    "card_from": lambda r, n: r.period_start,
    "card_to": lambda r, n: r.period_end,
    "gross": lambda r, n: r.gross,
    "state_support": lambda r, n: r.state_support,
    "local_support": lambda r, n: r.local_support,
    "amount": lambda r, n: r.amount,
    "receipt_number": lambda r, n: r.receipt_number,
    "paid_on": lambda r, n: r.paid_on,
}
COLUMN_KEYS = frozenset(_CELLS)


def cell_reader(key: str) -> Callable[[ListRow, int], Cell]:
    """How to fill column `key` for a row (the `number`-th of the list): dates stay dates (a writer
    formats them by the column's kind), money stays an int of VND."""
    return _CELLS[key]


def cell(row: ListRow, key: str, number: int) -> Cell:
    return _CELLS[key](row, number)


@dataclass(frozen=True)
class ListTotals:
    participants: int  # rows
    gross: int
    state_support: int
    local_support: int
    amount: int

    def of(self, key: str) -> int:
        value: int = getattr(self, key)
        return value


def list_totals(rows: Sequence[ListRow]) -> ListTotals:
    return ListTotals(
        participants=len(rows),
        gross=sum(r.gross for r in rows),
        state_support=sum(r.state_support for r in rows),
        local_support=sum(r.local_support for r in rows),
        amount=sum(r.amount for r in rows),
    )


@dataclass(frozen=True)
class OfficialList:
    """A list as printed or saved: its template, whose it is, the period, the rows and their totals."""

    template: ListTemplate
    organisation: str
    collection_point: str  # point name and code
    since: date
    until: date
    made_on: date
    prepared_by: str  # the signed-in user's full name
    rows: tuple[ListRow, ...]
    totals: ListTotals
