"""The routes every terminal calls all day, as plain ASGI.

``GET /v1/changes`` (pulls and long polls) and ``POST /v1/events`` (pushes) are most of
the requests; ``GET /v1/health`` is what a whole chain's tills probe while the server
is away and when it returns. Through FastAPI each paid for its dependency and parameter solving on
every request (about two thirds of an idle pull's CPU, measured: docs/PERFORMANCE.md
"Request cost and idle tills"). Here the same work is done directly: the query checked
by a pydantic model with the route's constraints (the same 422 problem), the token
through ``deps.authenticate``, the answer from the same functions as FastAPI's routes
(``routes.changes_answer``, ``routes.push_answer``), errors through the problem mapping
of ``problems.py``. FastAPI keeps the routes for the OpenAPI document (and answers them
when this layer is not in front, e.g. a method or path variant it does not take).
"""

from __future__ import annotations

import gzip
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.errors import DomainError
from sync_server.api import problems
from sync_server.api.deps import Services, authenticate
from sync_server.api.limits import TooLarge
from sync_server.api.routes import changes_answer, health_answer, push_answer
from sync_server.services.terminals import AuthenticatedTerminal


class ChangesQuery(BaseModel):
    """The query of ``GET /v1/changes``, with the constraints of its FastAPI route."""

    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(1000, ge=1)
    wait: float = Field(0, ge=0)


class PushQuery(BaseModel):
    """The query of ``POST /v1/events``."""

    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(1000, ge=1)


class _Invalid(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("invalid request")
        self.errors = errors


class _Gone(Exception):
    """The client went away before its body arrived."""


Q = TypeVar("Q", bound=BaseModel)
_JSON = (b"content-type", b"application/json")
# A pull page this large goes gzip-compressed to a client that accepts it (every
# terminal: httpx asks for gzip and decodes it); smaller answers, long polls included,
# are not worth the CPU. Level 1: most of the gain for the least CPU.
GZIP_FROM_BYTES = 64 * 1024
GZIP_LEVEL = 1
_GZIP = ((b"content-encoding", b"gzip"), (b"vary", b"accept-encoding"))
Handler = Callable[[Scope, Receive, Send], Awaitable[None]]


class HotRoutes:
    def __init__(self, services: Services, routes: list[BaseRoute]) -> None:
        self.services = services
        # The FastAPI routes of the same paths: the metrics label them by their template.
        found = {getattr(r, "path", None): r for r in routes}
        self._apps: dict[tuple[str, str], ASGIApp] = {
            ("GET", "/v1/changes"): _labelled(self._changes, found.get("/v1/changes")),
            ("POST", "/v1/events"): _labelled(self._push, found.get("/v1/events")),
            ("GET", "/v1/health"): _labelled(self._health, found.get("/v1/health")),
        }

    def lookup(self, method: str, path: str) -> ASGIApp | None:
        return self._apps.get((method, path))

    async def _changes(self, scope: Scope, receive: Receive, send: Send) -> None:
        svc = self.services
        terminal = await _terminal(svc, scope)
        query = _query(scope, ChangesQuery)
        body = await changes_answer(svc, terminal.store_code, query.cursor, query.limit, query.wait)
        raw = body.encode()
        if len(raw) >= GZIP_FROM_BYTES and _accepts_gzip(scope):
            # A bootstrap's pages (~2 MB of JSON each): a third of the bytes on a store's
            # line, compressed off the event loop.
            packed = await run_in_threadpool(gzip.compress, raw, GZIP_LEVEL, mtime=0)
            await _send(send, 200, packed, _GZIP)
            return
        await _send_json(send, raw)

    async def _health(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _send(send, *await health_answer(self.services))

    async def _push(self, scope: Scope, receive: Receive, send: Send) -> None:
        svc = self.services
        terminal = await _terminal(svc, scope)
        query = _query(scope, PushQuery)
        raw = await _body(receive)
        await _send_json(send, await push_answer(svc, terminal, raw, query.cursor, query.limit))


def _labelled(handler: Handler, route: BaseRoute | None) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if route is not None:
            scope["route"] = route  # what the request metrics label it by
        await _answer(handler, scope, receive, send)

    return app


async def _send(
    send: Send, status: int, body: bytes, extra: tuple[tuple[bytes, bytes], ...] = ()
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [_JSON, (b"content-length", str(len(body)).encode()), *extra],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _answer(handler: Handler, scope: Scope, receive: Receive, send: Send) -> None:
    """Run ``handler``; any refusal becomes its problem document, as FastAPI's handlers
    would make it (a body over the limit is left to the edge layer's 413)."""
    try:
        await handler(scope, receive, send)
        return
    except TooLarge:
        raise
    except _Gone:
        return
    except _Invalid as error:
        response = problems.invalid_request(error.errors)
    except DomainError as error:
        response = problems.for_domain_error(error)
    except Exception as error:
        response = problems.internal_error(error)
    await response(scope, receive, send)


async def _terminal(svc: Services, scope: Scope) -> AuthenticatedTerminal:
    authorization = version = depth = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value.decode("latin-1")
        elif name == b"x-terminal-version":
            version = value.decode("latin-1")
        elif name == b"x-queue-depth":
            depth = value.decode("latin-1")
    return await authenticate(svc, authorization, version, depth)


def _accepts_gzip(scope: Scope) -> bool:
    """The request's ``Accept-Encoding`` names gzip (not with ``q=0``)."""
    for name, value in scope["headers"]:
        if name != b"accept-encoding":
            continue
        for part in value.lower().split(b","):
            coding, _, params = part.partition(b";")
            if coding.strip() != b"gzip":
                continue
            weight = params.replace(b" ", b"")
            if not weight.startswith(b"q="):
                return True
            try:
                return float(weight[2:]) > 0
            except ValueError:
                return False
    return False


def _query(scope: Scope, model: type[Q]) -> Q:
    # As Starlette reads a query string: latin-1, blanks kept, the last of a repeat.
    raw = scope.get("query_string", b"").decode("latin-1")
    params = dict(parse_qsl(raw, keep_blank_values=True)) if raw else {}
    try:
        return model.model_validate(params)
    except ValidationError as error:
        raise _Invalid(
            [{"loc": ("query", *e["loc"]), "msg": e["msg"]} for e in error.errors()]
        ) from None


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Gone()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send_json(send: Send, body: bytes) -> None:
    await _send(send, 200, body)
