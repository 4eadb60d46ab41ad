"""The head-office web console at ``/console``: server-rendered pages (Jinja2), no
front-end build. ``mount`` adds its routes and static files (headers: api/headers.py)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from sync_server.console.deps import STATIC_DIR, ConsoleServices
from sync_server.console.pages_accounts import router as accounts_router
from sync_server.console.pages_members import router as members_router
from sync_server.console.pages_ops import router as ops_router
from sync_server.console.pages_session import router as session_router
from sync_server.console.pages_stores import router as stores_router
from sync_server.services.accounts import AccountService
from sync_server.services.admin import AdminService
from sync_server.services.campaigns import CampaignService
from sync_server.services.console_lists import ConsoleLists
from sync_server.services.form_tokens import FormTokens
from sync_server.services.member_profile import MemberProfileService
from sync_server.services.pairing_codes import PairingCodeService
from sync_server.services.privacy import MemberAdminService
from sync_server.services.reconcile import ReconcileService
from sync_server.services.staff import StaffAdminService
from sync_server.services.terminals import TerminalService


def _notifier(services: object) -> Callable[[], None] | None:
    """Wakes the process's slow-phone-hash worker (the container's, when it has one)."""
    worker = getattr(services, "phone_hashes", None)
    notify = getattr(worker, "notify", None)
    return notify if callable(notify) else None


def mount(app: FastAPI, services: object) -> None:
    database = getattr(services, "database")  # noqa: B009  (the api Services container)
    settings = getattr(services, "settings")  # noqa: B009
    app.state.console = ConsoleServices(
        accounts=AccountService(database),
        reconcile=ReconcileService(database),
        members=MemberAdminService(database),
        campaigns=CampaignService(database),
        admin=AdminService(database),
        terminals=TerminalService(database, settings),
        pairing_codes=PairingCodeService(database, settings),
        form_tokens=FormTokens(database),
        lists=ConsoleLists(database),
        profiles=MemberProfileService(database, phones_changed=_notifier(services)),
        staff=StaffAdminService(database),
    )
    app.include_router(session_router)
    app.include_router(ops_router)
    app.include_router(members_router)
    app.include_router(stores_router)
    app.include_router(accounts_router)
    app.mount("/console/static", StaticFiles(directory=STATIC_DIR), name="console-static")
