"""Amounts of money in Vietnamese words, as written on receipts (domain.md §6.2).

"Một triệu không trăm linh một nghìn đồng": nghìn / triệu / tỷ, "linh" for a zero tens digit,
"không trăm" for a zero hundreds digit inside a number, mốt / tư / lăm after "mươi".
"""

from __future__ import annotations

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_BILLION = 1_000_000_000
# Below a billion the groups of three digits are named; above it the count of billions is read
# as a number of its own followed by "tỷ", which gives "nghìn tỷ" for 10^12 and "triệu tỷ" for 10^15.
_GROUP_NAMES = ("triệu", "nghìn", "")


def amount_in_words(amount: int) -> str:
    """`amount` VND in words, capitalised and ending in "đồng": 1263600 -> "Một triệu hai trăm … đồng"."""
    if amount < 0:
        raise ValueError(f"amount must not be negative: {amount}")
    words = _number_words(amount, leading=True) if amount else ["không"]
    text = " ".join([*words, "đồng"])
    return text[0].upper() + text[1:]


def _number_words(n: int, *, leading: bool) -> list[str]:
    """Words for 0 < n; `leading` is false when higher digits have already been read."""
    words: list[str] = []
    if n >= _BILLION:
        billions, rest = divmod(n, _BILLION)
        words += [*_number_words(billions, leading=leading), "tỷ"]
        if rest:
            words += _number_words(rest, leading=False)
        return words
    groups = (n // 1_000_000, n // 1000 % 1000, n % 1000)
    for group, name in zip(groups, _GROUP_NAMES):
        if group == 0:
            # All-zero groups are skipped: 1.000.001 is "một triệu không trăm linh một".
            continue
        words += _three_digits(group, full=not leading)
        if name:
            words.append(name)
        leading = False
    return words


def _three_digits(n: int, *, full: bool) -> list[str]:
    """Words for 0 < n < 1000; `full` reads a zero hundreds digit ("không trăm linh năm")."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or full:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append("linh")
            words.append(_DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else _DIGITS[units])
    else:
        words += [_DIGITS[tens], "mươi"]
        if units:
            words.append({1: "mốt", 4: "tư", 5: "lăm"}.get(units, _DIGITS[units]))
    return words
