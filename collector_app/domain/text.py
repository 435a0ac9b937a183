"""Folding Vietnamese text for accent- and case-insensitive matching."""

from __future__ import annotations

import unicodedata

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
