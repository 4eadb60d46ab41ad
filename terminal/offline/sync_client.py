"""HTTP client for the sync protocol (PROTOCOL.md v1), on httpx.

It only shuttles messages: the replica decides what to send and what to apply. Every
failure becomes one of a few exceptions whose type tells the sync loop what to do:

- :class:`TransientSyncError`: network down, timeout, 5xx, 429. Retry later with backoff.
- :class:`AuthRevoked`: 401. Stop syncing and tell a manager; nothing is dropped.
- :class:`CursorExpired`: 409 ``cursor_expired``. Rebuild the replica from the start.
- :class:`BatchRefused`: 422/413 for a push. The batch is split to find the bad event.
- :class:`SyncProtocolError`: anything else the server refused, with its problem code.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from shared.protocol import (
    DayCloseRequest,
    DayCloseResponse,
    Health,
    MemberSummary,
    PairRequest,
    PairResponse,
    SalesResponse,
    StaffAlertRequest,
    StaffAlertResponse,
    StoreReport,
)
from terminal.offline.pages import PulledPage, PushAnswer


class SyncError(Exception):
    def __init__(self, message: str, *, code: str = "sync_error", status: int | None = None):
        super().__init__(message)
        self.code = code
        self.status = status


class TransientSyncError(SyncError):
    pass


class AuthRevoked(SyncError):
    pass


class CursorExpired(SyncError):
    pass


class BatchRefused(SyncError):
    pass


class SyncProtocolError(SyncError):
    pass


_Model = TypeVar("_Model", bound=BaseModel)


def _parse(model: type[_Model], data: Any) -> _Model:
    """Validate an answer: ``bytes`` are the raw JSON body (parsed and validated in one
    pass by pydantic-core, the fast path for pull pages), anything else decoded JSON."""
    try:
        if isinstance(data, bytes):
            return model.model_validate_json(data)
        return model.model_validate(data)
    except ValidationError as exc:
        raise TransientSyncError(
            f"The sync server sent an answer this terminal cannot read ({exc.error_count()} "
            "errors); it will try again.",
            code="bad_response",
        ) from exc


class SyncClient:
    """One server, one terminal token. Thread-safe for use from one sync thread."""

    def __init__(
        self,
        base_url: str,
        token: Callable[[], str | None],
        *,
        terminal_version: str = "0",
        timeout: float = 15.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._token = token
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": f"pos-terminal/{terminal_version}"},
        )
        self._terminal_version = terminal_version

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- endpoints -------------------------------------------------------------------

    def health(self, *, timeout: float | None = None) -> Health:
        """The server's health (no token needed); ``timeout`` overrides the client's."""
        return _parse(Health, self._request("GET", "/v1/health", auth=False, timeout=timeout))

    def pair(self, pairing_code: str, device_name: str) -> PairResponse:
        body = PairRequest(pairing_code=pairing_code, device_name=device_name)
        data = self._request("POST", "/v1/pair", json=body.model_dump(), auth=False)
        return _parse(PairResponse, data)

    def push(
        self,
        events: list[dict[str, Any]],
        *,
        queue_depth: int | None = None,
        cursor: str | None = None,
        limit: int = 1000,
    ) -> PushAnswer:
        """Push a batch; with ``cursor``, the server (if it can) answers the pull page
        after it too (``PushAnswer.pull``), saving the pull's round trip."""
        headers = {} if queue_depth is None else {"X-Queue-Depth": str(queue_depth)}
        params: dict[str, str | int | float] | None = None
        if cursor is not None:
            params = {"cursor": cursor, "limit": limit}
        data = self._request(
            "POST",
            "/v1/events",
            json={"events": events},
            headers=headers,
            params=params,
            raw=True,
        )
        response = _parse(PushAnswer, data)
        if len(response.results) != len(events):
            raise SyncProtocolError(
                "The server answered a push with the wrong number of results.",
                code="bad_response",
            )
        return response

    def pull(
        self, cursor: str | None, limit: int = 1000, *, queue_depth: int | None = None
    ) -> PulledPage:
        return self.parse_changes(self.pull_body(cursor, limit, queue_depth=queue_depth))

    def pull_body(
        self,
        cursor: str | None,
        limit: int = 1000,
        *,
        queue_depth: int | None = None,
        wait: float = 0,
    ) -> bytes:
        """One page of changes as the raw JSON body (see ``parse_changes``).

        ``wait`` > 0 is a long poll: with an up-to-date cursor the server answers when
        something changes or after ``wait`` seconds (servers without it answer at once).
        """
        params: dict[str, str | int | float] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        if wait > 0:
            params["wait"] = wait
        headers = {} if queue_depth is None else {"X-Queue-Depth": str(queue_depth)}
        body: bytes = self._request(
            "GET",
            "/v1/changes",
            params=params,
            headers=headers,
            raw=True,
            extra_time=wait,
        )
        return body

    @staticmethod
    def parse_changes(body: bytes) -> PulledPage:
        """A page of ``GET /v1/changes`` (``ChangesResponse``), its upserts typed."""
        return _parse(PulledPage, body)

    def alert(self, request: StaffAlertRequest) -> StaffAlertResponse:
        """Extension: report a staff alert to head office (idempotent by alert_id)."""
        data = self._request("POST", "/v1/alerts", json=request.model_dump(mode="json"))
        return _parse(StaffAlertResponse, data)

    def member_summary(
        self, member_id: str, *, limit: int = 20, timeout: float | None = None
    ) -> MemberSummary:
        """Extension: the member's latest transactions everywhere and expiring points."""
        data = self._request(
            "GET", f"/v1/members/{member_id}/summary", params={"limit": limit}, timeout=timeout
        )
        return _parse(MemberSummary, data)

    def day_close(self, request: DayCloseRequest) -> DayCloseResponse:
        data = self._request("POST", "/v1/day-close", json=request.model_dump(mode="json"))
        return _parse(DayCloseResponse, data)

    # --- plumbing --------------------------------------------------------------------

    def find_sales(self, sale_ref: str, *, timeout: float | None = 5.0) -> SalesResponse:
        """Extension: the sales with this receipt number at any store (returns)."""
        data = self._request("GET", "/v1/sales", params={"sale_ref": sale_ref}, timeout=timeout)
        return _parse(SalesResponse, data)

    def store_report(
        self, date_from: date, date_to: date, *, timeout: float | None = 5.0
    ) -> StoreReport:
        """Extension: this till's store's figures across all its tills."""
        params: dict[str, str | int | float] = {
            "date_from": date_from.isoformat(),
            "date_to": date_to.isoformat(),
        }
        data = self._request("GET", "/v1/store-report", params=params, timeout=timeout)
        return _parse(StoreReport, data)

    def _request(
        self,
        method: str,
        path: str,
        *,
        auth: bool = True,
        json: Any = None,
        params: dict[str, str | int | float] | None = None,
        headers: dict[str, str] | None = None,
        raw: bool = False,
        extra_time: float = 0,
        timeout: float | None = None,
    ) -> Any:
        all_headers = {"X-Terminal-Version": self._terminal_version, **(headers or {})}
        if auth:
            token = self._token()
            if not token:
                raise AuthRevoked(
                    "This terminal is not paired: pair it with a code from head office.",
                    code="not_paired",
                )
            all_headers["Authorization"] = f"Bearer {token}"
        try:
            # ``timeout`` replaces the client's (a short health probe); ``extra_time``
            # lengthens its read (a long poll: the server may hold the answer this long).
            limits = self._http.timeout if timeout is None else httpx.Timeout(timeout)
            if extra_time > 0:
                limits = httpx.Timeout(
                    limits.connect,
                    read=(limits.read or 0) + extra_time,
                    write=limits.write,
                    pool=limits.pool,
                )
            response = self._http.request(
                method, path, json=json, params=params, headers=all_headers, timeout=limits
            )
        except httpx.TimeoutException as exc:
            raise TransientSyncError(f"The sync server did not answer in time ({exc}).") from exc
        except httpx.TransportError as exc:
            raise TransientSyncError(f"The sync server cannot be reached ({exc}).") from exc
        if response.status_code < 300:
            if raw:
                return response.content
            try:
                return response.json()
            except ValueError as exc:
                raise TransientSyncError(
                    "The sync server sent a malformed answer.", status=response.status_code
                ) from exc
        raise _error_for(response)


def _error_for(response: httpx.Response) -> SyncError:
    status = response.status_code
    code, detail = "http_error", response.reason_phrase
    try:
        problem = response.json()
        code = str(problem.get("code") or code)
        detail = str(problem.get("detail") or problem.get("title") or detail)
    except (ValueError, AttributeError):
        pass
    message = f"{detail} (HTTP {status}, {code})"
    if status == 401:
        return AuthRevoked(
            "The sync server no longer accepts this terminal (revoked or unknown token). "
            "Ask head office to pair it again.",
            code=code,
            status=status,
        )
    if status == 409 and code == "cursor_expired":
        return CursorExpired(message, code=code, status=status)
    if status in (413, 422):
        return BatchRefused(message, code=code, status=status)
    if status == 429 or status >= 500:
        return TransientSyncError(message, code=code, status=status)
    return SyncProtocolError(message, code=code, status=status)


__all__ = [
    "AuthRevoked",
    "BatchRefused",
    "CursorExpired",
    "SyncClient",
    "SyncError",
    "SyncProtocolError",
    "TransientSyncError",
]
