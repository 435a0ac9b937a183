"""AppContext: what every window and page needs, passed in through constructors (never a global)."""

from __future__ import annotations

from dataclasses import dataclass

from collector_app.store.db import Store
from collector_app.ui.events import Events
from collector_app.ui.tasks import TaskRunner


@dataclass(frozen=True)
class AppContext:
    store: Store
    runner: TaskRunner
    language: str  # "vi" or "en", as chosen at start-up (collector_app.i18n has switched to it)

    @property
    def events(self) -> Events:
        """What changed in the store, after any command (run by `runner`) or sync: pages subscribe."""
        return self.runner.events
