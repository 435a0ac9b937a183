"""A from–to pair of typed dates (dd/mm/yyyy, either may be left empty), as the supervisors' filters take them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from collector_app.formatting import format_date, parse_date
from collector_app.i18n import _

DATE_PADDING_PX = 16  # the frame and margins of a line edit


def date_edit() -> QLineEdit:
    """A line edit wide enough for a date or its hint, and no wider."""
    edit = QLineEdit()
    edit.setPlaceholderText(_("dd/mm/yyyy"))
    widest = max(edit.fontMetrics().horizontalAdvance(text) for text in (edit.placeholderText(), "00/00/0000"))
    edit.setMinimumWidth(widest + DATE_PADDING_PX)
    return edit


def read_date_range(start: QLineEdit, end: QLineEdit, say: Callable[[str], None]
                    ) -> tuple[date | None, date | None] | None:
    """The two dates (None where left empty); None after saying what is wrong, the field at fault focused."""
    dates: list[date | None] = []
    for edit, name in ((start, _("from")), (end, _("to"))):
        text = edit.text().strip()
        try:
            dates.append(parse_date(text) if text else None)
        except ValueError:
            say(_("The date “{name}” is not a date: type it as dd/mm/yyyy, e.g. {example}.").format(
                name=name, example=format_date(date(2026, 3, 5))))
            edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return None
    first, last = dates
    if first is not None and last is not None and first > last:
        say(_("The first date is after the second: swap them."))
        return None
    return first, last
