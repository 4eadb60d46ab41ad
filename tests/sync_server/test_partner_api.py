"""The partner API (issue 18): API keys, look-ups, online enrol/earn/redeem through the
tills' push path, Idempotency-Key semantics; in-process app on SQLite and PostgreSQL, and
two real server processes receiving the same key at once."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from sync_server.db import Database
from sync_server.services.accounts import CLI_PRINCIPAL
from sync_server.services.partner_keys import SCOPES, PartnerKeyService
from tests.sync_server.helpers import Pairing, pull_all
from tests.sync_server.live import ServerProcess

P = "/partner/v1"


def make_key(database: Database, scopes: tuple[str, ...] = SCOPES, **kwargs: Any) -> str:
    return (
        PartnerKeyService(database).create(CLI_PRINCIPAL, "webshop", list(scopes), **kwargs).secret
    )


def auth(secret: str, key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {secret}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


ENROL = {
    "store": "S001",
    "name": "Li Na 李娜",
    "phone": "13912345678",
    "consent_marketing": True,
    "external_id": "shop-42",
}


def enrol(client: TestClient, secret: str, key: str = "enrol-1", **body: Any) -> Any:
    return client.post(f"{P}/members", json={**ENROL, **body}, headers=auth(secret, key))


def earn_body(order: str = "A-1", amount: int = 12_345) -> dict[str, Any]:
    return {
        "store": "S001",
        "channel": "web",
        "order_id": order,
        "amount_cents": amount,
        "currency": "CNY",
    }


def test_keys_are_required_scoped_and_revocable(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    assert client.get(f"{P}/members?code=1").status_code == 401
    assert client.get(f"{P}/members?code=1", headers=auth("pk_nonsense")).status_code == 401
    reader = make_key(database, ("members:read",))
    refused = enrol(client, reader)
    assert refused.status_code == 403
    assert refused.json()["code"] == "scope_missing"
    assert refused.headers["content-type"].startswith("application/problem+json")
    service = PartnerKeyService(database)
    [listed] = service.list()
    assert listed["last_used_at"] is not None  # the refused call used it
    with database.read() as session:
        from sync_server.models import PartnerKey

        stored = session.get(PartnerKey, listed["key_id"])
        assert stored is not None
        assert reader not in (stored.secret_hash, stored.name)  # only its hash is kept
    service.revoke(CLI_PRINCIPAL, listed["key_id"])
    assert client.get(f"{P}/members?code=1", headers=auth(reader)).status_code == 401


def test_rate_limit_answers_429_with_retry_after(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    secret = make_key(database, rate_per_minute=3)
    codes = [client.get(f"{P}/members?code=1", headers=auth(secret)).status_code for _ in range(4)]
    assert codes[:3] == [404, 404, 404]
    limited = client.get(f"{P}/members?code=1", headers=auth(secret))
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1


def test_enrol_look_up_and_replay(client: TestClient, paired: Pairing, database: Database) -> None:
    secret = make_key(database)
    first = enrol(client, secret)
    assert first.status_code == 201, first.text
    member = first.json()
    assert member["balance"] == 0
    assert member["tier"] == "member"
    assert member["external_ids"] == ["shop-42"]
    again = enrol(client, secret)
    assert again.status_code == 201
    assert again.json() == member
    assert again.headers["Idempotent-Replayed"] == "true"
    reused = enrol(client, secret, name="Someone Else")
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    missing = client.post(f"{P}/members", json=ENROL, headers=auth(secret))
    assert missing.status_code == 422
    assert missing.json()["code"] == "idempotency_key_required"
    same_phone = enrol(client, secret, key="enrol-2", external_id="shop-43")
    assert same_phone.status_code == 409
    assert same_phone.json()["code"] == "phone_in_use"

    for query in (
        f"code={member['member_code']}",
        "phone=13912345678",
        "phone=%2B8613912345678",
        "external_id=shop-42",
    ):
        found = client.get(f"{P}/members?{query}", headers=auth(secret))
        assert found.status_code == 200, (query, found.text)
        assert found.json()["member_id"] == member["member_id"]
    assert client.get(f"{P}/members?external_id=nope", headers=auth(secret)).status_code == 404
    # The till pulls the member the web shop enrolled.
    state, _ = pull_all(client, paired)
    pulled = state[("member", member["member_id"])]["data"]
    assert pulled["member_code"] == member["member_code"]
    assert pulled["display_name"] == "Li Na 李娜"


def test_earn_redeem_once_per_order_and_tills_see_it(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    secret = make_key(database)
    member_id = enrol(client, secret).json()["member_id"]
    url = f"{P}/members/{member_id}"
    earned = client.post(f"{url}/earn", json=earn_body(), headers=auth(secret, "e1"))
    assert earned.status_code == 200, earned.text
    assert earned.json()["status"] == "accepted"
    points = earned.json()["points"]
    assert points == 123  # the program's rule for 123.45 at the member tier
    assert earned.json()["balance"] == 123
    # The same order under another key: once only.
    twice = client.post(f"{url}/earn", json=earn_body(), headers=auth(secret, "e2"))
    assert twice.status_code == 200
    assert twice.json()["status"] == "duplicate"
    assert twice.json()["balance"] == 123
    changed = client.post(f"{url}/earn", json=earn_body(amount=999), headers=auth(secret, "e3"))
    assert changed.status_code == 409
    assert changed.json()["code"] == "order_conflict"

    redeem = {
        "store": "S001",
        "channel": "web",
        "order_id": "A-2",
        "points": 100,
        "order_amount_cents": 10_000,
    }
    redeemed = client.post(f"{url}/redeem", json=redeem, headers=auth(secret, "r1"))
    assert redeemed.status_code == 200, redeemed.text
    assert redeemed.json()["balance"] == 23
    too_much = {**redeem, "order_id": "A-3", "points": 500}
    refused = client.post(f"{url}/redeem", json=too_much, headers=auth(secret, "r2"))
    assert refused.status_code == 409
    assert refused.json()["code"] == "insufficient_balance"
    # A repeat of a refused write answers the first answer again.
    repeat = client.post(f"{url}/redeem", json=too_much, headers=auth(secret, "r2"))
    assert repeat.status_code == 409
    assert repeat.json() == refused.json()

    state, _ = pull_all(client, paired)
    assert state[("member", member_id)]["data"]["balance"] == 23
    assert state[("member", member_id)]["data"]["lifetime_points"] == 123

    page = client.get(f"{url}/history?limit=1", headers=auth(secret)).json()
    assert len(page["items"]) == 1
    assert page["next_cursor"]
    rest = client.get(
        f"{url}/history", params={"limit": 10, "cursor": page["next_cursor"]}, headers=auth(secret)
    ).json()
    types = [item["type"] for item in page["items"] + rest["items"]]
    assert types == ["points.redeemed", "points.earned", "member.enrolled"]
    assert rest["next_cursor"] is None


def test_return_an_online_order_in_parts_once_each_never_beyond_it(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    secret = make_key(database)
    member_id = enrol(client, secret).json()["member_id"]
    url = f"{P}/members/{member_id}"
    earned = client.post(f"{url}/earn", json=earn_body("W-9", 20_000), headers=auth(secret, "e"))
    assert earned.json()["points"] == 200
    redeem = {"store": "S001", "channel": "web", "order_id": "W-9", "points": 100}
    redeemed = client.post(
        f"{url}/redeem", json={**redeem, "order_amount_cents": 20_000}, headers=auth(secret, "r")
    )
    assert redeemed.json()["balance"] == 100

    def give_back(return_id: str, amount: int, key: str) -> Any:
        body = {"store": "S001", "channel": "web", "order_id": "W-9"}
        body |= {"return_id": return_id, "amount_cents": amount}
        return client.post(f"{url}/return", json=body, headers=auth(secret, key))

    # 80.00 of 200.00 back: 80 earned points come out, 40 redeemed points go back in.
    first = give_back("ret-1", 8_000, "k1")
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "accepted"
    assert first.json()["points"] == 40 - 80
    assert first.json()["balance"] == 60
    assert first.json()["returned_cents"] == 8_000
    # The same return under another key changes nothing; another part is another return.
    again = give_back("ret-1", 8_000, "k2")
    assert again.json()["status"] == "duplicate"
    assert again.json()["balance"] == 60
    # 150.00 more asked, 120.00 left: the rest is excess, flagged for head office.
    rest = give_back("ret-2", 15_000, "k3")
    assert rest.status_code == 200, rest.text
    assert rest.json()["returned_cents"] == 12_000
    assert rest.json()["excess_cents"] == 3_000
    assert rest.json()["flag"] == "return_over_sale"
    assert rest.json()["balance"] == 0  # every earned point out, every redeemed point back

    state, _ = pull_all(client, paired)
    assert state[("member", member_id)]["data"]["balance"] == 0
    assert state[("member", member_id)]["data"]["lifetime_points"] == 0
    # Nothing left: accepted as nothing and flagged, as a till's return would be.
    beyond = give_back("ret-3", 100, "k4")
    assert beyond.status_code == 200, beyond.text
    assert (beyond.json()["returned_cents"], beyond.json()["excess_cents"]) == (0, 100)
    assert beyond.json()["flag"] == "return_over_sale"
    assert beyond.json()["balance"] == 0
    missing = client.post(
        f"{url}/return",
        json={
            "store": "S001",
            "channel": "web",
            "order_id": "never",
            "return_id": "x",
            "amount_cents": 100,
        },
        headers=auth(secret, "k5"),
    )
    assert missing.status_code == 404
    assert missing.json()["code"] == "unknown_order"


def test_store_report_needs_reports_read_and_counts_online_orders(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    from datetime import date, timedelta

    secret = make_key(database)
    member_id = enrol(client, secret).json()["member_id"]
    client.post(
        f"{P}/members/{member_id}/earn", json=earn_body("Q-1", 20_000), headers=auth(secret, "q")
    )
    today = date.today()
    window = {
        "date_from": str(today - timedelta(days=1)),
        "date_to": str(today + timedelta(days=1)),
    }
    report = client.get(f"{P}/reports/stores/S001", params=window, headers=auth(secret))
    assert report.status_code == 200, report.text
    total = report.json()["total"]
    assert (total["points_earned"], total["member_sales_cents"]) == (200, 20_000)
    assert total["enrollments"] == 1
    assert sum(day["points_earned"] for day in report.json()["days"]) == 200

    reader = make_key(database, ("members:read",))
    refused = client.get(f"{P}/reports/stores/S001", params=window, headers=auth(reader))
    assert refused.status_code == 403
    assert refused.json()["code"] == "scope_missing"
    from tests.sync_server.helpers import ensure_store

    ensure_store(database, "S002")
    elsewhere = make_key(database, ("reports:read",), stores=["S002"])
    other = client.get(f"{P}/reports/stores/S001", params=window, headers=auth(elsewhere))
    assert other.status_code == 409
    assert other.json()["code"] == "store_not_allowed"
    too_long = {"date_from": "2026-01-01", "date_to": "2026-12-31"}
    bad = client.get(f"{P}/reports/stores/S001", params=too_long, headers=auth(secret))
    assert bad.status_code == 422


def test_update_profile_and_consent(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    secret = make_key(database)
    member_id = enrol(client, secret).json()["member_id"]
    change = {"store": "S001", "name": "Li Na (web)", "consent_marketing": False}
    updated = client.patch(f"{P}/members/{member_id}", json=change, headers=auth(secret, "u1"))
    assert updated.status_code == 200, updated.text
    assert updated.json()["name"] == "Li Na (web)"
    assert updated.json()["consent_marketing"] is False
    again = client.patch(f"{P}/members/{member_id}", json=change, headers=auth(secret, "u1"))
    assert again.json() == updated.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    bad = client.patch(
        f"{P}/members/{member_id}",
        json={"store": "S001", "phone": "12"},
        headers=auth(secret, "u2"),
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_phone"
    empty = client.patch(
        f"{P}/members/{member_id}", json={"store": "S001"}, headers=auth(secret, "u3")
    )
    assert empty.status_code == 422
    assert empty.json()["code"] == "nothing_changed"
    state, _ = pull_all(client, paired)
    assert state[("member", member_id)]["data"]["display_name"] == "Li Na (web)"


def test_issue_coupon_once_and_tills_see_it(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    secret = make_key(database)
    member_id = enrol(client, secret).json()["member_id"]
    body = {"title": "Birthday 生日券", "value_cents": 2000, "currency": "CNY"}
    url = f"{P}/members/{member_id}/coupons"
    issued = client.post(url, json=body, headers=auth(secret, "c1"))
    assert issued.status_code == 201, issued.text
    coupon = issued.json()
    again = client.post(url, json=body, headers=auth(secret, "c1"))
    assert again.json() == coupon
    reader = make_key(database, ("members:read",))
    refused = client.post(url, json=body, headers=auth(reader, "c2"))
    assert refused.status_code == 403
    bad = client.post(url, json={**body, "currency": "XX1"}, headers=auth(secret, "c3"))
    assert bad.status_code == 422
    state, _ = pull_all(client, paired)
    pulled = state[("coupon", coupon["coupon_id"])]["data"]
    assert pulled["member_id"] == member_id
    assert pulled["status"] == "available"
    member = client.get(f"{P}/members/{member_id}", headers=auth(secret)).json()
    assert [c["coupon_id"] for c in member["coupons"]] == [coupon["coupon_id"]]


def test_enrol_with_a_taken_external_id_enrols_nobody(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    secret = make_key(database)
    assert enrol(client, secret).status_code == 201
    taken = enrol(client, secret, key="e2", phone="13912349999")  # external_id shop-42 again
    assert taken.status_code == 409
    assert taken.json()["code"] == "external_id_in_use"
    free = client.get(f"{P}/members?phone=13912349999", headers=auth(secret))
    assert free.status_code == 404  # nobody was enrolled


def test_the_channel_terminal_takes_no_pairing_code_and_revoking_it_stops_online_writes(
    client: TestClient, paired: Pairing, database: Database, settings: Any
) -> None:
    from sync_server.errors import Conflict
    from sync_server.models import PartnerChannel
    from sync_server.services.pairing_codes import PairingCodeService
    from sync_server.services.terminals import TerminalService

    secret = make_key(database)
    member_id = enrol(client, secret).json()["member_id"]
    with database.read() as session:
        [channel] = session.query(PartnerChannel).all()
    with pytest.raises(Conflict):
        PairingCodeService(database, settings).renew(channel.terminal_id)
    TerminalService(database, settings).revoke(channel.terminal_id)
    refused = client.post(
        f"{P}/members/{member_id}/earn", json=earn_body(), headers=auth(secret, "after")
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "channel_revoked"


def test_store_limited_key(client: TestClient, paired: Pairing, database: Database) -> None:
    from tests.sync_server.helpers import ensure_store

    ensure_store(database, "S002")
    secret = make_key(database, stores=["S002"])
    refused = enrol(client, secret)  # S001
    assert refused.status_code == 409
    assert refused.json()["code"] == "store_not_allowed"
    assert enrol(client, secret, key="k2", store="S002").status_code == 201


def test_openapi_lists_partner_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert f"{P}/members" in paths
    assert f"{P}/members/{{member_id}}/earn" in paths


def test_two_server_processes_same_key_at_once(
    server_factory: Callable[..., ServerProcess], database: Database
) -> None:
    """Each process holds its push 1.5 s before the commit. PostgreSQL: the second
    request with the key arrives while the first is in flight and is told so (409).
    SQLite (one writer): it waits, then replays the first answer. Afterwards both
    processes replay the first answer, and the points moved once."""
    from tests.sync_server.helpers import ensure_store

    ensure_store(database, "S001")
    secret = make_key(database)
    first = server_factory(SYNC_FAULT_PAUSE_BEFORE_COMMIT_SECONDS="1.5")
    second = server_factory(SYNC_FAULT_PAUSE_BEFORE_COMMIT_SECONDS="1.5")
    made = httpx.post(f"{first.url}{P}/members", json=ENROL, headers=auth(secret, "en"), timeout=30)
    assert made.status_code == 201, made.text
    member_id = made.json()["member_id"]
    answers: dict[str, httpx.Response] = {}

    def call(name: str, server: ServerProcess) -> None:
        answers[name] = httpx.post(
            f"{server.url}{P}/members/{member_id}/earn",
            json=earn_body("B-1"),
            headers=auth(secret, "same-key"),
            timeout=30,
        )

    threads = [
        threading.Thread(target=call, args=(name, server))
        for name, server in (("a", first), ("b", second))
    ]
    threads[0].start()
    threading.Event().wait(0.5)
    threads[1].start()
    for thread in threads:
        thread.join()
    statuses = sorted(r.status_code for r in answers.values())
    winner = next(
        r
        for r in answers.values()
        if r.status_code == 200 and "Idempotent-Replayed" not in r.headers
    )
    other = answers["b"] if winner is answers["a"] else answers["a"]
    if database.is_sqlite:
        # One writer at a time: the second request's record waits for the first's
        # commit, then finds its answer and replays it.
        assert statuses == [200, 200]
        assert other.headers["Idempotent-Replayed"] == "true"
        assert other.json() == winner.json()
    else:
        assert statuses == [200, 409], {k: r.text for k, r in answers.items()}
        assert other.json()["code"] == "idempotency_in_flight"
    for server in (first, second):
        replay = httpx.post(
            f"{server.url}{P}/members/{member_id}/earn",
            json=earn_body("B-1"),
            headers=auth(secret, "same-key"),
            timeout=30,
        )
        assert replay.status_code == 200
        assert replay.json() == winner.json()
    member = httpx.get(f"{first.url}{P}/members/{member_id}", headers=auth(secret)).json()
    assert member["balance"] == winner.json()["points"]
    assert uuid.UUID(winner.json()["event_id"])


@pytest.mark.parametrize("missing", ["store", "channel", "order_id"])
def test_bad_input_is_a_problem_and_nothing_is_recorded(
    client: TestClient, paired: Pairing, database: Database, missing: str
) -> None:
    secret = make_key(database)
    member_id = enrol(client, secret).json()["member_id"]
    body = earn_body()
    del body[missing]
    answer = client.post(f"{P}/members/{member_id}/earn", json=body, headers=auth(secret, "x"))
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_request"
    good = client.post(f"{P}/members/{member_id}/earn", json=earn_body(), headers=auth(secret, "x"))
    assert good.status_code == 200  # the key was not spent on the bad request


def test_cli_makes_lists_and_revokes_keys_and_webhooks(
    db_url: str, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from sync_server.cli import main

    assert (
        main(["partner-key", "create", "crm", "--scopes", "members:read", "--db", db_url, "--json"])
        == 0
    )
    made = json.loads(capsys.readouterr().out)
    assert made["secret"].startswith("pk_")
    assert main(["partner-key", "create", "x", "--scopes", "nope", "--db", db_url]) == 2
    capsys.readouterr()
    assert main(["partner-key", "list", "--db", db_url, "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert made["secret"] not in json.dumps(listed)
    assert main(["partner-key", "revoke", made["key_id"], "--db", db_url]) == 0
    capsys.readouterr()
    assert (
        main(
            [
                "webhook",
                "add",
                "https://crm.example/hook",
                "--types",
                "points.earned",
                "--db",
                db_url,
                "--json",
            ]
        )
        == 0
    )
    hook = json.loads(capsys.readouterr().out)
    assert hook["secret"].startswith("whsec_")
    assert main(["webhook", "pause", hook["endpoint_id"], "--db", db_url]) == 0
    capsys.readouterr()
    assert main(["webhook", "list", "--db", db_url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["paused"] is True
    assert main(["webhook", "add", "ftp://x", "--db", db_url]) == 2


WRITES: dict[str, tuple[str, str, dict[str, Any], dict[str, Any]]] = {
    # route: (method, path under the member or "", first body, a different body)
    "enrol": (
        "POST",
        "",
        {**ENROL, "phone": "13912340000", "external_id": None},
        {**ENROL, "phone": "13912340001", "external_id": None},
    ),
    "update": ("PATCH", "", {"store": "S001", "name": "A"}, {"store": "S001", "name": "B"}),
    "earn": ("POST", "/earn", earn_body("I-1"), earn_body("I-2")),
    "redeem": (
        "POST",
        "/redeem",
        {
            "store": "S001",
            "channel": "web",
            "order_id": "R-1",
            "points": 100,
            "order_amount_cents": 9000,
        },
        {
            "store": "S001",
            "channel": "web",
            "order_id": "R-2",
            "points": 100,
            "order_amount_cents": 9000,
        },
    ),
    "return": (
        "POST",
        "/return",
        {
            "store": "S001",
            "channel": "web",
            "order_id": "seed",
            "return_id": "b1",
            "amount_cents": 1000,
        },
        {
            "store": "S001",
            "channel": "web",
            "order_id": "seed",
            "return_id": "b2",
            "amount_cents": 2000,
        },
    ),
    "coupon": (
        "POST",
        "/coupons",
        {"title": "T", "value_cents": 100, "currency": "CNY"},
        {"title": "T", "value_cents": 200, "currency": "CNY"},
    ),
}


@pytest.mark.parametrize("route", list(WRITES))
def test_every_write_repeats_its_first_answer_and_refuses_a_reused_key(
    client: TestClient, paired: Pairing, database: Database, route: str
) -> None:
    secret = make_key(database)
    member_id = enrol(client, secret).json()["member_id"]
    client.post(
        f"{P}/members/{member_id}/earn",
        json=earn_body("seed", 50_000),
        headers=auth(secret, "seed"),
    )
    method, tail, first, other = WRITES[route]
    url = f"{P}/members" if route == "enrol" else f"{P}/members/{member_id}{tail}"
    answers = [
        client.request(method, url, json=first, headers=auth(secret, f"{route}-key"))
        for _ in range(3)
    ]
    assert answers[0].status_code in (200, 201), answers[0].text
    assert "Idempotent-Replayed" not in answers[0].headers
    for repeat in answers[1:]:
        assert repeat.status_code == answers[0].status_code
        assert repeat.json() == answers[0].json()
        assert repeat.headers["Idempotent-Replayed"] == "true"
    reused = client.request(method, url, json=other, headers=auth(secret, f"{route}-key"))
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    # Another key is another operation (an order stays once: see the earn test).
    fresh = client.request(method, url, json=other, headers=auth(secret, f"{route}-other"))
    assert fresh.status_code in (200, 201), fresh.text


def test_answered_keys_are_forgotten_after_a_day_orders_stay_once(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    from datetime import UTC, datetime, timedelta

    from sync_server.services.partner_idempotency import IdempotencyStore

    secret = make_key(database)
    member_id = enrol(client, secret).json()["member_id"]
    url = f"{P}/members/{member_id}/earn"
    first = client.post(url, json=earn_body(), headers=auth(secret, "old"))
    store = IdempotencyStore(database)
    assert store.purge(datetime.now(UTC)) == 0  # not a day old yet
    assert store.purge(datetime.now(UTC) + timedelta(days=2)) == 2  # enrol and earn
    later = client.post(url, json=earn_body(), headers=auth(secret, "old"))
    assert "Idempotent-Replayed" not in later.headers  # a new request now...
    assert later.json()["status"] == "duplicate"  # ...and still the same order, once
    assert later.json()["balance"] == first.json()["balance"]


def test_a_key_s_rate_is_shared_by_every_server_process(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    """Two processes' key services on one database (as two workers or two machines):
    together they let through the key's rate in a minute, then both refuse until it
    ends. Adding every request at once (sync_seconds=0) makes the bound exact."""
    from sync_server.services.partner_keys import RateLimiter, SharedWindow

    secret = make_key(database, rate_per_minute=10)
    clock = [1_800_000_030.0]  # 30 s into a minute
    workers = [
        PartnerKeyService(database, shared=SharedWindow(database, 0.0, clock=lambda: clock[0]))
        for _ in range(2)
    ]
    for worker in workers:  # each process's own bucket on the same clock
        worker.limiter = RateLimiter(clock=lambda: clock[0])
    allowed = 0
    refused: list[Any] = []
    for n in range(30):
        try:
            workers[n % 2].authenticate(f"Bearer {secret}")
            allowed += 1
        except Exception as error:
            refused.append(error)
    assert allowed == 10  # each process alone would have allowed 10
    assert {getattr(e, "code", None) for e in refused} == {"rate_limited"}
    assert 1 <= refused[0].params["retry_after"] <= 30
    clock[0] += 31  # the next minute
    workers[0].authenticate(f"Bearer {secret}")
    workers[1].authenticate(f"Bearer {secret}")


def test_two_processes_learning_once_a_second_overshoot_by_at_most_that(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    from sync_server.services.partner_keys import RateLimiter, SharedWindow

    secret = make_key(database, rate_per_minute=10)
    clock = [1_800_000_000.0]  # a minute starts

    def now() -> float:
        return clock[0]

    workers = [
        PartnerKeyService(database, shared=SharedWindow(database, 1.0, clock=now)) for _ in range(2)
    ]
    for worker in workers:
        worker.limiter = RateLimiter(clock=now)
    allowed = 0
    for n in range(1199):  # 20 requests a second for a minute, alternating
        clock[0] += 0.05
        try:
            workers[n % 2].authenticate(f"Bearer {secret}")
            allowed += 1
        except Exception:
            pass
    # Two limits of their own would let 40 through (10 each, refilled by 10 in the
    # minute); shared, each process counts at most a second of its own (10 here) before
    # it learns the other's: at most 10 + 2 x 10.
    assert 10 <= allowed <= 30
