"""What every route may depend on: the server context, a fresh unit of work, and who is calling."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from collector_app.wire import ErrorCode
from provincial_server.clock import utc_now
from provincial_server.services.auth import (
    Caller,
    DeviceCaller,
    SupervisorCaller,
    identify,
    note_seen,
    seen_is_due,
)
from provincial_server.services.dashboard import DashboardCache
from provincial_server.services.errors import Forbidden
from provincial_server.services.policy import PolicyTables
from provincial_server.services.progress import Refresher
from provincial_server.settings import ServerSettings
from provincial_server.store.db import Database
from provincial_server.store.points import DeviceRow
from provincial_server.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ServerContext:
    """Shared by the requests of one worker process; holds no per-request state."""

    database: Database
    settings: ServerSettings
    policies: PolicyTables
    refresher: Refresher  # computes the progress figures a batch moved, off its request
    dashboard: DashboardCache = field(default_factory=DashboardCache)  # figures kept per worker

    def uow(self, *, write: bool = True) -> UnitOfWork:
        return UnitOfWork(self.database, write=write)


def server_context(request: Request) -> ServerContext:
    context = request.app.state.context
    assert isinstance(context, ServerContext)
    return context


Context = Annotated[ServerContext, Depends(server_context)]

_bearer = HTTPBearer(auto_error=False, description="A device token (enrolment) or a supervisor token (login).")


def caller(context: Context,
           credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]) -> Caller:
    token = credentials.credentials if credentials is not None else None
    now = utc_now()
    who = identify(context.uow(write=False), token, now=now)
    if isinstance(who, DeviceCaller) and seen_is_due(who.device, now=now):
        assert token is not None
        note_seen(context.uow(), token, now=now)  # a write of its own, once a minute: identify only reads
    return who


def device_caller(who: Annotated[Caller, Depends(caller)]) -> DeviceRow:
    if not isinstance(who, DeviceCaller):
        raise Forbidden(ErrorCode.AUTH_WRONG_ROLE, "this call is for enrolled devices")
    return who.device


def supervisor_caller(who: Annotated[Caller, Depends(caller)]) -> SupervisorCaller:
    if not isinstance(who, SupervisorCaller):
        raise Forbidden(ErrorCode.AUTH_WRONG_ROLE, "this call is for supervisors")
    return who


def supervisor_token(_who: Annotated[SupervisorCaller, Depends(supervisor_caller)],
                     credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]) -> str:
    """The token of the supervisor's session making the call (identified by it, so present)."""
    assert credentials is not None
    return credentials.credentials


def public_url(request: Request, context: Context) -> str:
    """The province's public address for checking receipts: `--public-url`, else the address this
    request reached the server at (without /api/v1)."""
    return context.settings.public_url or str(request.base_url).rstrip("/")


PublicUrl = Annotated[str, Depends(public_url)]
AnyCaller = Annotated[Caller, Depends(caller)]
Device = Annotated[DeviceRow, Depends(device_caller)]
Supervisor = Annotated[SupervisorCaller, Depends(supervisor_caller)]
SupervisorToken = Annotated[str, Depends(supervisor_token)]
