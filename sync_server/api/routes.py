"""The /v1 endpoints of PROTOCOL.md."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from shared.errors import ValidationFailed
from shared.protocol import (
    MAX_EVENTS_PER_PUSH,
    ChangesResponse,
    DayCloseRequest,
    DayCloseResponse,
    Health,
    PairRequest,
    PairResponse,
    Problem,
    PushRequest,
    StaffAlertRequest,
    StaffAlertResponse,
)
from sync_server import __version__
from sync_server.api.deps import Services, ServicesDep, TerminalDep
from sync_server.errors import CursorExpired, InvalidCursor, PayloadTooLarge
from sync_server.services.pull import decode_cursor
from sync_server.services.push import PushResponseWithGaps
from sync_server.services.terminals import AuthenticatedTerminal

PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}}
    for status in (400, 401, 403, 409, 413, 422, 429)
}

router = APIRouter(prefix="/v1", responses=PROBLEMS)


class PushAnswer(PushResponseWithGaps):
    """Extension: with ``?cursor=``, the pull page after it (push and pull in one trip)."""

    pull: ChangesResponse | None = None


@router.post("/pair", status_code=201, response_model=PairResponse)
def pair(body: PairRequest, request: Request, svc: ServicesDep) -> PairResponse:
    client = request.client.host if request.client else "unknown"
    if "\x00" in body.device_name or "\x00" in body.pairing_code:
        raise ValidationFailed("Text may not contain NUL characters.", code="invalid_request")
    return svc.terminals.pair(body.pairing_code, body.device_name, client)


def _parse_push(raw: bytes) -> PushRequest:
    """Validate the whole body at once (pydantic-core parses the JSON itself)."""
    if b"\\u0000" in raw:
        raise ValidationFailed("Text may not contain NUL characters.", code="invalid_request")
    try:
        return PushRequest.model_validate_json(raw)
    except ValidationError as error:
        problems = error.errors()
        if any(e["type"] == "too_long" and tuple(e["loc"]) == ("events",) for e in problems):
            raise PayloadTooLarge(
                f"A push holds at most {MAX_EVENTS_PER_PUSH} events.", code="too_many_events"
            ) from None
        if problems[0]["type"] == "json_invalid":
            raise ValidationFailed("The body is not valid JSON.", code="invalid_json") from None
        where = ".".join(str(part) for part in problems[0].get("loc", ()))
        raise ValidationFailed(
            f"The push does not match the schema at {where or 'the top'}: {problems[0].get('msg')}",
            code="invalid_request",
            errors=len(problems),
        ) from None


@router.post(
    "/events",
    response_model=PushAnswer,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/PushRequest"}}
            },
        }
    },
)
async def push(
    request: Request,
    terminal: TerminalDep,
    svc: ServicesDep,
    cursor: Annotated[
        str | None,
        Query(
            max_length=200,
            description="extension: also answer the pull page after this cursor, as `pull`",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1)] = 1000,
) -> Response:
    return _json(await push_answer(svc, terminal, await request.body(), cursor, limit))


def _json(content: bytes | str) -> Response:
    return Response(content=content, media_type="application/json")


async def push_answer(
    svc: Services, terminal: AuthenticatedTerminal, raw: bytes, cursor: str | None, limit: int
) -> bytes:
    """The push's answer (with ``cursor``: and the pull page after it), as JSON bytes.
    FastAPI's route and the hot route (``sync_server/api/hot.py``) both come here."""

    def parse_and_push() -> bytes:
        body = _parse_push(raw)
        answer = svc.push.push(terminal.terminal_id, body.events)
        content = answer.model_dump_json(exclude_none=True)
        if cursor is not None:
            content = _with_pull_page(content, svc, cursor, limit, terminal.store_code)
        return content.encode()

    return await run_in_threadpool(parse_and_push)


def _with_pull_page(content: str, svc: Services, cursor: str, limit: int, store_code: str) -> str:
    """The push answer with the pull page after ``cursor`` spliced in as ``pull``: push
    and pull in one round trip. The push is committed: a cursor the pull refuses leaves
    the page out (the terminal's own pull then gets the error), never fails the push."""
    try:
        page = svc.pull.changes_json(cursor, limit, store_code)
    except (InvalidCursor, CursorExpired):
        return content
    return content[:-1] + ',"pull":' + page + "}"


