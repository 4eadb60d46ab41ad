"""Security headers on every response (pure ASGI: the API's streaming and body limits are
not wrapped). Everything gets ``nosniff``, no framing, no referrer and HSTS over https;
the console its page policy and ``no-store``; the API ``no-store`` (tokens, keys, member
data) and a policy that allows nothing to run; ``/docs`` (off unless ``docs_enabled``)
the scripts of its documentation page."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONSOLE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
NOTHING_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
# FastAPI's documentation page: its scripts and styles come from a CDN (and an inline
# script starts them), which is why /docs is off by default.
DOCS_CSP = (
    "default-src 'none'; script-src 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")


def _policy(path: str) -> tuple[str, bool]:
    """The CSP of ``path`` and whether its answers must never be stored."""
    if path.startswith("/console"):
        return CONSOLE_CSP, True
    if path.startswith(DOCS_PATHS):
        return DOCS_CSP, False
    return NOTHING_CSP, path.startswith("/v1/") or path == "/metrics"


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp, no_store = _policy(str(scope.get("path", "")))
        https = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = csp
                headers["X-Frame-Options"] = "DENY"
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                if no_store:
                    headers["Cache-Control"] = "no-store"
                if https:
                    headers["Strict-Transport-Security"] = "max-age=31536000"
            await send(message)

        await self.app(scope, receive, with_headers)
