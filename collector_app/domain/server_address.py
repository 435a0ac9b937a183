"""The provincial server's address as a user types it (settings page, `enrol --server`, `sync --server`)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048  # the address browsers and proxies agree on

_SHAPE = re.compile(r"https?://[^\s/]+(/\S*)?", flags=re.ASCII)


def is_server_url(text: str) -> bool:
    """True for an http(s) address with a host, a port (if any) from 1 to 65535, and at most MAX_URL_LENGTH
    characters of ASCII without spaces: "https://bhxh.example.vn", "http://127.0.0.1:8000/api/v1"."""
    if len(text) > MAX_URL_LENGTH or not _SHAPE.fullmatch(text):
        return False
    try:
        parts = urlsplit(text)
        port = parts.port  # ValueError past 65535, or for a port that is not a number
    except ValueError:  # "http://[::1": an IPv6 address left open
        return False
    return bool(parts.hostname) and (port is None or port > 0)


def is_public_url(text: str) -> bool:
    """True for an address a receipt's QR code may start with (`domain.receipt_codes.verification_text`):
    a server address with no user, query or fragment, e.g. "https://bhxh.example.vn"."""
    if not is_server_url(text):
        return False
    parts = urlsplit(text)
    return not (parts.query or parts.fragment or "@" in parts.netloc)
