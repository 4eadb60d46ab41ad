"""The hot routes (plain ASGI, sync_server/api/hot.py) answer as FastAPI's routes do:
the same statuses, bodies and problem codes, the security headers, the body limit and
the request metrics, whichever path a request takes."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from sync_server.api.hot import GZIP_FROM_BYTES
from sync_server.app import build_services, create_app
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.services.pull import encode_cursor
from sync_server.services.seed import SAME_SIZE_STAND_IN, SeedService
from tests.sync_server.helpers import Pairing, pair_terminal
from tests.sync_server.test_idle_sync import counting_statements

_HARDENING = (
    "content-security-policy",
    "x-frame-options",
    "x-content-type-options",
    "referrer-policy",
    "cache-control",
)


def _app(settings: Settings, database: Database, *, hot: bool) -> TestClient:
    these = settings.model_copy(update={"hot_routes": hot, "metrics_token": "scrape"})
    return TestClient(
        create_app(these, services=build_services(these, database), background=False),
        raise_server_exceptions=False,
    )


def _shape(response: Any) -> dict[str, Any]:
    """What a client can see of an answer, with the parts that differ by run taken out
    (event ids, balances and versions do not differ here: the requests are the same)."""
    body = response.json() if response.content else None
    if isinstance(body, dict) and "errors" in body:  # messages are pydantic's own words
        body = dict(body, errors=[e["loc"] for e in body["errors"]])
    return {
        "status": response.status_code,
        "type": response.headers.get("content-type"),
        "hardening": {h: response.headers.get(h) for h in _HARDENING},
        "www-authenticate": response.headers.get("www-authenticate"),
        "body": body,
    }


def _requests(paired: Pairing) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Pairs of requests that must be answered alike; pushes use fresh events."""
    h = paired.headers
    latest = {"cursor": encode_cursor(0)}
    yield "GET", "/v1/changes", {"headers": h}
    yield "GET", "/v1/changes", {"headers": h, "params": {"limit": 2}}
    yield "GET", "/v1/changes", {"headers": h, "params": latest | {"wait": "0.05"}}
    yield "GET", "/v1/changes", {"headers": h, "params": {"limit": 0}}
    yield "GET", "/v1/changes", {"headers": h, "params": {"limit": "ten", "wait": "-1"}}
    yield "GET", "/v1/changes", {"headers": h, "params": {"cursor": "x" * 201}}
    yield "GET", "/v1/changes", {"headers": h, "params": {"cursor": "garbage!"}}
    yield "GET", "/v1/changes", {"headers": h, "params": {"cursor": encode_cursor(10**9)}}
    yield "GET", "/v1/changes", {}
    yield "GET", "/v1/changes", {"headers": {"Authorization": "Bearer nope"}}
    yield "GET", "/v1/changes", {"headers": {"Authorization": "Basic abc"}}
    yield "POST", "/v1/events", {"headers": h, "content": b"{not json"}
    yield "POST", "/v1/events", {"headers": h, "json": {"events": []}}
    yield "POST", "/v1/events", {"headers": h, "json": {"events": []}, "params": {"limit": 0}}
    yield "POST", "/v1/events", {"json": {"events": []}}
    yield "POST", "/v1/events", {"headers": h, "content": b"x" * 2_000_000}


def test_hot_routes_answer_as_fastapi_does(settings: Settings, database: Database) -> None:
    with _app(settings, database, hot=True) as hot, _app(settings, database, hot=False) as slow:
        paired = pair_terminal(hot, database, settings)
        for method, path, kwargs in _requests(paired):
            fast, reference = (
                hot.request(method, path, **kwargs),
                slow.request(method, path, **kwargs),
            )
            assert _shape(fast) == _shape(reference), (method, path, kwargs)
        # The same push to each (one applies, the other answers duplicate): same shape,
        # with the pull page of push and pull in one trip.
        enrol = paired.events.enrol()
        body = {"events": [enrol]}
        params = {"cursor": encode_cursor(0), "limit": 1}
        first = hot.post("/v1/events", json=body, headers=paired.headers, params=params).json()
        again = slow.post("/v1/events", json=body, headers=paired.headers, params=params).json()
        assert first["results"][0]["status"] == "accepted"
        assert again["results"][0]["status"] == "duplicate"
        assert first["pull"]["more"] is True  # limit 1: the seeded program and more
        assert first["pull"] == again["pull"]


