"""Property tests (hypothesis) over the domain rules the other domain tests check only by example.

Each rule is given any value its callers could pass it, bad ones included (10**30, negative and
zero counts, dates at the ends of what `datetime.date` holds, text of any script): it answers, or
refuses with a DomainError or problems, never anything else; and what it answers keeps its law.
CI runs EXAMPLES per property; `--reliability-scale N` N times as many.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
import tally
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collector_app.domain.contributions import add_months, family_hi_card_validity, quote_family_hi, quote_vsi
from collector_app.domain.dates import EARLIEST_DATE, LATEST_DATE
from collector_app.domain.due import DUE_SOON_DAYS, is_due_soon
from collector_app.domain.identity import age_on, check_citizen_id, check_full_name, normalise_phone
from collector_app.domain.payments import PaymentMethod, check_figures, payable, vsi_payment
from collector_app.domain.people import MAX_HOUSEHOLD_MEMBERS, SupportGroup
from collector_app.domain.problems import DomainError
from collector_app.domain.receipt_numbers import format_receipt_number, parse_receipt_number
from collector_app.domain.text import normalise_name, unsafe_characters
from collector_app.policies import current_table

EXAMPLES = 200
TABLE = current_table()
# Integers from the absurd to the ordinary: what a form, a file or the wire could carry.
ANY_INT = st.one_of(st.integers(-(10**30), 10**30), st.integers(-5, 130), st.sampled_from([0, 1, 2**63, 10**30]))
ANY_DATE = st.dates()  # date(1, 1, 1) to date(9999, 12, 31)
IN_SPAN = st.dates(EARLIEST_DATE, LATEST_DATE)
PAYMENT_DAYS = st.dates(date(2026, 1, 1), date(2030, 12, 31))
# Digits of other scripts that Python's int() reads: Arabic-Indic, Devanagari, full-width, Bengali, Thai.
FOREIGN_DIGITS = "٠١٢٣٤٥٦٧٨٩०१२३४५६७८९０１２３４５６７８９০১২৩৪৫৬৭৮৯๐๑๒๓๔๕๖๗๘๙"


def mostly(good: st.SearchStrategy, bad: st.SearchStrategy, *, one_bad_in: int = 4) -> st.SearchStrategy:
    """One draw in `one_bad_in` from `bad`, the rest from `good`: a rule with several inputs still reaches its
    answer in a good share of the examples, and its refusal in the rest."""
    return st.integers(1, one_bad_in).flatmap(lambda draw: bad if draw == 1 else good)


def _settings() -> settings:
    return settings(max_examples=EXAMPLES * tally.scale(), deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@_settings()
@given(day=ANY_DATE, months=ANY_INT)
def test_add_months_moves_by_calendar_months_or_refuses(day, months):
    try:
        moved = add_months(day, months)
    except DomainError:
        tally.bad_input("domain:months")
        return
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == min(day.day, calendar.monthrange(moved.year, moved.month)[1])


@_settings()
@given(on=mostly(PAYMENT_DAYS, ANY_DATE, one_bad_in=10),
       income=mostly(st.integers(2_200_000, 46_000_000), ANY_INT, one_bad_in=10),
       months=mostly(st.sampled_from([1, 3, 6, 12]), ANY_INT, one_bad_in=10),
       group=mostly(st.sampled_from(list(SupportGroup)), st.text(max_size=20), one_bad_in=10),
       before=mostly(st.one_of(st.none(), st.integers(0, 130)), ANY_INT, one_bad_in=10),
       period=mostly(st.none(), ANY_DATE, one_bad_in=10),
       province=mostly(st.sampled_from([None, "01", "48"]), st.sampled_from(["99", "", "١"]), one_bad_in=10))
def test_a_vsi_quote_is_whole_vnd_with_supports_within_the_gross_or_refused(on, income, months, group, before,
                                                                           period, province):
    try:
        quote = quote_vsi(TABLE, on=on, monthly_income=income, months=months, group=group, period_from=period,
                          supported_months_before=before, province=province)
    except DomainError:
        tally.bad_input("domain:vsi-quote")
        return
    policy = TABLE.in_force(on)
    assert policy.vsi_income_floor <= income <= policy.vsi_income_ceiling
    assert all(type(v) is int for v in (quote.gross, quote.state_support, quote.local_support))
    assert 0 <= quote.state_support + quote.local_support <= quote.gross
    assert payable(quote) == quote.gross - quote.state_support - quote.local_support >= 0
    cap = policy.vsi_support_cap_months
    assert 0 <= quote.supported_months <= min(quote.months, cap - (before or 0) if (before or 0) <= cap else 0)


@_settings()
@given(on=mostly(PAYMENT_DAYS, ANY_DATE), members=mostly(st.integers(1, 12), ANY_INT),
       months=mostly(st.sampled_from([3, 6, 12]), ANY_INT))
def test_family_hi_follows_its_ladder_for_any_household_or_is_refused(on, members, months):
    try:
        quote = quote_family_hi(TABLE, on=on, members=members, months=months)
    except DomainError:
        tally.bad_input("domain:hi-quote")
        return
    assert 1 <= members <= MAX_HOUSEHOLD_MEMBERS and len(quote.members) == members
    amounts = [member.amount for member in quote.members]
    assert all(type(a) is int and a > 0 for a in amounts)
    assert amounts == sorted(amounts, reverse=True)  # no later member pays more than an earlier one
    assert len(set(amounts[len(TABLE.in_force(on).hi_ladder) - 1:])) <= 1  # the last step for all beyond


@_settings()
@given(paid_on=mostly(PAYMENT_DAYS, ANY_DATE), months=mostly(st.sampled_from([3, 6, 12]), st.sampled_from([0, -1, 10**30])),
       previous=mostly(st.one_of(st.none(), PAYMENT_DAYS), ANY_DATE))
def test_a_card_starts_no_earlier_than_the_old_one_ends_and_runs_its_months(paid_on, months, previous):
    try:
        card = family_hi_card_validity(TABLE, paid_on=paid_on, months=months, previous_card_end=previous)
    except DomainError:
        tally.bad_input("domain:card")
        return
    assert card.start >= paid_on or (previous is not None and card.start == previous + timedelta(days=1))
    if previous is not None and paid_on <= previous:
        assert card.start == previous + timedelta(days=1) and not card.waited
    assert card.end == add_months(card.start, months) - timedelta(days=1)


@_settings()
@given(on=PAYMENT_DAYS, income=st.integers(1_000_000, 60_000_000), months=st.sampled_from([1, 3, 6, 12]),
       group=st.sampled_from(list(SupportGroup)), before=st.integers(0, 130), province=st.sampled_from([None, "01", "48"]),
       change=st.sampled_from(["gross", "state_support", "local_support", "months", "supported_months"]),
       by=st.sampled_from([-1000, -1, 1, 1000, 10**9]))
def test_an_honest_vsi_payment_passes_the_money_rule_and_any_figure_changed_does_not(
        on, income, months, group, before, province, change, by):
    try:
        quote = quote_vsi(TABLE, on=on, monthly_income=income, months=months, group=group,
                          supported_months_before=before, province=province)
    except DomainError:
        return
    payment = vsi_payment(quote, enrolment_id="e", household_id="h", residence_province=province,
                          supported_months_before=before, payer_name="Lê Văn Tám", method=PaymentMethod.CASH,
                          amount_handed=payable(quote))
    assert check_figures(TABLE, payment) == []

    (item,) = payment.items
    lying = payment.__class__(**{**payment.__dict__, "items": (item.__class__(**{
        **item.__dict__, change: getattr(item, change) + by}),)})
    assert check_figures(TABLE, lying) != []
    tally.bad_input("domain:money-rule")


@_settings()
@given(text=st.text(max_size=40), symbol=st.from_regex(r"[A-Z0-9]{2,24}", fullmatch=True),
       year=st.integers(2000, 2099), number=st.integers(1, 9_999_999),
       foreign=st.text(alphabet=FOREIGN_DIGITS, min_size=1, max_size=7))
def test_receipt_numbers_round_trip_and_nothing_else_parses(text, symbol, year, number, foreign):
    written = format_receipt_number(symbol, year, number)
    assert str(parse_receipt_number(written)) == written
    with pytest.raises(DomainError):
        parse_receipt_number(written[:-len(foreign)] + foreign)  # digits int() reads, of another script
    try:
        parsed = parse_receipt_number(text)
    except DomainError:
        tally.bad_input("domain:receipt-number")
        return
    assert text.strip().upper() == str(parsed)


@_settings()
@given(text=st.one_of(st.text(max_size=20), st.text(alphabet="0123456789" + FOREIGN_DIGITS, min_size=12, max_size=12)),
       on=IN_SPAN)
def test_a_citizen_id_with_any_digit_of_another_script_is_refused(text, on):
    checked = check_citizen_id(text, on=on)
    if not text.isascii():
        assert checked.problems, text
        tally.bad_input("domain:citizen-id")
    elif not checked.problems:
        assert len(text) == 12 and text.isdigit()


@_settings()
@given(text=st.one_of(st.text(max_size=25), st.text(alphabet="+0123456789 " + FOREIGN_DIGITS, max_size=15),
                     st.from_regex(r"(0|\+84|84)[35789][0-9]{8}", fullmatch=True),
                     st.from_regex(r"0[35789][0-9]{2} ?[0-9]{3} ?[0-9]{3}", fullmatch=True)))
def test_a_phone_is_ten_ascii_digits_or_refused(text):
    national, problems = normalise_phone(text)
    if problems:
        assert national is None
        tally.bad_input("domain:phone")
    else:
        assert national is not None and national.isascii() and national.isdigit() and len(national) == 10


NAME_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"


@_settings()
@given(name=st.one_of(st.text(max_size=60),
                      st.lists(st.text(NAME_LETTERS + NAME_LETTERS.upper() + "-'", min_size=1, max_size=7),
                               min_size=1, max_size=5).map(" ".join),
                      st.lists(st.text(NAME_LETTERS + "=+@-'1\u200b\u202e\x1b;", min_size=1, max_size=7),
                               min_size=2, max_size=4).map(" ".join)))
def test_an_accepted_name_holds_letters_only_never_invisible_characters_or_digits(name):
    if check_full_name(name):
        tally.bad_input("domain:name")
        return
    assert not unsafe_characters(normalise_name(name))  # as it is stored
    assert not any(ch.isdigit() for ch in name)
    assert not any(ch in "=+@<>;|\"\\/(){}[]*%$#!?&" for ch in name)


@_settings()
@given(born=IN_SPAN, on=IN_SPAN)
def test_age_grows_by_one_each_birthday_and_is_never_negative_after_birth(born, on):
    age = age_on(born, on)
    if on >= born:
        assert age >= 0
        a_year_on = on + timedelta(days=366)
        if a_year_on <= LATEST_DATE:
            assert age_on(born, a_year_on) in (age + 1, age + 2)  # 366 days: one birthday, two only across 29/2
    else:
        assert age < 0 or (age == 0 and on.year == born.year)


@_settings()
@given(ends=ANY_DATE, on=st.dates(date(1, 1, 1), date(9999, 11, 30)))
def test_due_soon_is_exactly_the_next_thirty_days(ends, on):
    assert is_due_soon(ends, on=on) == (0 <= (ends - on).days <= DUE_SOON_DAYS)
