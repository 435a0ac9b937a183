"""Folding Vietnamese text for accent- and case-insensitive matching, which characters text may hold,
and which digits a number may be written with."""

from __future__ import annotations

import unicodedata

from collector_app.domain.problems import Problem, ProblemCode

# Đ/đ are letters of their own, not D plus a combining mark, so NFD leaves them alone.
_LETTERS_WITHOUT_MARKS = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lower-case `text`, drop combining marks and map đ to d; collapse runs of spaces.

    "Đặng  Thị HẰNG" -> "dang thi hang".
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_LETTERS_WITHOUT_MARKS))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def normalise_name(text: str) -> str:
    """Composed (NFC) form with single spaces: how names are stored and shown."""
    return " ".join(unicodedata.normalize("NFC", text).split())


# Characters no name, address, reason or code may hold: controls (ESC sequences, NUL, line breaks),
# format characters (bidirectional overrides and isolates, zero-width spaces and joiners, the BOM,
# soft hyphens), surrogates, private-use and unassigned code points, and line or paragraph
# separators. They are invisible or reorder what is shown, so a printed receipt or a list could
# say something other than what was stored.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def unsafe_characters(text: str) -> list[str]:
    """The distinct characters of `text` that stored text may not hold, in order of appearance."""
    found: dict[str, None] = {}
    for ch in text:
        if unicodedata.category(ch) in _UNSAFE_CATEGORIES:
            found.setdefault(ch)
    return list(found)


def describe_characters(characters: list[str]) -> str:
    """Invisible characters named so that a message can show them: "U+202E, U+0000"."""
    return ", ".join(f"U+{ord(ch):04X}" for ch in characters)


def strip_unsafe(text: str) -> str:
    """`text` without the characters `unsafe_characters` finds (tabs and line breaks become spaces)."""
    spaced = text.replace("\t", " ").replace("\r", " ").replace("\n", " ")
    return "".join(ch for ch in spaced if unicodedata.category(ch) not in _UNSAFE_CATEGORIES)


# Full-width digits (U+FF10-FF19) are what East Asian input methods type for 0-9: they mean exactly
# 0-9, so numeric fields read them as such. Digits of other scripts are refused, not read: Python's
# int() takes Arabic-Indic "١" as 1, but a person reading a receipt or a list would not.
_FULL_WIDTH_DIGITS = str.maketrans({chr(0xFF10 + digit): str(digit) for digit in range(10)})


def fold_digits(text: str) -> str:
    """`text` with full-width digits ０-９ as ASCII 0-9; every other character unchanged."""
    return text.translate(_FULL_WIDTH_DIGITS)


def foreign_digits(text: str) -> list[str]:
    """The distinct digits of `text` other than 0-9 and full-width ０-９, in order of appearance.

    Arabic-Indic "١", Devanagari "१", superscript "²" and the like: a numeric field refuses them.
    """
    found: dict[str, None] = {}
    for ch in fold_digits(text):
        if (ch.isdigit() or unicodedata.category(ch) == "Nd") and not "0" <= ch <= "9":
            found.setdefault(ch)
    return list(found)


def check_text(value: str, *, field: str, max_length: int) -> list[Problem]:
    """Problems of a text field: characters it may not hold (TEXT_UNSAFE_CHARACTERS) and length (TEXT_TOO_LONG).

    `field` names it in the message (`collector_app.messages.FIELD_LABELS`); `max_length` is the
    field's limit on the wire (`collector_app.wire.TextLimits`), passed in by the caller.
    """
    problems: list[Problem] = []
    if bad := unsafe_characters(value):
        problems.append(Problem(ProblemCode.TEXT_UNSAFE_CHARACTERS,
                                {"field": field, "characters": describe_characters(bad)}))
    if len(value) > max_length:
        problems.append(Problem(ProblemCode.TEXT_TOO_LONG,
                                {"field": field, "length": len(value), "max_length": max_length}))
    return problems


def _escaped(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def escape_unsafe(text: str, *, keep: str = "") -> str:
    """`text` with every character `unsafe_characters` finds (but those in `keep`) written as an escape.

    What is typed or stored is shown, never obeyed: ESC becomes "\\x1b", a right-to-left override
    U+202E "\\u202e", an undecodable byte 0xFF "\\xff" (on a terminal or in a window alike).
    """
    bad = set(unsafe_characters(text)) - set(keep)
    return "".join(_escaped(ch) if ch in bad else ch for ch in text) if bad else text


# A spreadsheet (Excel, LibreOffice, Google Sheets) reads a cell that starts with one of these as a
# formula: "=HYPERLINK(…)" links anywhere, "+cmd|' /C calc'!A0" once ran programs through DDE,
# "@SUM(…)" and "-2+3" compute. The full-width forms are read alike by some of them, and a leading
# tab or carriage return hides the sign from a reader that trims.
FORMULA_STARTS = frozenset("=+-@\t\r＝＋－＠")


def spreadsheet_cell(text: str) -> str:
    """`text` as a CSV or XLSX cell that a spreadsheet shows as text, never runs as a formula.

    A value starting with a formula sign gets a leading apostrophe (the OWASP advice: the spreadsheet
    shows the text as it was, without the apostrophe); every other value is unchanged. Every writer
    of a CSV or XLSX file passes each text cell through this (tests/badinput/test_exports.py checks).
    """
    return "'" + text if text[:1] in FORMULA_STARTS else text
