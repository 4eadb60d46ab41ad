"""Console plumbing: services, sign-in cookie, CSRF and origin checks, role checks, HTML
errors (its headers: sync_server/api/headers.py)."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup
from starlette.datastructures import FormData

from shared.errors import DomainError
from sync_server.console import i18n
from sync_server.console.labels import label
from sync_server.console.messages import error_text
from sync_server.models import Store
from sync_server.services.accounts import PERMISSIONS, AccountService, Forbidden, Principal
from sync_server.services.admin import AdminService
from sync_server.services.campaigns import CampaignService
from sync_server.services.console_lists import ConsoleLists
from sync_server.services.dashboard import DashboardService
from sync_server.services.form_tokens import FormTokens
from sync_server.services.member_admin import MemberAdminService
from sync_server.services.member_merge import MemberMergeService
from sync_server.services.member_profile import MemberProfileService
from sync_server.services.pairing_codes import PairingCodeService
from sync_server.services.reconcile import ReconcileService
from sync_server.services.staff import StaffAdminService
from sync_server.services.terminals import TerminalService

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
_environment = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=True,
    extensions=["jinja2.ext.i18n"],
)
# newstyle: ``_("%(n)s members", n=x)`` fills in escaped values, and a missing one fails.
getattr(_environment, "install_gettext_callables")(  # noqa: B009  (added by the extension)
    i18n.gettext, i18n.ngettext, newstyle=True
)
templates = Jinja2Templates(env=_environment)
templates.env.globals["label"] = label


def _data(value: object) -> Markup:
    """Data inside a translated sentence: kept as it is by translation tools (and by the
    tests that look for English left on a Chinese page)."""
    return Markup('<span translate="no">%s</span>') % value


templates.env.filters["data"] = _data
templates.env.filters.update(number=i18n.number, money=i18n.money, when=i18n.when, day=i18n.day)
# ``__Host-``: the browser takes these cookies only from this very host over a secure
# origin (https, or http on localhost/127.0.0.1), with Path=/ and no Domain, so a sibling
# host or a plain-http page cannot plant or overwrite them.
SESSION_COOKIE = "__Host-console_session"
LOGIN_CSRF_COOKIE = "__Host-console_login"
# The language chosen on the sign-in page (before there is an account to keep it).
LANGUAGE_COOKIE = "__Host-console_language"
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
    lists: ConsoleLists
    profiles: MemberProfileService
    staff: StaffAdminService
    dashboard: DashboardService
    merges: MemberMergeService


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


def flag(text: str) -> bool | None:
    """A yes/no select: True, False, or None when left as it is."""
    return {"yes": True, "no": False}.get(text)


def page_language(request: Request) -> str:
    """The signed-in account's language; before sign-in the one chosen on the sign-in
    page (``?lang=``, then its cookie), else the browser's preference."""
    who = getattr(request.state, "principal", None)
    if who is not None:
        return i18n.supported(who.language) or i18n.DEFAULT_LANGUAGE
    return (
        i18n.supported(request.query_params.get("lang"))
        or i18n.supported(request.cookies.get(LANGUAGE_COOKIE))
        or i18n.best_match(request.headers.get("accept-language"))
    )


def here(request: Request) -> str:
    """This page's path and query, where the language switch returns to."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def store_zones(stores: Sequence[Store]) -> dict[str | None, str]:
    """Each store's time zone; under None the chain's: the stores' one zone, else UTC."""
    zones: dict[str | None, str] = {s.code: s.timezone for s in stores}
    distinct = set(zones.values())
    zones[None] = distinct.pop() if len(distinct) == 1 else "UTC"
    return zones


def _tier_names(request: Request, language: str) -> Callable[[str, str], str]:
    """``tier_name(code, default)``: the tier's name in ``language`` (the program's
    ``names``, else its name); the program is read on the first call only."""
    names: dict[str, str] = {}

    def tier_name(code: str, default: str) -> str:
        if not names:
            program = console(request).admin.current_program()
            names.update({t.code: t.names.get(language, t.name) for t in program.tiers})
        return names.get(code, default)

    return tier_name


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    who = getattr(request.state, "principal", None)
    language = page_language(request)
    context.update(
        user=who,
        can=(lambda p: who is not None and who.can(p)),
        csrf=who.csrf_token if who else "",
        language=language,
        languages=i18n.LANGUAGES,
        html_lang=language.replace("_", "-"),
        here=here(request),
        tier_name=_tier_names(request, language),
    )
    with i18n.using(language):
        response: HTMLResponse = templates.TemplateResponse(
            request, template, context, status_code=status_code
        )
    return response


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
                with i18n.using(page_language(request)):
                    message = i18n._(
                        "Out of range or malformed in the address: %(names)s.",
                        names=", ".join(names),
                    )
                return render(
                    request,
                    "error.html",
                    status_code=422,
                    message=message,
                    code="invalid_request",
                    forbidden=False,
                )
            except DomainError as error:
                status = error.status if 400 <= error.status < 500 else 400
                with i18n.using(page_language(request)):
                    message = error_text(error)
                return render(
                    request,
                    "error.html",
                    status_code=status,
                    message=message,
                    code=error.code,
                    forbidden=isinstance(error, Forbidden | CsrfRefused),
                )

        return guarded
