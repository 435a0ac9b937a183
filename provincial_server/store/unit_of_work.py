"""The unit of work: one transaction with every repository bound to it; rolls back unless committed."""

from __future__ import annotations

from contextlib import ExitStack
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, RootTransaction

from provincial_server.store.batches import Batches
from provincial_server.store.chains import Chains
from provincial_server.store.dashboard import Dashboard
from provincial_server.store.days import Days
from provincial_server.store.db import Database
from provincial_server.store.facilities import Facilities
from provincial_server.store.feed import Feed
from provincial_server.store.keys import ServerKeys
from provincial_server.store.ledger import CommissionQueries, Ledger
from provincial_server.store.points import Points
from provincial_server.store.progress import ProgressData
from provincial_server.store.recovery import Recovery
from provincial_server.store.releases import Releases
from provincial_server.store.supervisors import Supervisors
from provincial_server.store.targets import Targets


class UnitOfWork:
    """`with UnitOfWork(db) as uow: ...; uow.commit()`. `write=False` for reads (SQLite: no write lock)."""

    points: Points
    supervisors: Supervisors
    batches: Batches
    chains: Chains
    ledger: Ledger
    commission: CommissionQueries
    feed: Feed
    keys: ServerKeys
    facilities: Facilities
    recovery: Recovery
    targets: Targets
    progress: ProgressData
    dashboard: Dashboard
    days: Days
    releases: Releases

    def __init__(self, database: Database, *, write: bool = True) -> None:
        self._database = database
        self._write = write
        self._stack = ExitStack()
        self._transaction: RootTransaction | None = None

    def __enter__(self) -> Self:
        connection: Connection = self._stack.enter_context(self._database.connect(write=self._write))
        self._transaction = connection.begin()
        self.points = Points(connection)
        self.supervisors = Supervisors(connection)
        self.batches = Batches(connection)
        self.chains = Chains(connection)
        self.ledger = Ledger(connection)
        self.commission = CommissionQueries(connection)
        self.feed = Feed(connection)
        self.keys = ServerKeys(connection)
        self.facilities = Facilities(connection)
        self.recovery = Recovery(connection)
        self.targets = Targets(connection)
        self.progress = ProgressData(connection)
        self.dashboard = Dashboard(connection)
        self.days = Days(connection)
        self.releases = Releases(connection)
        return self

    def another(self, *, write: bool) -> UnitOfWork:
        """A unit of work of its own on the same database (for a write after a read, say)."""
        return UnitOfWork(self._database, write=write)

    def commit(self) -> None:
        assert self._transaction is not None, "commit() outside `with`"
        self._transaction.commit()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        try:
            if self._transaction is not None and self._transaction.is_active:
                self._transaction.rollback()
        finally:
            self._transaction = None
            self._stack.close()
