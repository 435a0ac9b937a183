"""Vietnamese display formats for amounts, counts and dates ("1.263.600 đ", "3.000", "05/03/2026"), through Babel.

One convention in both interface languages: amounts and counts are grouped the Vietnamese way
("1.263.600 đ", "3.000 people") in English too. The đồng amount on screen is the figure printed on
the receipt (a Vietnamese legal document whatever the interface language) and read out to the
payer, so it must look the same everywhere; a count beside it grouped the other way ("3,000 people"
beside "3.825.360 đ") would make one of them misread. So every figure the window, the CLI and the
receipts show goes through `format_vnd` or `format_count`, never through Babel with the interface's
locale or a Python format spec.

Outside `domain` on purpose: `domain` returns numbers and dates, the layers above show them.
"""

from __future__ import annotations

import decimal
import re
from datetime import date, datetime, timezone

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal

# Parsed once: Babel re-reads the locale data on every call given a string (~0.3 ms per receipt).
LOCALE = Locale.parse("vi_VN")
# Receipts in use write "1.263.600 đ" (domain.md §6.1). Babel's currency format for vi_VN is
# "1.263.600\xa0₫" (no-break space, the ₫ sign); we take only the grouped number from Babel and
# join the unit with an ordinary space, so text copied from the app, the CLI and extracted from
# receipt PDFs compares equal to what people type. Layouts that must not wrap between number and
# unit keep the amount in one cell.
_UNIT = " đ"
_DATE_PATTERN = "dd/MM/yyyy"
_DMY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def format_vnd(amount: int) -> str:
    """An integer VND amount with "." between thousands and " đ" after: 1263600 -> "1.263.600 đ"."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        # Money is int VND everywhere; a float here is a bug upstream, not something to round.
        raise TypeError(f"amount must be an int of VND, not {type(amount).__name__}")
    # Babel quantizes in the current decimal context (28 significant digits): an amount longer than
    # that, such as an income of 10**30 being refused, would raise instead of being shown.
    with decimal.localcontext() as context:
        context.prec += abs(amount).bit_length() * 3 // 10 + 1  # at least the amount's digits more
        return format_decimal(amount, locale=LOCALE) + _UNIT


def format_signed_vnd(amount: int) -> str:
    """A difference with its sign: "+20.000 đ" too much, "−50.000 đ" missing (a minus sign, not a hyphen), "0 đ"."""
    return ("+" if amount > 0 else "\u2212" if amount < 0 else "") + format_vnd(abs(amount))


def format_megabytes(size: int) -> str:
    """A file's size in megabytes (10^6 bytes), to a tenth, grouped as amounts are: 148212736 -> "148,2 MB"."""
    return f"{format_decimal(round(size / 1_000_000, 1), format='#,##0.0', locale=LOCALE)} MB"


def format_count(count: int) -> str:
    """A count grouped as amounts are, in every language: 3000 -> "3.000" (see the module docstring)."""
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError(f"count must be an int, not {type(count).__name__}")
    return format_decimal(count, locale=LOCALE)


def format_permille(permille: int) -> str:
    """Thousandths as a percentage with one decimal, the Vietnamese way in every language: 537 -> "53,7 %"."""
    if isinstance(permille, bool) or not isinstance(permille, int):
        raise TypeError(f"permille must be an int, not {type(permille).__name__}")
    sign = "-" if permille < 0 else ""
    whole, tenth = divmod(abs(permille), 10)
    return f"{sign}{format_count(whole)},{tenth} %"


def format_date(d: date) -> str:
    """A date as dd/mm/yyyy: date(2026, 3, 5) -> "05/03/2026"."""
    return babel_format_date(d, _DATE_PATTERN, locale=LOCALE)


def format_time(moment: datetime) -> str:
    """An instant as the local time then the date: "14:05 05/03/2026" (a naive time is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone()
    return f"{local:%H:%M} {format_date(local.date())}"


def parse_date(text: str) -> date:
    """Read "dd/mm/yyyy" (one-digit day and month allowed: "5/3/2026") or ISO "yyyy-mm-dd".

    Raises ValueError for anything else, including dates that do not exist (31/02/2026).
    """
    cleaned = text.strip()
    if match := _DMY.fullmatch(cleaned):
        day, month, year = (int(part) for part in match.groups())
    elif match := _ISO.fullmatch(cleaned):
        year, month, day = (int(part) for part in match.groups())
    else:
        raise ValueError(f"not a date in dd/mm/yyyy or yyyy-mm-dd form: {text!r}")
    return date(year, month, day)
