"""The names a device prints on receipts are text like any other: no invisible characters, no more than the wire carries."""

from __future__ import annotations

from pathlib import Path

import pytest

from collector_app import i18n
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.messages import message
from collector_app.services.device import set_up
from collector_app.store.device import this_device
from signing import open_test_store


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"point_name": "Điểm thu\u202e 1"}, Problem(ProblemCode.TEXT_UNSAFE_CHARACTERS,
                                                     {"field": "point_name", "characters": "U+202E"})),
        ({"organisation": "\x1b[2JBưu điện"}, Problem(ProblemCode.TEXT_UNSAFE_CHARACTERS,
                                                       {"field": "organisation", "characters": "U+001B"})),
        ({"form_number": "C45" * 10}, Problem(ProblemCode.TEXT_TOO_LONG,
                                              {"field": "form_number", "length": 30, "max_length": 20})),
    ],
    ids=["point-name-bidi", "organisation-escape", "form-number-long"],
)
def test_a_receipt_heading_with_hidden_characters_or_too_long_is_refused_and_nothing_changes(
    tmp_path: Path, changes: dict[str, str], expected: Problem
) -> None:
    with open_test_store(tmp_path / "store.sqlite3") as store:
        before = set_up(store)
        with pytest.raises(DomainError) as raised:
            set_up(store, **changes)

        assert raised.value.problems == [expected]
        assert this_device(store) == before


def test_the_message_names_the_field_in_the_current_language() -> None:
    problem = Problem(ProblemCode.TEXT_UNSAFE_CHARACTERS, {"field": "point_name", "characters": "U+202E"})
    before = i18n.language()
    try:
        i18n.set_language("vi")
        vietnamese = message(problem)
        i18n.set_language("en")
        english = message(problem)
    finally:
        i18n.set_language(before)

    assert vietnamese.startswith("Mục tên điểm thu có ký tự ẩn") and "U+202E" in vietnamese
    assert english.startswith("The collection point name holds invisible")
