"""SyncIndicator: the status bar's permanent word on syncing (online or not, waiting, last sync, attention,
and a clock set wrong).

The texts are functions of the controller's state, shared with the Sync page. Clicking either part
(or Shift+F9, the window's action) opens the Sync page.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from collector_app.i18n import _, ngettext
from collector_app.services.sync import SyncStatus
from collector_app.ui.palette import SYNC_STATES, attention_style
from collector_app.services.syncing import not_enrolled_text
from collector_app.ui.sync_controller import SyncController, local_time_text

# A dot beside the words: the colour helps at a glance, the words carry the meaning.
DOT = "\u25cf"


def phase(controller: SyncController) -> str:
    """ "syncing", "online", "offline" or "idle" (not enrolled, or never tried)."""
    if controller.syncing:
        return "syncing"
    overview = controller.overview
    if overview is None or not overview.status.enrolled:
        return "idle"
    # Read after each attempt: whether the server answered it.
    return {True: "online", False: "offline", None: "idle"}[overview.status.online]


def phase_text(controller: SyncController) -> str:
    overview = controller.overview
    if controller.syncing:
        progress = controller.progress
        if progress is not None and progress[1] > 0:
            return _("Syncing: {done}/{total} batches…").format(done=progress[0], total=progress[1])
        return _("Syncing…")
    if overview is None:
        return _("Reading the sync figures…")
    if not overview.status.enrolled:
        return _("Not enrolled")
    state = phase(controller)
    if state == "online":
        return _("Online")
    if state == "offline":
        return _("Offline")
    return _("Not synced yet")


def waiting_text(status: SyncStatus) -> str:
    if status.pending_records:
        return _("Waiting: {batches} batches, {records} new records").format(
            batches=status.pending_batches, records=status.pending_records)
    return ngettext("Waiting: {n} batch", "Waiting: {n} batches", status.pending_batches).format(
        n=status.pending_batches)


def last_sync_text(status: SyncStatus) -> str:
    when = local_time_text(status.last_sync)
    return _("Last sync: {time}").format(time=when) if when else _("Last sync: never")


def attention_text(count: int) -> str:
    return ngettext("{n} record needs attention", "{n} records need attention", count).format(n=count)


def error_text(controller: SyncController) -> str | None:
    """Why the last sync did not go through, in plain language; None when it did."""
    outcome = controller.last_outcome
    if outcome is not None:
        return outcome.error
    overview = controller.overview
    return overview.status.last_error if overview is not None else None


class SyncIndicator(QWidget):
    page_requested = Signal()

    def __init__(self, controller: SyncController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.dot = QLabel(DOT)
        self.state_button = QToolButton()
        self.state_button.setAutoRaise(True)
        self.state_button.setAccessibleName(_("Sync status"))
        self.attention_button = QToolButton()
        self.attention_button.setAutoRaise(True)
        self.attention_button.setStyleSheet(attention_style("QToolButton", bold=True))
        self.attention_button.setAccessibleName(_("Records needing attention"))
        self.attention_button.hide()
        self.clock_label = QLabel()
        self.clock_label.setStyleSheet(attention_style("QLabel", bold=True))
        self.clock_label.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.dot)
        layout.addWidget(self.state_button)
        layout.addWidget(self.attention_button)
        layout.addWidget(self.clock_label)

        self.state_button.clicked.connect(self.page_requested)
        self.attention_button.clicked.connect(self.page_requested)
        controller.changed.connect(self._on_changed)
        self._on_changed()

    def text(self) -> str:
        """Everything the indicator says, as one line (for tests and screen readers)."""
        parts = [self.state_button.text()]
        if self.attention_button.isVisibleTo(self):
            parts.append(self.attention_button.text())
        if self.clock_label.isVisibleTo(self):
            parts.append(self.clock_label.text())
        return " · ".join(parts)

    @Slot()
    def _on_changed(self) -> None:
        controller = self._controller
        overview = controller.overview
        parts = [phase_text(controller)]
        if overview is not None and overview.status.enrolled:
            parts += [waiting_text(overview.status), last_sync_text(overview.status)]
        self.state_button.setText(" · ".join(parts))
        self.dot.setStyleSheet(f"color: {SYNC_STATES[phase(controller)]};")
        self.state_button.setToolTip(self._tooltip())
        count = overview.attention_count if overview is not None else 0
        self.attention_button.setText(attention_text(count))
        self.attention_button.setVisible(count > 0)
        warning = overview.status.clock_warning if overview is not None else None
        self.clock_label.setText(_("Clock wrong") if warning else "")
        self.clock_label.setToolTip(warning or "")
        self.clock_label.setVisible(warning is not None)
        self.setAccessibleDescription(self.text())

    def _tooltip(self) -> str:
        overview = self._controller.overview
        if overview is None:
            return ""
        if not overview.status.enrolled:
            return not_enrolled_text()
        lines = [_("Server: {url}").format(url=overview.status.server_url)]
        error = error_text(self._controller)
        if error:
            lines.append(error)
        lines.append(_("Click to open the Sync page (Shift+F9)."))
        return "\n".join(lines)
