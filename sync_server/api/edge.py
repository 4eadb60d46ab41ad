"""The one ASGI layer every HTTP request crosses, outside everything else.

It does in one pass what were three middlewares: the security headers of
``sync_server/api/headers.py`` on every answer (errors, 413s and 500s included), the
body limit of ``limits.py`` (413 before anything parses a body), and the request
metrics and access log (``observability.RequestMetrics``). Then it hands the request to
a hot route (``hot.py``: ``GET /v1/changes`` and ``POST /v1/events`` as plain ASGI,
without FastAPI's per-request dependency solving) or to the FastAPI application.
"""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter
from typing import Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync_server.api.headers import SET_HERE, policy, security_headers
from sync_server.api.limits import TooLarge, declared_length, limited, reject

HotLookup = Callable[[str, str], ASGIApp | None]


class Recorder(Protocol):
    def record(self, scope: Scope, status: int, elapsed: float) -> None: ...


class Edge:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        metrics: Recorder | None = None,
        hot: HotLookup | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.metrics = metrics
        self.hot = hot
        self._headers: dict[tuple[str, bool, bool], list[tuple[bytes, bytes]]] = {}

    def _security(self, path: str, https: bool) -> list[tuple[bytes, bytes]]:
        csp, no_store = policy(path)
        key = (csp, no_store, https)
        found = self._headers.get(key)
        if found is None:
            found = self._headers[key] = security_headers(csp, no_store, https)
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        extra = self._security(scope["path"], scope.get("scheme") == "https")
        answered = [500, 0]  # status; whether the answer has started

        async def edge_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answered[0], answered[1] = message["status"], 1
                headers = [h for h in message.get("headers", ()) if h[0].lower() not in SET_HERE]
                headers += extra
                message["headers"] = headers
            await send(message)

        try:
            if declared_length(scope) > self.max_bytes:
                await reject(edge_send, self.max_bytes)
                return
            hot = self.hot(scope["method"], scope["path"]) if self.hot is not None else None
            target = hot if hot is not None else self.app
            try:
                await target(scope, limited(receive, self.max_bytes), edge_send)
            except TooLarge:
                if not answered[1]:
                    await reject(edge_send, self.max_bytes)
        finally:
            if self.metrics is not None:
                self.metrics.record(scope, answered[0], perf_counter() - started)
