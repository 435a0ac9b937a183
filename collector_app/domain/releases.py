"""App releases: how versions compare and what an installer's file name may be (shared with the server)."""

from __future__ import annotations

import re

VERSION_PARTS = 4  # 1.2.0, or 1.2.0.3 for a rebuilt installer
_VERSION = re.compile(r"[0-9]{1,6}(?:\.[0-9]{1,6}){1,%d}" % (VERSION_PARTS - 1))
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,127}")


def parse_version(text: str) -> tuple[int, ...] | None:
    """A release version, dotted whole numbers ("1.2.0"), as a tuple that compares in release order
    (trailing zeros dropped: 1.2 is 1.2.0); None for anything else ("1.2.0rc1", "unknown")."""
    if not (text.isascii() and _VERSION.fullmatch(text)):
        return None
    parts = [int(part) for part in text.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def is_newer(candidate: str, current: str) -> bool:
    """Whether release `candidate` comes after `current`; never when either is not a release version
    (a build run from a checkout, "unknown", is offered nothing)."""
    new, old = parse_version(candidate), parse_version(current)
    return new is not None and old is not None and new > old


def is_release_file_name(name: str) -> bool:
    """A plain file name (letters, digits, . _ + -), safe as a path part and a download's name."""
    return bool(name.isascii() and _FILE_NAME.fullmatch(name)) and name not in (".", "..") and ".." not in name
