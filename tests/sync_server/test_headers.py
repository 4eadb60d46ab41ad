"""Security headers beyond the console: the API, the schema, /metrics and /docs."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sync_server.app import build_services, create_app
from sync_server.config import Settings
from sync_server.db import Database
from tests.sync_server.helpers import Pairing, new_terminal


def _hardened(response: object, *, no_store: bool) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "strict-transport-security" in headers  # the test client speaks https
    if no_store:
        assert headers["cache-control"] == "no-store"


def test_api_schema_and_metrics_answers_carry_the_headers(
    client: TestClient, paired: Pairing, database: Database, settings: Settings
) -> None:
    _, code = new_terminal(database, settings, name="Till 2")
    pair = client.post("/v1/pair", json={"pairing_code": code, "device_name": "t2"})
    assert pair.status_code == 201
    assert "token" in pair.json()
    _hardened(pair, no_store=True)
    _hardened(client.get("/v1/changes", headers=paired.headers), no_store=True)
    _hardened(client.get("/v1/health"), no_store=True)
    _hardened(client.get("/v1/nothing"), no_store=True)
    big = client.post("/v1/events", content=b"x" * 2_000_000, headers=paired.headers)
    assert big.status_code == 413
    _hardened(big, no_store=True)
    schema = client.get("/openapi.json")
    assert schema.status_code == 200
    _hardened(schema, no_store=False)
    assert schema.headers["content-security-policy"].startswith("default-src 'none'")
    _hardened(client.get("/metrics"), no_store=True)


def test_docs_are_off_unless_asked_for(client: TestClient, settings: Settings) -> None:
    for path in ("/docs", "/redoc"):
        assert client.get(path).status_code == 404
    on = settings.model_copy(update={"docs_enabled": True})
    with TestClient(create_app(on, background=False), base_url="https://testserver") as docs:
        page = docs.get("/docs")
        assert page.status_code == 200
        assert "swagger" in page.text.lower()
        _hardened(page, no_store=False)
        assert (
            "script-src 'unsafe-inline' https://cdn.jsdelivr.net"
            in (page.headers["content-security-policy"])
        )


def test_metrics_are_closed_without_the_token(settings: Settings, database: Database) -> None:
    closed_app = create_app(settings, services=build_services(settings, database), background=False)
    with TestClient(closed_app) as closed:
        answer = closed.get("/metrics")
        assert answer.status_code == 401
        assert "metrics_token" in answer.json()["detail"]
        assert "sync_http_requests_total" not in answer.text
    token = settings.model_copy(update={"metrics_token": "scrape-secret"})
    open_app = create_app(token, services=build_services(token, database), background=False)
    with TestClient(open_app) as scraper:
        assert scraper.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        good = scraper.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
        assert good.status_code == 200
        assert "sync_http_requests_total" in good.text
