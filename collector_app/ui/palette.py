"""The window's few colours, one name each: attention (a red that asks the user to act), the sync
states, the chosen person's highlight. Words always stand beside a colour; the colour only helps."""

from __future__ import annotations

from PySide6.QtGui import QColor

ATTENTION = "#b71c1c"  # records needing attention, a clock set wrong, a refusal, a damaged store
ATTENTION_BACKGROUND = "#fdecea"
NOTICE = "#1565c0"  # news that asks nothing at once (a new version of the app): a calm blue
NOTICE_BACKGROUND = "#e8f1fb"
SYNC_STATES = {"online": "#2e7d32", "offline": "#c62828", "syncing": "#1565c0", "idle": "#757575"}
# A person's cover (domain.coverage.CoverageState values), always beside the state's words. Dark enough
# to read on the chosen person's amber and on alternate rows; not enrolled keeps the normal text colour.
COVERAGE_STATES = {
    "paid_up": "#1b5e20",
    "due_soon": "#8d4a00",
    "overdue": ATTENTION,
    "lapsed": "#5d4037",
    "not_paid": "#8d4a00",
}
HIGHLIGHT = QColor("#fff1b8")
HIGHLIGHT_TEXT = QColor("#1a1a1a")  # dark themes draw light text, unreadable on amber


def attention_style(widget_class: str, *, bold: bool = False) -> str:
    """A style sheet that writes `widget_class`'s text in the attention red."""
    weight = " font-weight: bold;" if bold else ""
    return f"{widget_class} {{ color: {ATTENTION};{weight} }}"
