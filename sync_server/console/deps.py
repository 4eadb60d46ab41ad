"""Console plumbing: services, sign-in cookie, CSRF and origin checks, role checks, HTML
errors (its headers: sync_server/api/headers.py)."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from shared.errors import DomainError
from sync_server.services.accounts import PERMISSIONS, AccountService, Forbidden, Principal
from sync_server.services.admin import AdminService
from sync_server.services.campaigns import CampaignService
from sync_server.services.form_tokens import FormTokens
from sync_server.services.member_admin import MemberAdminService
from sync_server.services.pairing_codes import PairingCodeService
from sync_server.services.reconcile import ReconcileService
from sync_server.services.terminals import TerminalService

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))
# ``__Host-``: the browser takes these cookies only from this very host over a secure
# origin (https, or http on localhost/127.0.0.1), with Path=/ and no Domain, so a sibling
# host or a plain-http page cannot plant or overwrite them.
SESSION_COOKIE = "__Host-console_session"
LOGIN_CSRF_COOKIE = "__Host-console_login"
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


@dataclass
class ConsoleServices:
    accounts: AccountService
    reconcile: ReconcileService
    members: MemberAdminService
    campaigns: CampaignService
    admin: AdminService
    terminals: TerminalService
    pairing_codes: PairingCodeService
    form_tokens: FormTokens


class SignInRequired(Exception):
    pass


class CsrfRefused(DomainError):
    code = "csrf_refused"
    status = 403


def console(request: Request) -> ConsoleServices:
    found = request.app.state.console
    assert isinstance(found, ConsoleServices)
    return found


def principal(request: Request) -> Principal:
    """The signed-in account, or a redirect to the sign-in page."""
    found = console(request).accounts.principal(request.cookies.get(SESSION_COOKIE))
    if found is None:
        raise SignInRequired()
    request.state.principal = found
    return found


def allowed(permission: str) -> Callable[[Request], Principal]:
    """A dependency: the principal, who must hold ``permission`` (403 otherwise)."""
    assert permission in PERMISSIONS

    def check(request: Request) -> Principal:
        who = principal(request)
        who.require(permission)
        return who

    return check


async def checked_form(request: Request, who: Principal) -> FormData:
    """The posted form, refused unless it carries this session's CSRF token."""
    form = await request.form()
    token = form.get("csrf_token")
    if not isinstance(token, str) or not hmac.compare_digest(token, who.csrf_token):
        raise CsrfRefused("The form is missing its security token; reload the page.")
    return form


def field(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else default


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    who = getattr(request.state, "principal", None)
    context.update(
        user=who,
        can=(lambda p: who is not None and who.can(p)),
        csrf=who.csrf_token if who else "",
    )
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def set_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="strict", secure=True
    )


def delete_cookie(response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="strict", secure=True)


def secure_context(request: Request) -> bool:
    """Whether a browser keeps the console's Secure cookies on this URL."""
    return request.url.scheme == "https" or (request.url.hostname or "") in _LOOPBACK


def check_origin(request: Request) -> None:
    """Refuse a form posted from another site: ``Sec-Fetch-Site`` must be same-origin (or
    none: typed by the user) and ``Origin``, when it names a site, must be this host.
    (Under ``Referrer-Policy: no-referrer`` browsers send ``Origin: null`` even for this
    site's own forms, so ``null`` is left to ``Sec-Fetch-Site``.) The CSRF token is
    checked as well."""
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    foreign_site = site is not None and site not in ("same-origin", "none")
    foreign_origin = (
        origin is not None
        and origin != "null"
        and origin.split("://", 1)[-1] != request.headers.get("host", "")
    )
    if foreign_site or foreign_origin:
        raise CsrfRefused("This form was sent from another site; open the console and retry.")


class ConsoleRoute(APIRoute):
    """Console errors are pages, not problem documents: 403/404/400 in HTML, sign-in
    redirects for anonymous requests."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                if request.method not in ("GET", "HEAD", "OPTIONS"):
                    check_origin(request)
                return await handler(request)
            except SignInRequired:
                return RedirectResponse("/console/login", status_code=303)
            except RequestValidationError as invalid:
                names = sorted({str(e.get("loc", ("", "?"))[-1]) for e in invalid.errors()})
                return render(
                    request,
                    "error.html",
                    status_code=422,
                    message=f"Out of range or malformed in the address: {', '.join(names)}.",
                    code="invalid_request",
                    forbidden=False,
                )
            except DomainError as error:
                status = error.status if 400 <= error.status < 500 else 400
                return render(
                    request,
                    "error.html",
                    status_code=status,
                    message=error.message,
                    code=error.code,
                    forbidden=isinstance(error, Forbidden | CsrfRefused),
                )

        return guarded
