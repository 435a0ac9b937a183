"""Events: the one signal that tells pages what changed in the store, after any command or sync.

Pages subscribe to `changed` and refresh only what they show; nobody calls another page's refresh.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from collector_app.services.changes import Changes


class Events(QObject):
    changed = Signal(object)  # Changes: a frozenset of services.changes.Change, never empty

    def announce(self, changes: Changes) -> None:
        """Tell every page (on the GUI thread) that these kinds of data changed."""
        if changes:
            self.changed.emit(frozenset(changes))
