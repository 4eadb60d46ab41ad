"""Security headers on every response (set by the one ASGI layer, sync_server/api/edge.py).
Everything gets ``nosniff``, no framing, no referrer and HSTS over https;
the console its page policy and ``no-store``; the API ``no-store`` (tokens, keys, member
data) and a policy that allows nothing to run; ``/docs`` (off unless ``docs_enabled``)
the scripts of its documentation page."""

from __future__ import annotations

CONSOLE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# The dashboard also runs its own scripts (Apache ECharts and the page's drawing code,
# both files served from /console/static; never an inline script).
DASHBOARD_CSP = CONSOLE_CSP.replace("style-src", "script-src 'self'; style-src")
NOTHING_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
# FastAPI's documentation page: its scripts and styles come from a CDN (and an inline
# script starts them), which is why /docs is off by default.
DOCS_CSP = (
    "default-src 'none'; script-src 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")


def policy(path: str) -> tuple[str, bool]:
    """The CSP of ``path`` and whether its answers must never be stored."""
    if path.startswith("/console/dashboard"):
        return DASHBOARD_CSP, True
    if path.startswith("/console"):
        return CONSOLE_CSP, True
    if path.startswith(DOCS_PATHS):
        return DOCS_CSP, False
    return NOTHING_CSP, path.startswith("/v1/") or path == "/metrics"


SET_HERE = frozenset(
    {
        b"content-security-policy",
        b"x-frame-options",
        b"x-content-type-options",
        b"referrer-policy",
        b"cache-control",
        b"strict-transport-security",
    }
)


def security_headers(csp: str, no_store: bool, https: bool) -> list[tuple[bytes, bytes]]:
    """The headers every answer of such a path gets (they replace any of the same name)."""
    headers = [
        (b"content-security-policy", csp.encode()),
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
    ]
    if no_store:
        headers.append((b"cache-control", b"no-store"))
    if https:
        headers.append((b"strict-transport-security", b"max-age=31536000"))
    return headers
