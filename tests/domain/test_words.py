"""Amounts in Vietnamese words (domain.md §6.2), checked against the table and by parsing them back."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from collector_app.domain.words import amount_in_words

# domain.md §6.2, every row.
DOMAIN_TABLE = [
    (1_263_600, "Một triệu hai trăm sáu mươi ba nghìn sáu trăm đồng"),
    (884_520, "Tám trăm tám mươi tư nghìn năm trăm hai mươi đồng"),
    (505_440, "Năm trăm linh năm nghìn bốn trăm bốn mươi đồng"),
    (1_366_200, "Một triệu ba trăm sáu mươi sáu nghìn hai trăm đồng"),
    (819_720, "Tám trăm mười chín nghìn bảy trăm hai mươi đồng"),
    (330_000, "Ba trăm ba mươi nghìn đồng"),
    (264_000, "Hai trăm sáu mươi tư nghìn đồng"),
    (4_043_520, "Bốn triệu không trăm bốn mươi ba nghìn năm trăm hai mươi đồng"),
    (2_024_015, "Hai triệu không trăm hai mươi tư nghìn không trăm mười lăm đồng"),
    (1_001_000, "Một triệu không trăm linh một nghìn đồng"),
]

# stack-notes.md: the amounts num2words gets wrong, and the small-number rules.
TRAPS = [
    (105_300, "Một trăm linh năm nghìn ba trăm đồng"),
    (1005, "Một nghìn không trăm linh năm đồng"),
    (1040, "Một nghìn không trăm bốn mươi đồng"),
    (2024, "Hai nghìn không trăm hai mươi tư đồng"),
    (1_050_000, "Một triệu không trăm năm mươi nghìn đồng"),
    (1_000_001, "Một triệu không trăm linh một đồng"),
    (2_015_000, "Hai triệu không trăm mười lăm nghìn đồng"),
    (3_005_000_000, "Ba tỷ không trăm linh năm triệu đồng"),
    (121, "Một trăm hai mươi mốt đồng"),
    (115, "Một trăm mười lăm đồng"),
    (125, "Một trăm hai mươi lăm đồng"),
    (10, "Mười đồng"),
    (11, "Mười một đồng"),
    (14, "Mười bốn đồng"),
    (15, "Mười lăm đồng"),
    (21, "Hai mươi mốt đồng"),
    (24, "Hai mươi tư đồng"),
    (25, "Hai mươi lăm đồng"),
    (101, "Một trăm linh một đồng"),
    (104, "Một trăm linh bốn đồng"),
    (105, "Một trăm linh năm đồng"),
    (110, "Một trăm mười đồng"),
    (1_000_000_000_000, "Một nghìn tỷ đồng"),
    (1_000_000_000_005, "Một nghìn tỷ không trăm linh năm đồng"),
    (1_005_000_000_000, "Một nghìn không trăm linh năm tỷ đồng"),
    (2_000_001_000_000, "Hai nghìn tỷ không trăm linh một triệu đồng"),
]


@pytest.mark.parametrize(("amount", "words"), DOMAIN_TABLE + TRAPS)
def test_amount_is_written_in_words_as_on_receipts(amount: int, words: str) -> None:
    assert amount_in_words(amount) == words


def test_zero_is_khong_dong() -> None:
    assert amount_in_words(0) == "Không đồng"


def test_negative_amount_is_refused() -> None:
    with pytest.raises(ValueError):
        amount_in_words(-1)


def test_the_largest_amount_below_a_million_billion_is_written_out() -> None:
    assert amount_in_words(10**15 - 1) == (
        "Chín trăm chín mươi chín nghìn chín trăm chín mươi chín tỷ "
        "chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn "
        "chín trăm chín mươi chín đồng"
    )


# --- an independent reading of the words back into a number ----------------------------------------

_DIGIT_WORDS = {
    "không": 0,
    "một": 1,
    "mốt": 1,
    "hai": 2,
    "ba": 3,
    "bốn": 4,
    "tư": 4,
    "năm": 5,
    "lăm": 5,
    "sáu": 6,
    "bảy": 7,
    "tám": 8,
    "chín": 9,
}
_SCALES = {"nghìn": 10**3, "triệu": 10**6, "tỷ": 10**9}


def parse_words(text: str) -> int:
    """Read "Một nghìn tỷ không trăm linh năm đồng" back as 1000000000005."""
    assert text.endswith(" đồng")
    tokens = text.removesuffix(" đồng").lower().split(" ")
    # (value, scale) of the parts read so far; a bigger scale word swallows the smaller parts
    # before it, which is how "nghìn tỷ" comes to mean 10^12.
    parts: list[tuple[int, int]] = []
    small, pending = 0, None
    for token in tokens:
        if token in _DIGIT_WORDS:
            assert pending is None, text
            pending = _DIGIT_WORDS[token]
        elif token == "trăm":
            assert pending is not None, text
            small, pending = small + pending * 100, None
        elif token == "mươi":
            assert pending is not None and pending >= 2, text
            small, pending = small + pending * 10, None
        elif token == "mười":
            assert pending is None, text
            small += 10
        elif token == "linh":
            assert pending is None and small % 100 == 0, text
        elif token in _SCALES:
            scale = _SCALES[token]
            value = small + (pending or 0)
            small, pending = 0, None
            while parts and parts[-1][1] < scale:
                value += parts.pop()[0]
            parts.append((value * scale, scale))
        else:
            raise AssertionError(f"unexpected word {token!r} in {text!r}")
    return sum(value for value, _ in parts) + small + (pending or 0)


def test_the_reference_parser_reads_the_domain_table() -> None:
    # So that the round trip below checks something: the parser agrees with hand-checked rows.
    for amount, words in DOMAIN_TABLE + TRAPS:
        assert parse_words(words) == amount


def _follows(tokens: list[str], word: str, allowed_before: set[str]) -> bool:
    return all(tokens[i - 1] in allowed_before for i, token in enumerate(tokens) if token == word and i)


@given(st.integers(min_value=0, max_value=10**18 - 1))
@example(10**12)
@example(10**15)
@example(10**15 - 1)
@example(1_000_000_001_000)
def test_any_amount_reads_back_as_itself_and_follows_the_spelling_rules(amount: int) -> None:
    text = amount_in_words(amount)
    tokens = text.removesuffix(" đồng").lower().split(" ")

    assert parse_words(text) == amount
    assert text[0].isupper() and text[1:] == text[1:].lower()
    assert "  " not in text
    # mốt and tư only after "mươi"; lăm only after "mười"/"mươi"; linh only after "trăm".
    assert _follows(tokens, "mốt", {"mươi"})
    assert _follows(tokens, "tư", {"mươi"})
    assert _follows(tokens, "lăm", {"mười", "mươi"})
    assert _follows(tokens, "linh", {"trăm"})
    assert tokens[0] not in {"mốt", "tư", "lăm", "linh"}
    # "không" only as "không trăm" inside a number, or alone for zero.
    if amount:
        assert tokens[0] != "không"
        assert all(tokens[i + 1] == "trăm" for i, token in enumerate(tokens) if token == "không")
    # Inside a number, every group after the first is read with its hundreds ("không trăm").
    for i, token in enumerate(tokens[:-1]):
        if token in _SCALES and tokens[i + 1] not in _SCALES:
            assert tokens[i + 2] == "trăm", text
