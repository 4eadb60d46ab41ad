"""Returns on the server (issue 15), on SQLite and PostgreSQL: partial returns of one
sale from three terminals of two stores, made offline and pushed in any order, never
return more than the sale; points, redeemed points, lifetime points and tier are right
after every step; an over-return is accepted up to what is left and flagged."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sync_server.config import Settings
from sync_server.db import Database
from sync_server.services.admin import AdminService
from tests.sync_server.helpers import Pairing, ensure_manager, new_terminal, pull_all, push

SALE = 20_000  # cents: earns 200 points at Member tier (x1), redeems 300 points


def _pair(client: TestClient, database: Database, settings: Settings, store: str) -> Pairing:
    _, code = new_terminal(database, settings, store=store, name=f"Till {store}")
    response = client.post("/v1/pair", json={"pairing_code": code, "device_name": "till"})
    assert response.status_code == 201, response.text
    body = response.json()
    return Pairing(
        body["terminal_id"],
        body["token"],
        body["member_code_prefix"],
        body["phone_hash_key"],
        body,
        lambda: ensure_manager(database, store),
    )


def _member_after_sale(client: TestClient, till: Pairing) -> tuple[str, dict[str, Any]]:
    """A member with 900 lifetime points, then the sale ``R-1``: 200 points earned
    (Silver at 1,100 lifetime) and 300 points redeemed on it; balance 800."""
    member_id = str(uuid.uuid4())
    first = till.events.earn(member_id, 90_000, 900)
    earn = till.events.make(
        "points.earned",
        member_id,
        {
            "sale_ref": "R-1",
            "amount_cents": SALE,
            "currency": "CNY",
            "points": 200,
            "rule_version": 1,
        },
    )
    redeem = till.events.make(
        "points.redeemed",
        member_id,
        {"sale_ref": "R-1", "points": 300, "value_cents": 300, "sale_amount_cents": SALE},
    )
    body = push(client, till, [till.events.enrol(member_id), first, earn, redeem])
    assert [r["status"] for r in body["results"]] == ["accepted"] * 4
    assert body["results"][-1]["member_balance"] == 800
    return member_id, {"earn": earn["event_id"], "redeem": redeem["event_id"]}


def _return(
    till: Pairing, member_id: str, sale: dict[str, Any], cents: int, **extra: Any
) -> dict[str, Any]:
    data = {
        "sale_ref": "R-1",
        "sale_event_id": sale["earn"],
        "redeemed_event_id": sale.get("redeem"),
        "amount_cents": cents,
        **extra,
    }
    return till.events.make("sale.returned", member_id, {k: v for k, v in data.items() if v})


def _member(client: TestClient, till: Pairing, member_id: str) -> dict[str, Any]:
    state, _ = pull_all(client, till)
    data: dict[str, Any] = state[("member", member_id)]["data"]
    return data


ORDERS = list(itertools.permutations(range(3)))


@pytest.mark.parametrize("order", ORDERS, ids=["".join(map(str, o)) for o in ORDERS])
def test_partial_returns_from_three_tills_of_two_stores_never_exceed_the_sale(
    client: TestClient, database: Database, settings: Settings, order: tuple[int, ...]
) -> None:
    seller = _pair(client, database, settings, "S001")
    same_store = _pair(client, database, settings, "S001")
    AdminService(database).add_store("S002", "Uptown")
    other_store = _pair(client, database, settings, "S002")
    member_id, sale = _member_after_sale(client, seller)

    # Another store's till finds the sale by its receipt number.
    found = client.get("/v1/sales", params={"sale_ref": "R-1"}, headers=other_store.headers)
    assert found.status_code == 200, found.text
    (hit,) = found.json()["sales"]
    assert hit["sale_event_id"] == sale["earn"]
    assert hit["redeemed_event_id"] == sale["redeem"]
    assert (hit["amount_cents"], hit["points_earned"], hit["points_redeemed"]) == (SALE, 200, 300)
    assert (hit["store_code"], hit["returned_cents"], hit["voided"]) == ("S001", 0, False)

    # Three returns made offline, 8,000 cents each: 24,000 of a 20,000 sale.
    tills = [seller, same_store, other_store]
    made = [_return(till, member_id, sale, 8_000) for till in tills]
    returned = 0
    for step, index in enumerate(order, start=1):
        (result,) = push(client, tills[index], [made[index]])["results"]
        assert result["status"] == "accepted"
        accepted = min(8_000, SALE - returned)
        returned += accepted
        taken, given = 200 * returned // SALE, 300 * returned // SALE
        balance, lifetime = 800 - taken + given, 1_100 - taken
        assert result["member_balance"] == balance, step
        assert result["member_lifetime_points"] == lifetime, step
        # the last return finds only 4,000 left: the rest is flagged for head office
        assert result.get("flag") == ("return_over_sale" if step == 3 else None)
        member = _member(client, other_store, member_id)
        assert (member["balance"], member["lifetime_points"]) == (balance, lifetime)
        assert member["tier"] == ("silver" if lifetime >= 1_000 else "member"), step
    assert returned == SALE
    assert (balance, lifetime) == (900, 900)  # everything the sale moved is undone

    # Pushing any of them again changes nothing.
    for index in range(3):
        (again,) = push(client, tills[index], [made[index]])["results"]
        assert again["status"] == "duplicate"
    assert _member(client, seller, member_id)["balance"] == 900
    left = client.get("/v1/sales", params={"sale_ref": "R-1"}, headers=seller.headers)
    assert left.json()["sales"][0]["returned_cents"] == SALE

    # Head office sees the over-return among the flagged events.
    from sync_server.repositories import events as events_repo

    with database.read() as session:
        flags = [row for row in events_repo.flagged(session) if row["type"] == "sale.returned"]
    assert [row["code"] for row in flags] == ["return_over_sale"]


def test_returns_in_one_push_with_the_sale_and_a_full_return_gives_the_coupon_back(
    client: TestClient, database: Database, settings: Settings
) -> None:
    till = _pair(client, database, settings, "S001")
    member_id = str(uuid.uuid4())
    push(client, till, [till.events.enrol(member_id)])
    code = _member(client, till, member_id)["member_code"]
    admin = AdminService(database)
    coupon = admin.issue_coupon(
        code, "5 off", 500, "CNY", expires_at=datetime.now(UTC) + timedelta(days=30)
    )
    coupon_id = str(coupon["coupon_id"] if "coupon_id" in coupon else coupon["id"])
    earn = till.events.make(
        "points.earned",
        member_id,
        {
            "sale_ref": "C-1",
            "amount_cents": 5_000,
            "currency": "CNY",
            "points": 50,
            "rule_version": 1,
        },
    )
    used = till.events.make(
        "coupon.redeemed", member_id, {"coupon_id": coupon_id, "sale_ref": "C-1"}
    )
    sale = {"earn": earn["event_id"]}
    half = _return(till, member_id, sale, 2_500, sale_ref="C-1", coupon_event_id=used["event_id"])
    rest = _return(till, member_id, sale, 2_500, sale_ref="C-1", coupon_event_id=used["event_id"])
    body = push(client, till, [earn, used, half])
    assert [r["status"] for r in body["results"]] == ["accepted"] * 3
    assert body["results"][-1]["member_balance"] == 25
    state, _ = pull_all(client, till)
    assert state[("coupon", coupon_id)]["data"]["status"] == "redeemed"  # partial: not back
    (result,) = push(client, till, [rest])["results"]
    assert (result["status"], result["member_balance"]) == ("accepted", 0)
    state, _ = pull_all(client, till)
    assert state[("coupon", coupon_id)]["data"]["status"] == "available"


def test_a_return_of_a_voided_or_unknown_sale_is_rejected_and_changes_nothing(
    client: TestClient, database: Database, settings: Settings
) -> None:
    till = _pair(client, database, settings, "S001")
    member_id, sale = _member_after_sale(client, till)
    stranger = str(uuid.uuid4())
    push(client, till, [till.events.enrol(stranger)])
    unknown = _return(till, member_id, {"earn": str(uuid.uuid4())}, 1_000)
    not_theirs = _return(till, stranger, sale, 1_000)
    void = till.events.void(member_id, sale["earn"])
    after_void = _return(till, member_id, sale, 1_000)
    body = push(client, till, [unknown, not_theirs, void, after_void])
    assert [(r["status"], r.get("code")) for r in body["results"]] == [
        ("rejected", "unknown_sale"),
        ("rejected", "unknown_sale"),
        ("accepted", None),
        ("rejected", "sale_voided"),
    ]
    assert body["results"][2]["member_balance"] == 600  # the void took the 200 back
    assert _member(client, till, member_id)["balance"] == 600
    found = client.get("/v1/sales", params={"sale_ref": "R-1"}, headers=till.headers).json()
    assert found["sales"][0]["voided"] is True
    assert client.get("/v1/sales", params={"sale_ref": "NOPE"}, headers=till.headers).json() == {
        "sales": []
    }
    assert client.get("/v1/sales", params={"sale_ref": "R-1"}).status_code == 401


def test_a_sale_partly_returned_can_no_longer_be_voided(
    client: TestClient, database: Database, settings: Settings
) -> None:
    seller = _pair(client, database, settings, "S001")
    other = _pair(client, database, settings, "S001")
    member_id, sale = _member_after_sale(client, seller)
    # the other till's return reaches the server first; the seller's voids come after
    (back,) = push(client, other, [_return(other, member_id, sale, 2_000)])["results"]
    assert back["member_balance"] == 800 - 20 + 30
    voids = [
        seller.events.void(member_id, sale["earn"]),
        seller.events.void(member_id, sale["redeem"]),
    ]
    body = push(client, seller, voids)
    assert [(r["status"], r.get("code")) for r in body["results"]] == [
        ("rejected", "not_voidable"),
        ("rejected", "not_voidable"),
    ]
    assert _member(client, seller, member_id)["balance"] == 810
