"""SyncIndicator: the status bar's permanent word on syncing (online or not, receipts not sent yet, last
sync, attention, and a clock set wrong); batches and other technical terms stay on the Sync page's details.

The texts are functions of the controller's state, shared with the Sync page. Clicking either part
(or Shift+F9, the window's action) opens the Sync page.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from collector_app.formatting import format_count, format_vnd
from collector_app.i18n import _, ngettext
from collector_app.services.sync import SyncStatus
from collector_app.store.outbox import Unsent
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
            return _("Syncing… {done}/{total}").format(done=progress[0], total=progress[1])
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
    """ "Not sent: 12 receipts", or "All sent": what the province does not have yet, in receipts."""
    unsent = status.unsent
    if unsent.nothing:
        return _("All sent")
    if unsent.payments:
        return ngettext("Not sent: {n} receipt", "Not sent: {n} receipts", unsent.payments).format(
            n=format_count(unsent.payments))
    return _("Not sent: other changes")


def unsent_text(unsent: Unsent) -> str:
    """The Sync page's headline: "Not yet sent to the province: 12 receipts, 3.825.360 đ (1 void, 2 copies)"."""
    if unsent.nothing:
        return _("Everything has been sent to the province.")
    text = ngettext("Not yet sent to the province: {n} receipt, {amount}",
                    "Not yet sent to the province: {n} receipts, {amount}", unsent.payments).format(
        n=format_count(unsent.payments), amount=format_vnd(unsent.amount))
    extra = []
    if unsent.voids:
        extra.append(ngettext("{n} receipt voided", "{n} receipts voided", unsent.voids).format(
            n=format_count(unsent.voids)))
    if unsent.reprints:
        extra.append(ngettext("{n} copy reprinted", "{n} copies reprinted", unsent.reprints).format(
            n=format_count(unsent.reprints)))
    if unsent.other:
        extra.append(ngettext("{n} change to households or people", "{n} changes to households or people",
                              unsent.other).format(n=format_count(unsent.other)))
    return text + (" " + _("(and {items})").format(items=", ".join(extra)) if extra else "")


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

    def __init__(self, controller: SyncController, parent: QWidget | None = None, *, store_file: str = "") -> None:
        """`store_file`: a line naming the store's file, for the tooltip (the status bar has no room for it)."""
        super().__init__(parent)
        self._controller = controller
        self._store_file = store_file
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
        lines: list[str] = []
        if overview is not None and not overview.status.enrolled:
            lines.append(not_enrolled_text())
        elif overview is not None:
            lines.append(_("Server: {url}").format(url=overview.status.server_url))
            error = error_text(self._controller)
            if error:
                lines.append(error)
            lines.append(_("Click to open the Sync page (Shift+F9)."))
        if self._store_file:
            lines.append(self._store_file)
        return "\n".join(lines)
