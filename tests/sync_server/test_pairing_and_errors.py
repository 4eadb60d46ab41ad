"""Pairing, auth and every bad-input answer as a problem document (in-process app)."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from sync_server.config import Settings
from sync_server.db import Database
from sync_server.services.terminals import TerminalService
from tests.sync_server.helpers import Pairing, new_terminal, pair_terminal, push


def _problem(response: object, status: int, code: str) -> None:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["code"] == code
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()


def test_pairing_answer(
    client: TestClient, paired: Pairing, database: Database, settings: Settings
) -> None:
    body = paired.body
    assert re.fullmatch(r"\d{6}", body["member_code_prefix"])
    assert body["member_code_prefix"] != "100000"
    assert re.fullmatch(r"[0-9a-f]{64}", body["phone_hash_key"])
    assert body["store"]["store_code"] == "S001"
    assert body["store"]["currency"] == "CNY"
    assert body["store"]["timezone"] == "Asia/Shanghai"
    assert "server_time" in body
    _, code = new_terminal(database, settings, name="Till 2")
    second = client.post("/v1/pair", json={"pairing_code": code, "device_name": "t2"}).json()
    assert second["member_code_prefix"] != body["member_code_prefix"]
    assert second["phone_hash_key"] == body["phone_hash_key"]
    # Single use.
    again = client.post("/v1/pair", json={"pairing_code": code, "device_name": "t2"})
    _problem(again, 400, "invalid_pairing_code")


def test_pairing_code_expires(client: TestClient, database: Database, settings: Settings) -> None:
    new_terminal(database, settings)
    expired = TerminalService(database, settings.model_copy(update={"pairing_code_ttl_hours": 0}))
    made = expired.add("S001", "Till 9")
    response = client.post("/v1/pair", json={"pairing_code": made.pairing_code, "device_name": "x"})
    _problem(response, 400, "invalid_pairing_code")


def test_pairing_is_throttled(client: TestClient, database: Database, settings: Settings) -> None:
    _, good = new_terminal(database, settings)
    for _ in range(settings.pair_max_failures):
        _problem(
            client.post("/v1/pair", json={"pairing_code": "WRONGCODE1", "device_name": "x"}),
            400,
            "invalid_pairing_code",
        )
    response = client.post("/v1/pair", json={"pairing_code": good, "device_name": "x"})
    _problem(response, 429, "too_many_attempts")
    assert int(response.headers["retry-after"]) > 0


def test_auth(client: TestClient, paired: Pairing, database: Database, settings: Settings) -> None:
    _problem(client.get("/v1/changes"), 401, "unauthorized")
    assert client.get("/v1/changes").headers["www-authenticate"] == "Bearer"
    _problem(
        client.get("/v1/changes", headers={"Authorization": "Bearer nope"}), 401, "unauthorized"
    )
    assert client.get("/v1/changes", headers=paired.headers).status_code == 200
    TerminalService(database, settings).revoke(paired.terminal_id)
    _problem(client.get("/v1/changes", headers=paired.headers), 401, "unauthorized")
    _problem(
        client.post("/v1/events", json={"events": []}, headers=paired.headers), 401, "unauthorized"
    )


def test_bad_pushes_change_nothing(client: TestClient, paired: Pairing) -> None:
    ev = paired.events
    enrol = ev.enrol()
    h = paired.headers
    post = client.post
    _problem(post("/v1/events", content=b"{not json", headers=h), 422, "invalid_json")
    _problem(
        post("/v1/events", json={"events": [dict(enrol, type="member.teleported")]}, headers=h),
        422,
        "invalid_request",
    )
    _problem(
        post("/v1/events", json={"events": [dict(enrol, seq="1")]}, headers=h),
        422,
        "invalid_request",
    )
    bad_points = ev.earn(enrol["member_id"], 100, 1)
    bad_points["data"]["points"] = 1.0
    _problem(
        post("/v1/events", json={"events": [enrol, bad_points]}, headers=h), 422, "invalid_request"
    )
    _problem(post("/v1/events", json={"events": [enrol] * 501}, headers=h), 413, "too_many_events")
    huge = json.dumps({"events": [enrol], "pad": "x" * (1024 * 1024)})
    _problem(post("/v1/events", content=huge, headers=h), 413, "payload_too_large")
    nul = dict(enrol, data=dict(enrol["data"], name="Zhang\x00Wei"))
    _problem(post("/v1/events", json={"events": [nul]}, headers=h), 422, "invalid_request")
    other = dict(enrol, terminal_id="00000000-0000-4000-8000-000000000000")
    _problem(
        post("/v1/events", json={"events": [enrol, other]}, headers=h), 403, "terminal_mismatch"
    )
    # Nothing of the refused bodies was applied: the enrolment is new now.
    assert push(client, paired, [enrol])["results"][0]["status"] == "accepted"


def test_cursor_errors(client: TestClient, paired: Pairing) -> None:
    h = paired.headers
    _problem(
        client.get("/v1/changes", params={"cursor": "garbage!"}, headers=h), 400, "invalid_cursor"
    )
    _problem(
        client.get("/v1/changes", params={"cursor": "djEuOTk5OS4xMjM0NTY3OA"}, headers=h),
        400,
        "invalid_cursor",
    )
    from sync_server.services.pull import encode_cursor

    _problem(
        client.get("/v1/changes", params={"cursor": encode_cursor(10**9)}, headers=h),
        400,
        "invalid_cursor",
    )
    _problem(client.get("/v1/changes", params={"limit": 0}, headers=h), 422, "invalid_request")
    big = client.get("/v1/changes", params={"limit": 100_000}, headers=h)
    assert big.status_code == 200  # clamped to 5000


def test_health_and_openapi(client: TestClient) -> None:
    health = client.get("/v1/health").json()
    assert health["status"] == "ok"
    assert health["database"] == "ok"
    spec = client.get("/openapi.json").json()
    assert {"/v1/pair", "/v1/events", "/v1/changes", "/v1/day-close", "/v1/health"} <= spec[
        "paths"
    ].keys()
    assert "PushRequest" in spec["components"]["schemas"]
    _problem(client.get("/v1/nothing"), 404, "not_found")


def test_unexpected_errors_are_problem_documents(settings: Settings, database: Database) -> None:
    from sync_server.app import build_services, create_app

    services = build_services(settings, database)

    def broken(*_args: object, **_kwargs: object) -> str:
        raise RuntimeError("boom")

    services.pull.changes_json = broken  # type: ignore[method-assign]
    app = create_app(settings, services=services, background=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        paired = pair_terminal(client, database, settings)
        response = client.get("/v1/changes", headers=paired.headers)
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert response.headers["content-type"].startswith("application/problem+json")
