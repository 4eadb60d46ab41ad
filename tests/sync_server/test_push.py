"""Push: ledger rules, idempotency, watermark (in-process app, SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import hmac
import uuid

from fastapi.testclient import TestClient

from shared.domain.phone import phone_slow_hash
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.models import Member
from sync_server.services.admin import AdminService
from tests.sync_server.helpers import Pairing, pair_terminal, pull_all, push


def _enrolled(client: TestClient, paired: Pairing, **data: object) -> str:
    event = paired.events.enrol(**data)  # type: ignore[arg-type]
    result = push(client, paired, [event])["results"][0]
    assert result["status"] == "accepted", result
    return str(event["member_id"])


def test_enrol_earn_redeem_updates_balance_and_versions(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    ev = paired.events
    enrol = ev.enrol()
    member = enrol["member_id"]
    batch = [enrol, ev.earn(member, 12_345, 123), ev.redeem(member, 100), ev.adjust(member, -3)]
    body = push(client, paired, batch)
    assert [r["status"] for r in body["results"]] == ["accepted"] * 4
    assert [r["member_balance"] for r in body["results"]] == [0, 123, 23, 20]
    versions = [r["member_version"] for r in body["results"]]
    assert versions == sorted(versions)
    assert len(set(versions)) == 4
    assert body["terminal_watermark"] == 4
    state, _ = pull_all(client, paired)
    data = state[("member", member)]["data"]
    assert state[("member", member)]["version"] == versions[-1]
    assert data["phone_slow_hash"] == ""  # computed after the commit, off the request
    services = client.app.state.services  # type: ignore[attr-defined]
    assert services.phone_hashes.wait_idle(60)
    state, _ = pull_all(client, paired)
    data = state[("member", member)]["data"]
    assert state[("member", member)]["version"] > versions[-1]
    assert data["balance"] == 20
    assert data["lifetime_points"] == 123
    assert data["tier"] == "member"
    # A till gets the slow hash only: no fast HMAC, no first digits (issue 11).
    key = bytes.fromhex(paired.phone_hash_key)
    assert data["phone_slow_hash"] == phone_slow_hash(key, "+8613812345678")
    assert data["phone_hash"] == ""
    assert "phone_masked" not in data
    assert data["phone_last4"] == "5678"
    with database.read() as session:  # the server keeps the HMAC for itself
        row = session.get(Member, member)
        assert row is not None
        expected = hmac.new(key, b"+8613812345678", hashlib.sha256).hexdigest()
        assert (row.phone_hash, row.phone_masked) == (expected, "138****5678")
    assert "phone" not in data
    assert "email" not in data
    assert "birthday" not in data


def test_duplicate_repeats_the_original_outcome(client: TestClient, paired: Pairing) -> None:
    member = _enrolled(client, paired)
    batch = [
        paired.events.earn(member, 5_000, 50),
        paired.events.earn(member, 100, 1, rule_version=9),
    ]
    first = push(client, paired, batch)
    push(client, paired, [paired.events.earn(member, 1_000, 10)])
    again = push(client, paired, batch)
    assert first["results"][0]["status"] == "accepted"
    assert again["results"][0]["status"] == "duplicate"
    for key in ("member_balance", "member_version"):
        assert again["results"][0][key] == first["results"][0][key]
    assert first["results"][1]["code"] == again["results"][1]["code"] == "unknown_rule_version"
    assert again["results"][1]["status"] == "rejected"
    state, _ = pull_all(client, paired)
    assert state[("member", member)]["data"]["balance"] == 60


def test_same_id_other_content_is_idempotency_conflict(client: TestClient, paired: Pairing) -> None:
    member = _enrolled(client, paired)
    event = paired.events.earn(member, 5_000, 50)
    push(client, paired, [event])
    changed = dict(event, data=dict(event["data"], amount_cents=6_000, points=60))
    result = push(client, paired, [changed])["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "idempotency_conflict")
    # Same batch twice in one push: the second copy is a duplicate.
    twice = paired.events.earn(member, 200, 2)
    results = push(client, paired, [twice, twice])["results"]
    assert [r["status"] for r in results] == ["accepted", "duplicate"]
    assert results[0]["member_version"] == results[1]["member_version"]


def test_rule_refusals(client: TestClient, paired: Pairing) -> None:
    ev = paired.events
    member = _enrolled(client, paired)
    code = ev.next_code()
    bad_code = code[:-1] + str((int(code[-1]) + 1) % 10)
    taken = ev.enrol(member_code=code)
    batch = [
        ev.earn(member, 10_000, 101),  # points_mismatch
        ev.earn(str(uuid.uuid4()), 10_000, 100),  # unknown_member
        ev.enrol(member_code=bad_code),  # invalid_member_code
        taken,  # accepted with code
        ev.enrol(member_code=code),  # duplicate_member_code
        ev.enrol(phone="12345"),  # invalid_phone
        ev.void(member, str(uuid.uuid4())),  # unknown_event
        ev.enrol(member_id=member),  # member_exists
    ]
    results = push(client, paired, batch)["results"]
    codes = [r.get("code") or r["status"] for r in results]
    assert codes == [
        "points_mismatch",
        "unknown_member",
        "invalid_member_code",
        "accepted",
        "duplicate_member_code",
        "invalid_phone",
        "unknown_event",
        "member_exists",
    ]
    assert push(client, paired, batch[:1])["results"][0]["code"] == "points_mismatch"


def test_tier_is_the_one_before_the_sale(client: TestClient, paired: Pairing) -> None:
    ev = paired.events
    member = _enrolled(client, paired)
    results = push(
        client,
        paired,
        [
            ev.earn(member, 99_900, 999),  # lifetime 999: still member
            ev.earn(member, 10_000, 100),  # x1 (lifetime before was 999), now 1099: silver
            ev.earn(member, 10_000, 125),  # x1.25
        ],
    )["results"]
    assert [r["status"] for r in results] == ["accepted"] * 3
    state, _ = pull_all(client, paired)
    assert state[("member", member)]["data"]["tier"] == "silver"


def test_overdraft_is_accepted_and_flagged(client: TestClient, paired: Pairing) -> None:
    member = _enrolled(client, paired)
    ev = paired.events
    results = push(
        client,
        paired,
        [ev.earn(member, 30_000, 300), ev.redeem(member, 200), ev.redeem(member, 200)],
    )["results"]
    assert results[1].get("overdraft") in (None, False)
    assert results[2]["status"] == "accepted"
    assert results[2]["overdraft"] is True
    assert results[2]["member_balance"] == -100


def test_voids_and_coupons(client: TestClient, paired: Pairing, database: Database) -> None:
    ev = paired.events
    enrol = ev.enrol()
    member = enrol["member_id"]
    push(client, paired, [enrol])
    coupon = AdminService(database).issue_coupon(
        enrol["data"]["member_code"], "满100减10", 1000, "CNY"
    )
    earn = ev.earn(member, 10_000, 100)
    use = ev.coupon(member, coupon["coupon_id"])
    results = push(
        client,
        paired,
        [earn, use, ev.coupon(member, coupon["coupon_id"]), ev.void(member, earn["event_id"])],
    )["results"]
    assert [r.get("code") or r["status"] for r in results] == [
        "accepted",
        "accepted",
        "coupon_unavailable",
        "accepted",
    ]
    assert results[3]["member_balance"] == 0
    results = push(
        client,
        paired,
        [
            ev.void(member, earn["event_id"]),  # already_voided
            ev.void(member, use["event_id"]),  # coupon available again
            ev.coupon(member, coupon["coupon_id"]),
            ev.void(member, enrol["event_id"]),  # not_voidable
        ],
    )["results"]
    assert [r.get("code") or r["status"] for r in results] == [
        "already_voided",
        "accepted",
        "accepted",
        "not_voidable",
    ]
    state, _ = pull_all(client, paired)
    assert state[("coupon", coupon["coupon_id"])]["data"]["status"] == "redeemed"
    assert state[("member", member)]["data"]["lifetime_points"] == 0


def test_watermark_and_gaps(client: TestClient, paired: Pairing) -> None:
    ev = paired.events
    member = _enrolled(client, paired)  # seq 1
    two, three, four = ev.adjust(member, 1), ev.adjust(member, 1), ev.adjust(member, 1)
    body = push(client, paired, [two, four])
    assert body["terminal_watermark"] == 2
    assert body["missing_seqs"] == [3]
    body = push(client, paired, [three])
    assert body["terminal_watermark"] == 4
    assert body["missing_seqs"] == []


def test_two_terminals_overdraw_offline_both_accepted(
    client: TestClient, paired: Pairing, database: Database, settings: Settings
) -> None:
    other = pair_terminal(client, database, settings, name="Till 2")
    member = _enrolled(client, paired)
    push(client, paired, [paired.events.earn(member, 50_000, 500)])
    first = push(client, paired, [paired.events.redeem(member, 400)])["results"][0]
    second = push(client, other, [other.events.redeem(member, 400)])["results"][0]
    assert first["status"] == second["status"] == "accepted"
    assert first.get("overdraft") is None
    assert second["overdraft"] is True
    assert second["member_balance"] == -300
    for terminal in (paired, other):  # both replicas converge on the server's balance
        state, _ = pull_all(client, terminal)
        assert state[("member", member)]["data"]["balance"] == -300


def test_long_outage_drains_in_order(client: TestClient, paired: Pairing) -> None:
    member = _enrolled(client, paired)
    queued = [paired.events.adjust(member, 1) for _ in range(3_000)]
    for start in range(0, len(queued), 500):
        body = push(client, paired, queued[start : start + 500])
        assert {r["status"] for r in body["results"]} == {"accepted"}
        assert body["terminal_watermark"] == start + 501
    state, _ = pull_all(client, paired)
    assert state[("member", member)]["data"]["balance"] == 3_000


def test_an_earn_at_a_tier_the_till_had_not_heard_of_yet_stands(
    client: TestClient, paired: Pairing
) -> None:
    ev = paired.events
    member = _enrolled(client, paired)
    first = push(client, paired, [ev.earn(member, 99_000, 990)])["results"][0]
    assert (first["status"], first["member_lifetime_points"]) == ("accepted", 990)
    # Another store's sale lifts the member to Silver (1,000+ lifetime points)...
    push(client, paired, [ev.earn(member, 2_000, 20)])
    # ...while a till that still knew 990 points earned at x1: the receipt stands.
    stale = push(client, paired, [ev.earn(member, 10_000, 100)])["results"][0]
    assert (stale["status"], stale["member_balance"]) == ("accepted", 1_110)
    assert stale["member_lifetime_points"] == 1_110
    # The current tier (x1.25) is of course right too...
    assert push(client, paired, [ev.earn(member, 10_000, 125)])["results"][0]["status"] == (
        "accepted"
    )
    # ...but a tier the member never reached (Gold, x1.5) is refused.
    gold = push(client, paired, [ev.earn(member, 10_000, 150)])["results"][0]
    assert (gold["status"], gold["code"]) == ("rejected", "points_mismatch")


def test_an_earn_at_a_tier_a_void_elsewhere_took_back_stands(
    client: TestClient, paired: Pairing
) -> None:
    """Store A's earn lifts the member to Silver, store B's till hears of it; A voids the
    earn (back to Member) before B hears of the void: B's Silver receipt stands, once
    in an earlier push and once in the same batch as the void."""
    ev = paired.events
    member = _enrolled(client, paired)
    push(client, paired, [ev.earn(member, 95_000, 950)])
    lift = ev.earn(member, 10_000, 100)  # 1,050: Silver
    push(client, paired, [lift])
    push(client, paired, [ev.void(member, str(lift["event_id"]))])  # 950: Member again
    heard = push(client, paired, [ev.earn(member, 10_000, 125)])["results"][0]
    assert (heard["status"], heard["member_lifetime_points"]) == ("accepted", 1_075)
    # The same within one batch: a void, then an earn at the tier it took back.
    lift = ev.earn(member, 400_000, 5_000)  # 6,075 at x1.25: Gold
    push(client, paired, [lift])
    both = push(
        client, paired, [ev.void(member, str(lift["event_id"])), ev.earn(member, 10_000, 150)]
    )
    assert [r["status"] for r in both["results"]] == ["accepted", "accepted"]
    # A tier a member never held stays refused.
    member2 = _enrolled(client, paired, phone="13912345678")
    push(client, paired, [ev.earn(member2, 95_000, 950)])
    never = push(client, paired, [ev.earn(member2, 10_000, 125)])["results"][0]
    assert (never["status"], never["code"]) == ("rejected", "points_mismatch")


def test_a_push_with_a_cursor_answers_the_pull_page_too(
    client: TestClient, paired: Pairing, database: Database, settings: Settings
) -> None:
    _, cursor = pull_all(client, paired)
    other = pair_terminal(client, database, settings)
    theirs = other.events.enrol(phone="13912345678")
    push(client, other, [theirs])
    mine = paired.events.enrol()
    response = client.post(
        "/v1/events",
        params={"cursor": cursor, "limit": 1},
        json={"events": [mine]},
        headers=paired.headers,
    )
    body = response.json()
    assert body["results"][0]["status"] == "accepted"
    # One page of what changed after the cursor: the other till's member first.
    assert [c["id"] for c in body["pull"]["changes"]] == [theirs["member_id"]]
    assert body["pull"]["more"] is True
    state, _ = pull_all(client, paired, cursor=body["pull"]["cursor"])
    assert ("member", mine["member_id"]) in state
    # A cursor the pull refuses never fails the (committed) push: the page is left out.
    again = client.post(
        "/v1/events",
        params={"cursor": "not-a-cursor"},
        json={"events": [paired.events.earn(mine["member_id"], 1_000, 10)]},
        headers=paired.headers,
    )
    assert again.status_code == 200
    assert "pull" not in again.json()
    assert again.json()["results"][0]["status"] == "accepted"