def _streamed(size: int) -> Iterator[bytes]:
    chunk = b"x" * 65536
    for _ in range(size // len(chunk) + 1):
        yield chunk


def test_a_streamed_body_over_the_limit_is_refused(client: TestClient, paired: Pairing) -> None:
    # No Content-Length (chunked): the limit cuts it off as it arrives.
    answer = client.post("/v1/events", content=_streamed(1_200_000), headers=paired.headers)
    assert answer.status_code == 413
    assert answer.json()["code"] == "payload_too_large"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"


def _count(body: str, route: str, status: str) -> float:
    for line in body.splitlines():
        wanted = (f'route="{route}"', f'status="{status}"')
        if line.startswith("sync_http_requests_total{") and all(w in line for w in wanted):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_hot_routes_are_counted_by_their_template(settings: Settings, database: Database) -> None:
    with _app(settings, database, hot=True) as client:
        paired = pair_terminal(client, database, settings)
        scrape = {"Authorization": "Bearer scrape"}
        before = client.get("/metrics", headers=scrape).text
        for _ in range(3):
            client.get("/v1/changes", headers=paired.headers, params={"limit": 1})
        client.get("/v1/changes", headers={"Authorization": "Bearer nope"})
        client.post("/v1/events", headers=paired.headers, json={"events": []})
        after = client.get("/metrics", headers=scrape).text
    assert _count(after, "/v1/changes", "200") - _count(before, "/v1/changes", "200") == 3
    assert _count(after, "/v1/changes", "401") - _count(before, "/v1/changes", "401") == 1
    assert _count(after, "/v1/events", "200") - _count(before, "/v1/events", "200") == 1
    assert not re.search(r'route="/v1/changes\?', after)  # templates, never raw paths


def test_a_herd_of_health_probes_asks_the_database_once_a_second(
    settings: Settings, database: Database
) -> None:
    with _app(settings, database, hot=True) as client:
        assert client.get("/v1/health").json()["database"] == "ok"
        with counting_statements(database) as statements:
            started = time.monotonic()
            for _ in range(100):  # a chain's tills probing as the server returns
                assert client.get("/v1/health").status_code == 200
            took = time.monotonic() - started
        # pool_pre_ping may add a statement of its own to each check
        assert len(statements) <= 2 * (int(took) + 2), (len(statements), took)


def test_health_says_when_the_database_is_away(tmp_path: Path) -> None:
    away = Settings(
        database_url="postgresql+psycopg://postgres@127.0.0.1:1/nowhere",
        data_dir=tmp_path,
        maintenance_interval_seconds=0,
    )
    database = Database(away.resolved_database_url())
    answers = []
    for hot in (True, False):
        with _app(away, database, hot=hot) as client:
            answers.append(client.get("/v1/health"))
    for answer in answers:
        assert answer.status_code == 503
        assert answer.json()["status"] == "degraded"
        assert answer.json()["database"] == "unavailable"


def test_a_large_pull_page_goes_gzipped_to_a_client_that_accepts_it(
    settings: Settings, database: Database
) -> None:
    SeedService(database).seed(
        300, opening_events=False, with_staff=False, phone_lookup=SAME_SIZE_STAND_IN
    )
    with _app(settings, database, hot=True) as client:
        paired = pair_terminal(client, database, settings)
        asked = {"params": {"limit": 400}}
        packed = client.get(
            "/v1/changes", headers={**paired.headers, "Accept-Encoding": "gzip"}, **asked
        )
        plain = client.get(
            "/v1/changes", headers={**paired.headers, "Accept-Encoding": "identity"}, **asked
        )
        refused = client.get(
            "/v1/changes", headers={**paired.headers, "Accept-Encoding": "gzip;q=0"}, **asked
        )
        small = client.get(
            "/v1/changes",
            headers={**paired.headers, "Accept-Encoding": "gzip"},
            params={"limit": 1},
        )
    assert packed.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert "content-encoding" not in refused.headers
    assert "content-encoding" not in small.headers  # below GZIP_FROM_BYTES
    assert len(plain.content) >= GZIP_FROM_BYTES
    assert int(packed.headers["content-length"]) < len(plain.content) / 2
    assert packed.json() == plain.json()  # httpx decoded it: the same page
    assert len(plain.json()["changes"]) > 300
