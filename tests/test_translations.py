"""Every user-facing string has a Vietnamese translation, and every problem code has a message."""

from __future__ import annotations

import string
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from collector_app import i18n
from collector_app.domain.problems import ProblemCode
from collector_app.messages import TEMPLATES

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "resources/translations/vi/LC_MESSAGES/collector_app.po"


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _vietnamese() -> dict[str, str]:
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="vi")
    return {m.id if isinstance(m.id, str) else m.id[0]: m.string if isinstance(m.string, str) else m.string[0]
            for m in catalog if m.id and m.string and not m.fuzzy}


def _used_strings() -> set[str]:
    found = extract_from_dir(str(ROOT / "collector_app"), method_map=[("**.py", "python")],
                             keywords={"_": None, "N_": None, "ngettext": (1, 2)})
    return {message if isinstance(message, str) else message[0] for _, _, message, _, _ in found}


def test_every_string_shown_to_users_has_a_vietnamese_translation():
    missing = sorted(_used_strings() - set(_vietnamese()))
    assert missing == []


def test_translations_keep_the_same_placeholders():
    wrong = [msgid for msgid, translated in _vietnamese().items() if _placeholders(msgid) != _placeholders(translated)]
    assert wrong == []


def test_every_problem_code_has_a_message_template():
    assert set(ProblemCode) - set(TEMPLATES) == set()


def test_vietnamese_is_the_default_and_english_is_available():
    assert i18n.DEFAULT_LANGUAGE == "vi"
    assert set(i18n.LANGUAGES) == {"vi", "en"}
