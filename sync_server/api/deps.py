"""Request-scoped dependencies: the service container and the authenticated terminal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from sync_server.config import Settings
from sync_server.db import Database
from sync_server.services.alerts import AlertService
from sync_server.services.day_close import DayCloseService
from sync_server.services.pull import PullService
from sync_server.services.push import PushService
from sync_server.services.terminals import AuthenticatedTerminal, TerminalService


@dataclass
class Services:
    settings: Settings
    database: Database
    terminals: TerminalService
    push: PushService
    pull: PullService
    day_close: DayCloseService
    alerts: AlertService


def services(request: Request) -> Services:
    found = request.app.state.services
    assert isinstance(found, Services)
    return found


def current_terminal(
    svc: Annotated[Services, Depends(services)],
    authorization: Annotated[str | None, Header()] = None,
    x_terminal_version: Annotated[str | None, Header()] = None,
    x_queue_depth: Annotated[str | None, Header()] = None,
) -> AuthenticatedTerminal:
    token = None
    if authorization and authorization[:7].lower() == "bearer ":
        token = authorization[7:].strip()
    depth = int(x_queue_depth) if x_queue_depth and x_queue_depth.isdigit() else None
    return svc.terminals.authenticate(token, version=x_terminal_version, queue_depth=depth)


ServicesDep = Annotated[Services, Depends(services)]
TerminalDep = Annotated[AuthenticatedTerminal, Depends(current_terminal)]
