"""Initial health-care facilities (nơi đăng ký KCB ban đầu): the form of a facility code.

A code is what the provincial server's list gives (official codes are five digits, province first);
sample data uses codes that cannot be mistaken for official ones ("MAU-..."). Pure: no I/O.
"""

from __future__ import annotations

import re

FACILITY_CODE_MAX = 20
"""The longest facility code, in characters (also `wire.TextLimits.FACILITY_CODE`)."""
_CODE = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")


def normalise_facility_code(text: str) -> str:
    """A code as typed or read from a file (spaces around, any case) in its stored form."""
    return text.strip().upper()


def is_facility_code(code: str) -> bool:
    """Whether `code` (normalised) is a facility code: Latin capitals and digits, groups joined by
    single hyphens, at most FACILITY_CODE_MAX characters ("01001", "MAU-79-003")."""
    return len(code) <= FACILITY_CODE_MAX and code.isascii() and _CODE.fullmatch(code) is not None
