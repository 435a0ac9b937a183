"""The FastAPI application: `create_app(settings)` wires the database, the routes and the error shape.

`app_from_environment` is the factory uvicorn workers call (`provincial-server serve` sets the
environment they read).
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from collector_app.wire import API_PREFIX
from provincial_server.api import (
    batches,
    dashboard,
    devices,
    progress,
    receipts,
    recovery,
    rounds,
    supervisors,
    verify_page,
)
from provincial_server.api.deps import ServerContext
from provincial_server.api.errors import install_error_handlers
from provincial_server.api.limits import BodySizeLimit, TokenBuckets
from provincial_server.clock import utc_now
from provincial_server.schemas import SealedBatchModel
from provincial_server.services.dashboard import vietnam_month
from provincial_server.services.keys import ensure_server_keys
from provincial_server.services.progress import Refresher
from provincial_server.services.policy import PolicyTables
from provincial_server.settings import ServerSettings
from provincial_server.store.db import open_database
from provincial_server.store.unit_of_work import UnitOfWork

VERSION = "1.0.0"


def create_app(settings: ServerSettings) -> FastAPI:
    """The server for `settings`: opens (on SQLite, creates or upgrades) the database first."""
    database = open_database(settings.database_url, pool_size=settings.pool_size)
    ensure_server_keys(UnitOfWork(database), now=utc_now())
    refresher = Refresher(lambda: UnitOfWork(database), lambda: vietnam_month(utc_now())[0])

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        refresher.start()
        yield
        database.dispose()

    app = FastAPI(
        title="Provincial server",
        version=VERSION,
        summary="Sealed batches from collection devices, per-record answers, supervisors' review.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.context = ServerContext(database=database, settings=settings, policies=PolicyTables(),
                                      refresher=refresher)
    app.state.checks = TokenBuckets(settings.checks_per_minute)  # the public receipt page's rate limit
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    api = APIRouter(prefix=API_PREFIX)
    for module in (devices, batches, supervisors, receipts, recovery, progress, dashboard, rounds):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(verify_page.router)  # outside /api/v1: the address printed in receipts' QR codes
    _document_models(app, SealedBatchModel)
    return app


def _document_models(app: FastAPI, *models: type[BaseModel]) -> None:
    """Put in the OpenAPI components the models that routes validate themselves (see `api.batches`)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = app.openapi_schema
        if document is None:
            document = generate()  # FastAPI keeps this dict as app.openapi_schema: completed in place, once
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for model in models:
                schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                schemas.update(schema.pop("$defs", {}))
                schemas[model.__name__] = schema
            document["components"]["schemas"] = dict(sorted(schemas.items()))
        return document

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to change the document


def app_from_environment() -> FastAPI:
    app = create_app(ServerSettings.from_environment())
    _tune_garbage_collector()
    return app


def _tune_garbage_collector() -> None:
    """Take what the worker built while starting out of the cyclic garbage collector's sight.

    A batch of 500 payments makes some 100,000 objects that live until its answer is sent; they
    set off full collections, which would also scan every object FastAPI, SQLAlchemy and pydantic
    made at start (and that live as long as the worker) each time. Frozen, those are skipped.
    (Raising the collection thresholds as well was faster still, but memory then crept up.)
    """
    gc.collect()
    gc.freeze()
