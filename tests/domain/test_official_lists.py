"""The official lists' versioned templates and sums: which layout a period gets, what a template may
say, the payment method words, and totals that are the sums of the rows."""

from __future__ import annotations

import json
from datetime import date

import pytest

from collector_app.domain.official_lists import (
    ListForm,
    ListRow,
    TemplateError,
    cell,
    check_period,
    list_totals,
    parse_templates,
    payment_method,
    template_for,
)
from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.paths import resource_path

DOCUMENT = json.loads(resource_path("forms/official-lists.json").read_text(encoding="utf-8"))
TEMPLATES = parse_templates(DOCUMENT)


def _keys(form: ListForm, on: date) -> list[str]:
    return [c.key for c in template_for(TEMPLATES, form, on).columns]


@pytest.mark.parametrize("form", list(ListForm))
def test_the_citizen_id_replaces_the_si_code_column_from_1_august_2025(form: ListForm):
    before, on = _keys(form, date(2025, 7, 31)), _keys(form, date(2025, 8, 1))

    assert "si_code" in before and "identifier" not in before
    assert "identifier" in on and "si_code" not in on
    assert template_for(TEMPLATES, form, date(2026, 12, 31)).version == "595-2017-cccd"


def test_the_d05_has_the_voluntary_si_columns_and_the_d03_the_family_hi_columns():
    d05, d03 = _keys(ListForm.D05, date(2026, 8, 31)), _keys(ListForm.D03, date(2026, 8, 31))

    assert {"monthly_income", "method", "period_from", "period_to"} <= set(d05)
    assert {"member_rank", "facility", "card_from", "card_to"} <= set(d03)
    for keys in (d05, d03):
        assert {"number", "full_name", "date_of_birth", "sex", "address", "gross", "state_support",
                "local_support", "amount"} <= set(keys)


def test_a_new_version_takes_over_on_its_effective_date():
    newer = json.loads(json.dumps(DOCUMENT))
    replacement = dict(newer["templates"][0], version="2027", effective_from="2027-01-01",
                       columns=newer["templates"][0]["columns"][:4])
    newer["templates"].append(replacement)
    templates = parse_templates(newer)

    assert template_for(templates, ListForm.D05, date(2026, 12, 31)).version == "595-2017-cccd"
    assert template_for(templates, ListForm.D05, date(2027, 1, 1)).version == "2027"


def test_a_period_before_any_layout_is_refused_not_guessed():
    with pytest.raises(DomainError) as refused:
        template_for(TEMPLATES, ListForm.D05, date(2017, 4, 13))

    assert refused.value.problems[0].code is ProblemCode.LIST_TEMPLATE_MISSING


@pytest.mark.parametrize("column", [
    {"key": "salary", "header": "?", "kind": "text", "width": 5},
    {"key": "amount", "header": "?", "kind": "currency", "width": 5},
    {"key": "amount", "header": "?", "kind": "money", "width": 0},
    {"key": "amount", "header": "?", "kind": "money", "width": True},
    {"header": "?", "kind": "money", "width": 5},
])
def test_a_template_with_a_bad_column_is_refused(column: dict[str, object]):
    document = {"templates": [dict(DOCUMENT["templates"][0], columns=[column])]}

    with pytest.raises(TemplateError):
        parse_templates(document)


def test_only_amounts_are_summed_at_the_foot():
    template = template_for(TEMPLATES, ListForm.D05, date(2026, 8, 31))

    assert {c.key for c in template.columns if c.total} == {"gross", "state_support", "local_support", "amount"}


def test_a_reversed_period_is_refused_and_one_day_is_a_period():
    check_period(date(2026, 8, 1), date(2026, 8, 1))
    with pytest.raises(DomainError) as refused:
        check_period(date(2026, 8, 2), date(2026, 8, 1))

    assert refused.value.problems[0].code is ProblemCode.LIST_PERIOD_REVERSED


@pytest.mark.parametrize("months, words", [(1, "Hằng tháng"), (3, "3 tháng"), (6, "6 tháng"), (12, "12 tháng"),
                                           (36, "Đóng trước 36 tháng")])
def test_the_payment_method_is_named_as_on_the_form(months: int, words: str):
    assert payment_method(months) == words


def _row(amount: int, state: int, local: int, **changes: object) -> ListRow:
    values: dict[str, object] = dict(
        full_name="Đặng Văn Hùng", citizen_id=None, si_code="0112345678", date_of_birth=date(1980, 3, 4),
        sex="male", address="thôn Đông", paid_on=date(2026, 8, 3), receipt_number="DA07M2-26-0000001",
        period_start=date(2026, 8, 1), period_end=date(2026, 10, 31), months=3, monthly_income=1_500_000,
        member_rank=None, facility=None, gross=amount + state + local, state_support=state, local_support=local,
        amount=amount)
    values.update(changes)
    return ListRow(**values)  # type: ignore[arg-type]


def test_the_totals_are_the_sums_of_the_rows_in_integer_vnd():
    rows = [_row(693_000, 198_000, 99_000), _row(1_386_000, 396_000, 198_000), _row(0, 0, 0)]
    totals = list_totals(rows)

    assert (totals.participants, totals.gross, totals.state_support, totals.local_support, totals.amount) == (
        3, 2_970_000, 594_000, 297_000, 2_079_000)


def test_the_identifier_is_the_citizen_id_else_the_si_code_and_sex_is_in_vietnamese():
    old = _row(1, 0, 0)
    new = _row(1, 0, 0, citizen_id="001080012345", sex="female")

    assert (cell(old, "identifier", 1), cell(new, "identifier", 1)) == ("0112345678", "001080012345")
    assert (cell(old, "sex", 1), cell(new, "sex", 1)) == ("Nam", "Nữ")
    assert cell(old, "number", 7) == 7
