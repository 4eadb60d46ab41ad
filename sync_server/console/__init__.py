"""The head-office web console at ``/console``: server-rendered pages (Jinja2), no
front-end build. ``mount`` adds its routes and static files (headers: api/headers.py)."""

from __future__ import annotations

from typing import Protocol

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from sync_server.config import Settings
from sync_server.console.deps import STATIC_DIR, ConsoleServices
from sync_server.console.pages_accounts import router as accounts_router
from sync_server.console.pages_dashboard import router as dashboard_router
from sync_server.console.pages_members import router as members_router
from sync_server.console.pages_ops import router as ops_router
from sync_server.console.pages_partner import router as partner_router
from sync_server.console.pages_program import router as program_router
from sync_server.console.pages_session import router as session_router
from sync_server.console.pages_stores import router as stores_router
from sync_server.db import Database
from sync_server.services.accounts import AccountService
from sync_server.services.admin import AdminService
from sync_server.services.campaigns import CampaignService
from sync_server.services.console_lists import ConsoleLists
from sync_server.services.dashboard import DashboardService
from sync_server.services.form_tokens import FormTokens
from sync_server.services.member_admin import MemberAdminService
from sync_server.services.member_merge import MemberMergeService
from sync_server.services.member_profile import MemberProfileService
from sync_server.services.pairing_codes import PairingCodeService
from sync_server.services.phone_backfill import PhoneHashWorker
from sync_server.services.reconcile import ReconcileService
from sync_server.services.staff import StaffAdminService
from sync_server.services.terminals import TerminalService
from sync_server.services.webhooks import OutboxWriter


class AppServices(Protocol):
    """What the console takes from the app's one service container (api.deps.Services)."""

    database: Database
    settings: Settings
    terminals: TerminalService
    phone_hashes: PhoneHashWorker | None


def mount(app: FastAPI, services: AppServices) -> None:
    """The console's routes, on the app's own container: its database, its settings, its
    TerminalService (one token cache, so a till revoked here is refused by the API at
    once) and its slow-phone-hash worker (woken by a phone changed here), plus the
    services only the console uses."""
    database = services.database
    worker = services.phone_hashes
    # the push path's outbox writer (webhooks, broker), when the app has one
    writer = getattr(getattr(services, "push", None), "writer", None)
    events = writer.record_event if isinstance(writer, OutboxWriter) else None
    app.state.console = ConsoleServices(
        accounts=AccountService(database),
        reconcile=ReconcileService(database),
        members=MemberAdminService(database, events=events),
        campaigns=CampaignService(database, events=events),
        admin=AdminService(database),
        terminals=services.terminals,
        pairing_codes=PairingCodeService(database, services.settings),
        form_tokens=FormTokens(database),
        lists=ConsoleLists(database),
        profiles=MemberProfileService(
            database,
            phones_changed=worker.notify if worker is not None else None,
            events=events,
        ),
        staff=StaffAdminService(database),
        dashboard=DashboardService(database),
        merges=MemberMergeService(database, events=events),
    )
    app.include_router(session_router)
    app.include_router(ops_router)
    app.include_router(members_router)
    app.include_router(stores_router)
    app.include_router(accounts_router)
    app.include_router(dashboard_router)
    app.include_router(partner_router)
    app.include_router(program_router)
    app.mount("/console/static", StaticFiles(directory=STATIC_DIR), name="console-static")