@router.get("/changes", response_model=ChangesResponse)
async def changes(
    terminal: TerminalDep,
    svc: ServicesDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, description="at most 5000; larger asks get 5000")] = 1000,
    wait: Annotated[
        float,
        Query(
            ge=0,
            description="long poll: with an up-to-date cursor, answer when something "
            "changes or after this many seconds (at most the server's "
            "pull_max_wait_seconds, 60 by default; larger asks get that)",
        ),
    ] = 0,
) -> Response:
    return _json(await changes_answer(svc, terminal.store_code, cursor, limit, wait))


async def changes_answer(
    svc: Services, store: str, cursor: str | None, limit: int, wait: float
) -> str:
    """The pull page (a long poll with ``wait``), as JSON text: for FastAPI's route and
    the hot route alike."""
    body = await _page(svc, cursor, limit, store)
    if wait > 0 and cursor and svc.pull.is_empty(body):
        await svc.feed.wait_beyond(
            decode_cursor(cursor), min(wait, svc.settings.pull_max_wait_seconds)
        )
        body = await _page(svc, cursor, limit, store)
    return body


# Pages being read from the database, by (pull service, cursor, limit, store): a herd of
# long polls that one change wakes at once waits for one read instead of each its own.
_READING: dict[tuple[int, str, int, str], asyncio.Future[str]] = {}


async def _page(svc: Services, cursor: str | None, limit: int, store_code: str) -> str:
    pull = svc.pull
    known = pull.known_page(cursor, limit, store_code)
    if known is not None:  # nothing new, or a page just built: no database, no thread
        return known
    if not cursor:
        return await run_in_threadpool(pull.changes_json, cursor, limit, store_code)
    key = (id(pull), cursor, limit, store_code)
    loop = asyncio.get_running_loop()
    reading = _READING.get(key)
    if reading is not None and reading.get_loop() is loop:
        try:
            return await asyncio.shield(reading)
        except asyncio.CancelledError:
            if not reading.cancelled():
                raise  # this request was cancelled, not the read it waited for
    reading = _READING[key] = loop.create_future()
    try:
        page = await run_in_threadpool(pull.changes_json, cursor, limit, store_code)
    except BaseException as error:
        if isinstance(error, Exception):
            reading.set_exception(error)
            reading.exception()  # retrieved: no "never retrieved" warning without waiters
        else:
            reading.cancel()
        raise
    else:
        reading.set_result(page)
        return page
    finally:
        if _READING.get(key) is reading:
            del _READING[key]


@router.post("/day-close", response_model=DayCloseResponse)
def day_close(body: DayCloseRequest, terminal: TerminalDep, svc: ServicesDep) -> DayCloseResponse:
    return svc.day_close.close(terminal.terminal_id, body)


@router.post("/alerts", response_model=StaffAlertResponse)
def alert(body: StaffAlertRequest, terminal: TerminalDep, svc: ServicesDep) -> StaffAlertResponse:
    """Extension: a staff alert for head office (the audit log); idempotent by alert_id."""
    return svc.alerts.record(terminal, body)


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
async def health(svc: ServicesDep) -> Response:
    status, body = await health_answer(svc)
    return Response(content=body, status_code=status, media_type="application/json")


# The database check behind /v1/health, per process: at most one `SELECT 1` a second
# however many tills probe (after an outage a whole chain's tills probe at once).
_HEALTH_CHECK_SECONDS = 1.0


async def health_answer(svc: Services) -> tuple[int, bytes]:
    """The status and body of ``GET /v1/health``: 200 ok, or 503 degraded when the
    database did not answer (checked at most once a second per process)."""
    check = svc.health
    if time.monotonic() - check.checked_at > _HEALTH_CHECK_SECONDS:
        check.ok = await run_in_threadpool(_database_answers, svc)
        check.checked_at = time.monotonic()
    database = "ok" if check.ok else "unavailable"
    answer = Health(status="ok" if check.ok else "degraded", version=__version__, database=database)
    return (200 if check.ok else 503), answer.model_dump_json().encode()


def _database_answers(svc: Services) -> bool:
    try:
        with svc.database.read() as session:
            session.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
