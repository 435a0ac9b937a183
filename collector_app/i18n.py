"""Translations: gettext-style `_()` over Babel-read catalogs; English source strings, Vietnamese default.

Catalogs are read straight from the `.po` files in `resources/translations/` (no compile step is
needed to run from a checkout). `set_language("en")` switches every later `_()` call.
"""

from __future__ import annotations

import os
from functools import cache

from babel.messages.pofile import read_po

from collector_app.paths import resource_path

DOMAIN = "collector_app"
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

_current = os.environ.get("COLLECTOR_APP_LANG", DEFAULT_LANGUAGE)


@cache
def _catalog(language: str) -> dict[str, str | tuple[str, ...]]:
    po_file = resource_path(f"translations/{language}/LC_MESSAGES/{DOMAIN}.po")
    if not po_file.exists():
        return {}
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    entries: dict[str, str | tuple[str, ...]] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, (tuple, list)):
            if isinstance(message.string, (tuple, list)) and all(message.string):
                entries[message.id[0]] = tuple(message.string)
        elif isinstance(message.string, str) and message.string:
            entries[message.id] = message.string
    return entries


def set_language(language: str) -> None:
    global _current
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language: {language}")
    _current = language


def language() -> str:
    return _current if _current in LANGUAGES else DEFAULT_LANGUAGE


def _(message: str) -> str:
    translated = _catalog(language()).get(message)
    return translated if isinstance(translated, str) else message


def ngettext(singular: str, plural: str, n: int) -> str:
    translated = _catalog(language()).get(singular)
    if isinstance(translated, tuple):
        # Vietnamese has one plural form; English catalogs fall through to the source strings.
        return translated[0] if len(translated) == 1 else translated[0 if n == 1 else 1]
    return singular if n == 1 else plural


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, when shown."""
    return message
