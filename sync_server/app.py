"""Composition root: settings -> database -> services -> FastAPI app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from shared.protocol import MAX_BODY_BYTES, PushRequest
from sync_server import __version__, console, observability
from sync_server.api import partner as partner_api
from sync_server.api import problems, program_schema
from sync_server.api.deps import Services
from sync_server.api.edge import Edge
from sync_server.api.hot import HotRoutes
from sync_server.api.members import router as members_router
from sync_server.api.routes import router
from sync_server.api.sales import router as sales_router
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.services.alerts import AlertService
from sync_server.services.broker import BrokerPublisher
from sync_server.services.change_feed import ChangeFeed
from sync_server.services.common import utcnow
from sync_server.services.day_close import DayCloseService
from sync_server.services.maintenance import MaintenanceService
from sync_server.services.notices import NoticeService
from sync_server.services.partner import PartnerService
from sync_server.services.partner_idempotency import IdempotencyStore
from sync_server.services.partner_keys import (
    PartnerKeyService,
    SharedWindow,
    purge_rate_windows,
)
from sync_server.services.phone_backfill import PhoneHashWorker
from sync_server.services.pull import PullService
from sync_server.services.push import PushService
from sync_server.services.push_guard import PushLimits
from sync_server.services.terminals import TerminalService
from sync_server.services.webhooks import (
    Dispatcher,
    EndpointCache,
    OutboxWriter,
    RetryPolicy,
    WebhookService,
)

log = logging.getLogger("sync_server")


def build_services(settings: Settings, database: Database | None = None) -> Services:
    database = database or Database(
        settings.resolved_database_url(), pool_size=settings.db_pool_size
    )
    phone_hashes = PhoneHashWorker(database)
    feed = ChangeFeed(database)
    endpoints = EndpointCache()
    terminals = TerminalService(database, settings)
    terminals.seen.after_flush = feed.refresh  # SQLite: trust the counter again at once
    # webhook deliveries (and broker messages) in the transaction of the change
    writer = OutboxWriter(endpoints, broker=bool(settings.broker_url))
    return Services(
        settings=settings,
        database=database,
        terminals=terminals,
        push=PushService(
            database,
            pause_before_commit=settings.fault_pause_before_commit_seconds,
            limits=PushLimits(
                seq_window=settings.push_seq_window,
                max_age=timedelta(days=settings.event_max_age_days),
                max_ahead=timedelta(hours=settings.event_max_ahead_hours),
            ),
            phones_changed=phone_hashes.notify,
            writer=writer,
        ),
        pull=PullService(
            database,
            max_limit=settings.pull_max_limit,
            feed=feed,
            # the tail's pages are younger than any tombstone a purge takes
            tail=settings.tombstone_retention_days >= 1,
        ),
        day_close=DayCloseService(database, events=writer.record_event),
        phone_hashes=phone_hashes,
        feed=feed,
        alerts=AlertService(database),
        webhook_endpoints=endpoints,
    )


def build_partner(svc: Services) -> partner_api.PartnerServices:
    return partner_api.PartnerServices(
        # Several processes (workers, or machines on one PostgreSQL) share each key's rate.
        keys=PartnerKeyService(
            svc.database,
            shared=SharedWindow(svc.database)
            if not svc.database.is_sqlite or svc.settings.workers > 1
            else None,
        ),
        partner=PartnerService(svc.database, svc.push, _outbox_writer(svc)),
        idempotency=IdempotencyStore(svc.database),
    )


def _outbox_writer(svc: Services) -> OutboxWriter | None:
    found = getattr(svc.push, "writer", None)  # through the metering wrapper
    return found if isinstance(found, OutboxWriter) else None


def build_dispatcher(svc: Services) -> Dispatcher:
    settings = svc.settings
    return Dispatcher(
        svc.database,
        RetryPolicy(
            base_seconds=settings.webhook_retry_base_seconds,
            max_seconds=settings.webhook_retry_max_seconds,
            give_up=timedelta(hours=settings.webhook_give_up_hours),
            timeout_seconds=settings.webhook_timeout_seconds,
        ),
    )


async def _maintenance_loop(services: Services) -> None:
    """Points expiry and tombstone purge, every maintenance_interval_seconds."""
    writer = _outbox_writer(services)
    maintenance = MaintenanceService(
        services.database,
        tombstone_retention_days=services.settings.tombstone_retention_days,
        events=writer.record_event if writer is not None else None,
    )
    notices = (
        NoticeService(
            services.database,
            writer.record_event,
            expiring_days=services.settings.notice_expiring_days,
            churn_days=services.settings.notice_churn_days,
        )
        if writer is not None
        else None
    )
    interval = services.settings.maintenance_interval_seconds
    while True:
        await asyncio.sleep(interval)
        if services.phone_hashes is not None:  # whatever a crash left without its hash
            services.phone_hashes.notify()
        try:
            now = utcnow()  # the partner API's answered keys, old deliveries
            await run_in_threadpool(IdempotencyStore(services.database).purge, now)
            await run_in_threadpool(WebhookService(services.database).purge, now)
            await run_in_threadpool(purge_rate_windows, services.database, now)
            report = await run_in_threadpool(maintenance.expire_points)
            purged = await run_in_threadpool(maintenance.purge_tombstones)
            if notices is not None:
                await run_in_threadpool(notices.run)
            if report.points or purged:
                log.info(
                    "expired %d points of %d members; purged %d tombstones",
                    report.points,
                    report.members,
                    purged,
                )
        except Exception:
            log.exception("maintenance run failed; retrying next interval")


class SyncServerApp(FastAPI):
    """FastAPI with one ASGI layer in front of everything (``sync_server/api/edge.py``):
    security headers, body limit and metrics in one pass, and the hot routes answered
    before FastAPI's own middleware stack and router."""

    edge: Edge | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        edge = self.edge
        if edge is None:
            await super().__call__(scope, receive, send)
        else:
            await edge(scope, receive, send)

    async def behind_edge(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings, *, services: Services | None = None, background: bool = True
) -> FastAPI:
    svc = services or build_services(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = None
        dispatcher = build_dispatcher(svc) if background and settings.webhook_worker else None
        if dispatcher is not None:
            dispatcher.start()
            writer = _outbox_writer(svc)
            if writer is not None:
                writer.on_commit = dispatcher.wake
        publisher = None
        if background and settings.broker_url:
            publisher = BrokerPublisher(svc.database, settings.broker_url, settings.broker_exchange)
            publisher.start()
        svc.feed.start()
        svc.terminals.start()
        if background and settings.maintenance_interval_seconds > 0:
            task = asyncio.create_task(_maintenance_loop(svc))
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if dispatcher is not None:
                await run_in_threadpool(dispatcher.stop)
            if publisher is not None:
                await run_in_threadpool(publisher.stop)
            await run_in_threadpool(svc.feed.stop)
            await run_in_threadpool(svc.terminals.stop)
            svc.database.dispose()

    docs = settings.docs_enabled
    app = SyncServerApp(
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        title="POS member sync server",
        version=__version__,
        description="Sync protocol v1 (PROTOCOL.md): pairing, push, pull, day close.",
        lifespan=lifespan,
    )
    app.state.services = svc
    app.include_router(router)
    app.include_router(members_router)
    app.include_router(program_schema.router)
    app.include_router(sales_router)  # returns, store reports (extensions)
    app.include_router(partner_api.router)
    console.mount(app, svc)
    problems.install(app)
    metrics = observability.install(app, svc)  # /metrics, push counts
    app.state.partner = build_partner(svc)  # /partner/v1, on the metered push service
    hot = HotRoutes(svc, router.routes) if settings.hot_routes else None
    app.edge = Edge(
        app.behind_edge,
        max_bytes=MAX_BODY_BYTES,
        metrics=metrics,
        hot=hot.lookup if hot is not None else None,
    )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, routes=app.routes, description=app.description
            )
            push_schema = PushRequest.model_json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(push_schema.pop("$defs", {}))
            components["PushRequest"] = push_schema
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def app_from_environment() -> FastAPI:
    """Factory for uvicorn workers: every worker reads the same SYNC_* environment."""
    settings = Settings()
    observability.configure_logging(settings)
    return create_app(settings)
