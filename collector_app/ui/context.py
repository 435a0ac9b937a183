"""AppContext: what every window and page needs, passed in through constructors (never a global)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from collector_app.services.device import acting_user
from collector_app.store.db import Store
from collector_app.store.users import User
from collector_app.ui.events import Events
from collector_app.ui.tasks import TaskRunner


@dataclass(frozen=True)
class RestoreRequest:
    """A restore confirmed on the Settings page: done by `ui.app.run` once the window has closed the store."""

    backup: Path
    actor: User


@dataclass
class Session:
    """Who is signed in to the window; another user may sign in without closing it."""

    user: User | None = None
    restore: RestoreRequest | None = None


@dataclass(frozen=True)
class AppContext:
    store: Store
    runner: TaskRunner
    language: str  # "vi" or "en", as chosen at start-up (collector_app.i18n has switched to it)
    session: Session = field(default_factory=Session)

    @property
    def events(self) -> Events:
        """What changed in the store, after any command (run by `runner`) or sync: pages subscribe."""
        return self.runner.events

    @property
    def user(self) -> User:
        """The signed-in user: the actor of every record the window makes."""
        if self.session.user is None:
            self.session.user = acting_user(self.store)
        return self.session.user
