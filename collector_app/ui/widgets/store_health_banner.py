"""StoreHealthBanner: a band across the top of the main window when the data file is damaged (or could
not be checked), saying what happened and what to do. Hidden while the file is sound or being checked."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QStyle, QWidget

from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.i18n import _
from collector_app.messages import message
from collector_app.store.health import HealthReport
from collector_app.ui.palette import ATTENTION, ATTENTION_BACKGROUND

ICON_SIZE = 32
# Dark text on a pale red, with a red edge; the word "Warning" and the icon say it without colour.
BANNER_STYLE = (
    f"#storeHealthBanner {{ background: {ATTENTION_BACKGROUND}; border: 1px solid {ATTENTION}; border-radius: 4px; }}"
    "#storeHealthBanner QLabel { color: #1a1a1a; }"
)


class StoreHealthBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("storeHealthBanner")
        self.setStyleSheet(BANNER_STYLE)
        self.icon = QLabel()
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.icon.setPixmap(icon.pixmap(ICON_SIZE, ICON_SIZE))
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setAccessibleName(_("Warning about the data file"))

        self._plain = ""

        layout = QHBoxLayout(self)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)
        self.hide()

    def show_report(self, report: HealthReport, path: Path, *, hint: str | None = None,
                    audit: str | None = None) -> None:
        """The outcome of the store check: shown if the file is damaged (or its audit chain broken:
        `audit`, part B's sentence), hidden if it is sound; `hint` names the newest good backup and
        how to restore it."""
        if report.sound and audit is None:
            self.hide()
            return
        text = audit if report.sound and audit else message(Problem(ProblemCode.STORE_DAMAGED, {"path": str(path)}))
        self._show(f"{text} {hint}" if hint else text)

    def show_failure(self, error: Exception) -> None:
        """The check itself could not run (a disk error, say): what it found out instead."""
        text = str(error) if isinstance(error, DomainError) else _(
            "The data file could not be checked: {error}"
        ).format(error=error)
        self._show(text)

    @property
    def message_text(self) -> str:
        """What the banner says, as plain text (for tests and screen readers)."""
        return self._plain

    def _show(self, text: str) -> None:
        self._plain = f"{_('Warning:')} {text}"
        self.text.setText(f"<b>{escape(_('Warning:'))}</b> {escape(text)}")
        self.show()
