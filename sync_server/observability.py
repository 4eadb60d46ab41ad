"""Operations: structured logs, an access log and Prometheus metrics at ``/metrics``.

- ``configure_logging(settings)``: one handler on the root logger, plain text or one
  JSON object per line (``log_format = "json"``); uvicorn's loggers go through it too.
- ``install(app, services)``: request metrics (``RequestMetrics``, recorded by the edge
  layer, sync_server/api/edge.py) that count requests and their latency by route template (``/v1/events``, never a raw path: no unbounded label values) and
  writes an access-log record per request when ``access_log`` is on (off by default: a
  line per idle terminal's poll costs more than the poll; 5xx answers are always logged);
  a push service that counts events by status; and ``GET /metrics`` in the Prometheus
  text format, for ``Authorization: Bearer <metrics_token>`` only (no token set: closed
  to everyone).

Several uvicorn workers are separate processes, each with its own counters. When
``PROMETHEUS_MULTIPROC_DIR`` is set (``sync-server serve`` sets it for you when it starts
more than one worker) every process writes its samples there and ``/metrics`` adds them
up, whichever worker answers; per-process metrics (CPU, memory, open files) are then not
reported (prometheus_client's multiprocess limitation): scrape the host with
node_exporter for those. With one worker the process metrics are included.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from shared.protocol import Event
from sync_server.api.deps import Services
from sync_server.api.problems import MEDIA_TYPE, PROBLEM_TYPE
from sync_server.config import Settings
from sync_server.services.push import Pusher, PushResponseWithGaps

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

HTTP_REQUESTS = Counter(
    "sync_http_requests_total", "HTTP requests answered", ("method", "route", "status")
)
HTTP_LATENCY = Histogram(
    "sync_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ("method", "route"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
PUSH_EVENTS = Counter("sync_push_events_total", "Pushed events by outcome", ("status",))

access_log = logging.getLogger("sync_server.access")

# LogRecord attributes that are not "extra" fields.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, extra fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"


def configure_logging(settings: Settings) -> None:
    """Route every log record (ours and uvicorn's) through one stderr handler."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # Our access log (sync_server.access, with route and duration) replaces uvicorn's.
    uvicorn_access = logging.getLogger("uvicorn.access")
    uvicorn_access.handlers[:] = []
    uvicorn_access.propagate = False


class MeteredPushService:
    """Wraps the push service and counts every event's outcome (accepted/duplicate/
    rejected). Everything else (fault injection hooks, limits, the writer) is the
    wrapped service's own: nothing is rebuilt, so nothing is dropped."""

    def __init__(self, inner: Pusher) -> None:
        self.inner = inner

    def push(self, terminal_id: str, events: list[Event]) -> PushResponseWithGaps:
        response = self.inner.push(terminal_id, events)
        for result in response.results:
            PUSH_EVENTS.labels(result.status).inc()
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _route_label(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"


def _client(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None  # the real client behind a trusted proxy


class RequestMetrics:
    """Counts and times every HTTP request (called by the edge layer,
    ``sync_server/api/edge.py``, once its answer is sent); writes an access-log record
    for every request when ``access_log`` is on, else only for server errors (5xx).
    The labelled children are kept: prometheus_client's ``labels()`` looks them up
    under a lock on every call."""

    def __init__(self, access_log: bool = False) -> None:
        self.log_every_request = access_log
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def record(self, scope: Scope, status: int, elapsed: float) -> None:
        method, route = scope["method"], _route_label(scope)
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                HTTP_REQUESTS.labels(method, route, str(status)),
                HTTP_LATENCY.labels(method, route),
            )
        children[0].inc()
        children[1].observe(elapsed)
        if (self.log_every_request or status >= 500) and access_log.isEnabledFor(logging.INFO):
            access_log.info(
                "%s %s %d",
                method,
                scope["path"],
                status,
                extra={
                    "method": method,
                    "path": scope["path"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "client": _client(scope),
                },
            )


def metrics_payload() -> bytes:
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def install(app: FastAPI, services: Services) -> RequestMetrics | None:
    """Metered push service and ``GET /metrics`` (when enabled); returns what the edge
    layer records every request with (None: metrics off)."""
    if not services.settings.metrics_enabled:
        return None
    services.push = MeteredPushService(services.push)

    token = services.settings.metrics_token

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        sent = request.headers.get("authorization", "")
        if not token or not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return _metrics_refused(bool(token))
        return Response(metrics_payload(), media_type=CONTENT_TYPE_LATEST)

    return RequestMetrics(access_log=services.settings.access_log)


def _metrics_refused(configured: bool) -> Response:
    detail = (
        "/metrics needs the header Authorization: Bearer <metrics_token>."
        if configured
        else "/metrics is closed until a metrics_token is set (docs/CONFIGURATION.md)."
    )
    body = {
        "type": PROBLEM_TYPE + "unauthorized",
        "title": "Unauthorized",
        "status": 401,
        "detail": detail,
        "code": "unauthorized",
    }
    return Response(
        json.dumps(body),
        status_code=401,
        media_type=MEDIA_TYPE,
        headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
    )
