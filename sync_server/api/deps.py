"""Request-scoped dependencies: the service container and the authenticated terminal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from sync_server.config import Settings
from sync_server.db import Database
from sync_server.services.alerts import AlertService
from sync_server.services.change_feed import ChangeFeed
from sync_server.services.day_close import DayCloseService
from sync_server.services.phone_backfill import PhoneHashWorker
from sync_server.services.pull import PullService
from sync_server.services.push import Pusher
from sync_server.services.terminals import AuthenticatedTerminal, TerminalService
from sync_server.services.webhooks import EndpointCache


@dataclass
class HealthCheck:
    """The last database check behind ``GET /v1/health`` (monotonic time, result)."""

    checked_at: float = float("-inf")
    ok: bool = False


@dataclass
class Services:
    settings: Settings
    database: Database
    terminals: TerminalService
    push: Pusher
    pull: PullService
    day_close: DayCloseService
    feed: ChangeFeed
    alerts: AlertService
    phone_hashes: PhoneHashWorker | None = None
    webhook_endpoints: EndpointCache | None = None  # the push writer's subscriptions
    health: HealthCheck = field(default_factory=HealthCheck)


async def services(request: Request) -> Services:
    # async: FastAPI would run a plain function on a worker thread, a hop per request.
    found = request.app.state.services
    assert isinstance(found, Services)
    return found


async def authenticate(
    svc: Services,
    authorization: str | None,
    version: str | None,
    queue_depth: str | None,
) -> AuthenticatedTerminal:
    """The terminal of a request's bearer token (``Unauthorized`` if none), recording its
    reported version and queue depth. FastAPI's dependency and the hot routes
    (``sync_server/api/hot.py``) both come here."""
    token = None
    if authorization and authorization[:7].lower() == "bearer ":
        token = authorization[7:].strip()
    # ASCII digits that fit the 32-bit column; anything else is ignored ("²" is a digit
    # to str.isdigit, and 10^20 overflows the column).
    depth = None
    if queue_depth and queue_depth.isascii() and queue_depth.isdigit():
        depth = int(queue_depth) if len(queue_depth) <= 9 else None
    # A token seen within the cache's TTL is answered here, on the event loop; otherwise
    # the database is asked on a worker thread.
    found = svc.terminals.authenticate_cached(token, version=version, queue_depth=depth)
    if found is not None:
        return found
    return await run_in_threadpool(
        svc.terminals.authenticate, token, version=version, queue_depth=depth
    )


async def current_terminal(
    svc: Annotated[Services, Depends(services)],
    authorization: Annotated[str | None, Header()] = None,
    x_terminal_version: Annotated[str | None, Header()] = None,
    x_queue_depth: Annotated[str | None, Header()] = None,
) -> AuthenticatedTerminal:
    return await authenticate(svc, authorization, x_terminal_version, x_queue_depth)


ServicesDep = Annotated[Services, Depends(services)]
TerminalDep = Annotated[AuthenticatedTerminal, Depends(current_terminal)]
