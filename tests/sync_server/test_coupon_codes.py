"""Paper coupons across the chain: a code is used once. Two stores that both accepted the
same code while offline: the first use stands, the second is accepted (the goods have
left) and flagged ``coupon_reused`` for head office, like an overdraft; the coupon stays
used by the first. A coupon's terms are re-checked with the till's function."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from shared.domain.coupons import parse_coupon_terms
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.services.admin import AdminService
from sync_server.services.reconcile import ReconcileService
from tests.sync_server.helpers import Pairing, ensure_manager, new_terminal, push


def pair_in(client: TestClient, database: Database, settings: Settings, store: str) -> Pairing:
    _, code = new_terminal(database, settings, store=store, name=f"Till {store}")
    response = client.post("/v1/pair", json={"pairing_code": code, "device_name": store})
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


def use(pairing: Pairing, member: str, coupon: dict[str, Any], **data: Any) -> dict[str, Any]:
    body = {"coupon_id": coupon["coupon_id"], "sale_ref": "R-1", "code": coupon["code"]}
    return pairing.events.make("coupon.redeemed", member, {**body, **data})


def coupon_row(database: Database, coupon_id: str) -> dict[str, Any]:
    with database.read() as session:
        found = session.execute(
            text("SELECT status, redeemed_event_id FROM coupons WHERE id = :id"), {"id": coupon_id}
        ).mappings()
        return dict(found.one())


def test_two_stores_offline_use_one_code_once_and_the_second_is_flagged(
    client: TestClient, database: Database, settings: Settings
) -> None:
    north, south = (pair_in(client, database, settings, s) for s in ("S001", "S002"))
    enrol = north.events.enrol()
    member = enrol["member_id"]
    assert push(client, north, [enrol])["results"][0]["status"] == "accepted"
    terms = parse_coupon_terms('{"value_cents": 2000, "currency": "CNY", "min_spend_cents": 10000}')
    admin = AdminService(database)
    coupon = admin.issue_coupon(
        enrol["data"]["member_code"], "¥20 off", 0, "CNY", terms=terms, paper=True
    )
    sale = {"sale_amount_cents": 15_000, "discount_cents": 2_000, "offline": True}

    first = use(north, member, coupon, **sale)
    second = use(south, member, coupon, **sale)
    one = push(client, north, [first])["results"][0]
    two = push(client, south, [second])["results"][0]
    assert (one["status"], one.get("flag")) == ("accepted", None)
    assert (two["status"], two.get("flag")) == ("accepted", "coupon_reused")
    assert two["member_balance"] == one["member_balance"] == 0  # no points move
    # used once: by the first store's event
    assert coupon_row(database, coupon["coupon_id"]) == {
        "status": "redeemed",
        "redeemed_event_id": first["event_id"],
    }
    flagged = ReconcileService(database).exceptions()["flagged"]
    assert [(f["event_id"], f["code"]) for f in flagged] == [(second["event_id"], "coupon_reused")]
    # a re-push of the second use answers the same, and changes nothing
    again = push(client, south, [second])["results"][0]
    assert (again["status"], again.get("flag")) == ("duplicate", "coupon_reused")

    # voiding the flagged second use gives nothing back: the first still holds the coupon
    void = south.events.void(member, second["event_id"])
    assert push(client, south, [void])["results"][0]["status"] == "accepted"
    assert coupon_row(database, coupon["coupon_id"])["status"] == "redeemed"
    # a third use by a till that was online is refused, as before
    third = push(client, south, [use(south, member, coupon, sale_amount_cents=15_000)])
    assert third["results"][0]["status"] == "rejected"
    assert third["results"][0]["code"] == "coupon_unavailable"
    # voiding the first use makes the coupon usable again
    undo = north.events.void(member, first["event_id"])
    assert push(client, north, [undo])["results"][0]["status"] == "accepted"
    assert coupon_row(database, coupon["coupon_id"]) == {
        "status": "available",
        "redeemed_event_id": None,
    }


def test_a_use_that_breaks_the_terms_is_accepted_and_flagged(
    client: TestClient, database: Database, settings: Settings
) -> None:
    north, south = (pair_in(client, database, settings, s) for s in ("S001", "S002"))
    enrol = north.events.enrol()
    member, code = enrol["member_id"], enrol["data"]["member_code"]
    push(client, north, [enrol])
    admin = AdminService(database)
    north_only = admin.issue_coupon(
        code,
        "10% off, Downtown",
        0,
        "CNY",
        terms=parse_coupon_terms(
            '{"kind": "percent", "percent": 10, "cap_cents": 5000, "currency": "CNY",'
            ' "min_spend_cents": 20000, "stores": ["S001"]}'
        ),
        paper=True,
    )
    also_north_only = admin.issue_coupon(
        code,
        "10% off, Downtown",
        0,
        "CNY",
        terms=parse_coupon_terms(
            '{"kind": "percent", "percent": 10, "currency": "CNY", "stores": ["S001"]}'
        ),
        code="xmas-26ab",
    )
    assert also_north_only["code"] == "XMAS26AB"
    results = [
        push(client, north, [use(north, member, north_only, sale_amount_cents=19_999)]),
        push(client, south, [use(south, member, also_north_only, sale_amount_cents=30_000)]),
    ]
    assert [(r["results"][0]["status"], r["results"][0].get("flag")) for r in results] == [
        ("accepted", "coupon_min_spend"),
        ("accepted", "coupon_wrong_store"),
    ]
    # a code that is not this coupon's is refused
    wrong = use(north, member, {**also_north_only, "code": "OTHER123"})
    refused = push(client, north, [wrong])["results"][0]
    assert (refused["status"], refused["code"]) == ("rejected", "coupon_unavailable")
