"""Digits in numeric fields: full-width ones read as 0-9, other scripts' refused (domain.text)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector_app.domain.text import fold_digits, foreign_digits


def test_full_width_digits_fold_to_ascii_and_nothing_else_changes():
    assert fold_digits("０９１２ ３４５ ６７８") == "0912 345 678"
    assert fold_digits("Nguyễn ١ ²") == "Nguyễn ١ ²"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("١", ["١"]),  # Arabic-Indic one: int() reads it as 1
        ("12३4", ["३"]),  # Devanagari three
        ("x²", ["²"]),  # a superscript is a digit to str.isdigit()
        ("۱۲۱", ["۱", "۲"]),  # Extended Arabic-Indic, each once, in order
        ("０１２", []),
        ("2026-08-01", []),
    ],
)
def test_digits_of_other_scripts_are_found_in_order_of_appearance(text, found):
    assert foreign_digits(text) == found


@given(st.text())
def test_after_folding_every_digit_int_would_read_is_ascii_or_reported(text):
    folded = fold_digits(text)
    reported = set(foreign_digits(text))
    assert all("0" <= ch <= "9" or ch in reported for ch in folded if ch.isdigit())
