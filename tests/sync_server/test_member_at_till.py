"""A member's profile and card changed at a till (issue 15), on SQLite and PostgreSQL:
``member.updated`` through the push path (new phone hash for every till, consent with its
time) and ``member.card_replaced`` (the new code, the old one listed as replaced)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from shared.domain.phone import phone_slow_hash
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.models import Member
from tests.sync_server.helpers import Pairing, pair_terminal, pull_all, push


def _enrolled(client: TestClient, paired: Pairing, **data: object) -> str:
    event = paired.events.enrol(**data)  # type: ignore[arg-type]
    result = push(client, paired, [event])["results"][0]
    assert result["status"] == "accepted", result
    return str(event["member_id"])


def test_a_phone_change_reaches_every_till_as_a_new_hash(
    client: TestClient, paired: Pairing, database: Database, settings: Settings
) -> None:
    other = pair_terminal(client, database, settings, name="Till 2")
    member = _enrolled(client, paired, consent_marketing=False)
    services = client.app.state.services  # type: ignore[attr-defined]
    assert services.phone_hashes.wait_idle(60)
    key = bytes.fromhex(paired.phone_hash_key)
    old = phone_slow_hash(key, "+8613812345678")
    state, cursor = pull_all(client, other)
    assert state[("member", member)]["data"]["phone_slow_hash"] == old

    when = (datetime.now(UTC) - timedelta(minutes=5)).replace(microsecond=0)
    update = paired.events.make(
        "member.updated",
        member,
        {"name": "张伟明", "phone": "13900001111", "consent_marketing": True},
        occurred_at=when.isoformat(),
    )
    result = push(client, paired, [update])["results"][0]
    assert result["status"] == "accepted", result
    assert services.phone_hashes.wait_idle(60)

    state, _ = pull_all(client, other, cursor=cursor)
    data = state[("member", member)]["data"]
    assert data["display_name"] == "张伟明"
    assert data["phone_last4"] == "1111"
    assert data["phone_slow_hash"] == phone_slow_hash(key, "+8613900001111")
    assert data["phone_slow_hash"] != old
    assert "phone" not in data  # never the full number
    with database.read() as session:
        row = session.get(Member, member)
        assert row is not None
        assert row.phone_e164 == "+8613900001111"
        assert row.phone_hash == hmac.new(key, b"+8613900001111", hashlib.sha256).hexdigest()
        assert row.consent_marketing is True
        assert row.consent_marketing_at == when

    # the same event again changes nothing; a bad phone is refused with its code
    again = push(client, paired, [update])["results"][0]
    assert again["status"] == "duplicate"
    bad = paired.events.make("member.updated", member, {"phone": "12345"})
    refused = push(client, paired, [bad])["results"][0]
    assert (refused["status"], refused["code"]) == ("rejected", "invalid_phone")
    with database.read() as session:
        row = session.get(Member, member)
        assert row is not None
        assert row.phone_e164 == "+8613900001111"


def test_enrolment_records_when_consent_was_asked(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    member = _enrolled(client, paired, consent_marketing=True)
    with database.read() as session:
        row = session.get(Member, member)
        assert row is not None
        assert row.consent_marketing_at == row.enrolled_at


def test_a_lost_card_is_replaced_everywhere(
    client: TestClient, paired: Pairing, database: Database, settings: Settings
) -> None:
    other = pair_terminal(client, database, settings, name="Till 2")
    member = _enrolled(client, paired)
    ev = paired.events
    first_code = ev.codes
    new_code = ev.next_code()
    replaced = ev.make("member.card_replaced", member, {"member_code": new_code})
    earn = ev.earn(member, 10_000, 100)
    body = push(client, paired, [replaced, earn])
    assert [r["status"] for r in body["results"]] == ["accepted", "accepted"]
    assert body["results"][1]["member_balance"] == 100  # the member keeps its points

    state, _ = pull_all(client, other)
    data = state[("member", member)]["data"]
    assert data["member_code"] == new_code
    old_code = data["previous_codes"][0]
    assert old_code != new_code
    assert len(data["previous_codes"]) == 1
    assert first_code == 1

    # a second replacement keeps both old codes, newest first
    newer = ev.next_code()
    push(client, paired, [ev.make("member.card_replaced", member, {"member_code": newer})])
    state, _ = pull_all(client, other)
    assert state[("member", member)]["data"]["previous_codes"] == [new_code, old_code]

    # a code in use, or one with a wrong check digit, is refused; nothing changes
    someone = _enrolled(client, paired, phone="13912345678")
    with database.read() as session:
        taken = session.get(Member, someone)
        assert taken is not None
        taken_code = taken.member_code
    clash = ev.make("member.card_replaced", member, {"member_code": taken_code})
    broken = ev.make("member.card_replaced", member, {"member_code": newer[:-1] + "0"})
    if broken["data"]["member_code"] == newer:
        broken["data"]["member_code"] = newer[:-1] + "1"
    codes = [r.get("code") for r in push(client, paired, [clash, broken])["results"]]
    assert codes == ["duplicate_member_code", "invalid_member_code"]
    with database.read() as session:
        row = session.get(Member, member)
        assert row is not None
        assert row.member_code == newer
        assert row.previous_codes == f"{new_code} {old_code}"


def test_the_member_summary_lists_every_tills_transactions_and_what_expires(
    client: TestClient, paired: Pairing, database: Database, settings: Settings
) -> None:
    other = pair_terminal(client, database, settings, name="Till 2")
    member = _enrolled(client, paired)
    ev = paired.events
    earn = ev.earn(member, 50_000, 500)
    redeem = ev.redeem(member, 200)
    push(client, paired, [earn, redeem])
    theirs = other.events.earn(member, 30_000, 300)
    push(client, other, [theirs])

    response = client.get(f"/v1/members/{member}/summary", headers=other.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["balance"] == 600
    kinds = [item["type"] for item in body["history"]]
    assert kinds[0] == "points.earned"  # newest first
    assert sorted(kinds) == sorted(
        ["member.enrolled", "points.earned", "points.redeemed", "points.earned"]
    )
    by_id = {item["event_id"]: item for item in body["history"]}
    assert by_id[theirs["event_id"]]["points_delta"] == 300
    assert by_id[theirs["event_id"]]["amount_cents"] == 30_000
    assert by_id[redeem["event_id"]]["points_delta"] == -200
    assert {item["store_code"] for item in body["history"]} == {"S001"}
    # the redemption took the oldest points first: 300 of the first earn are left, then
    # the second earn's 300; each expires 24 months after it was earned
    expiring = body["expiring"]
    assert sum(e["points"] for e in expiring) == 600
    first = datetime.fromisoformat(expiring[0]["expires_at"])
    earned = datetime.fromisoformat(earn["occurred_at"])
    assert first.date() == earned.date().replace(year=earned.year + 2)

    limited = client.get(f"/v1/members/{member}/summary?limit=1", headers=other.headers)
    assert len(limited.json()["history"]) == 1
    unknown = client.get(
        "/v1/members/00000000-0000-0000-0000-000000000000/summary", headers=other.headers
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_member")
    assert client.get(f"/v1/members/{member}/summary").status_code == 401


def test_a_phone_another_member_holds_is_refused_at_head_office(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    """Two tills offline can each give a member a phone: head office refuses the second
    (``phone_in_use``), in one push as across pushes, and the member keeps its phone."""
    first = _enrolled(client, paired, phone="13812345678")
    second = _enrolled(client, paired, phone="13900002222")
    third = _enrolled(client, paired, phone="13900003333")

    def phone_of(member_id: str) -> str:
        with database.read() as session:
            row = session.get(Member, member_id)
            assert row is not None
            return row.phone_e164

    taken = paired.events.make("member.updated", second, {"phone": "138 1234 5678"})
    result = push(client, paired, [taken])["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "phone_in_use")
    assert phone_of(second) == "+8613900002222"

    # Its own phone again is no clash; in one push, a phone freed earlier in the push
    # can be taken, and the same new phone twice goes to the first member only.
    events = [
        paired.events.make("member.updated", first, {"phone": "13812345678", "name": "甲"}),
        paired.events.make("member.updated", first, {"phone": "13700004444"}),
        paired.events.make("member.updated", second, {"phone": "13812345678"}),
        paired.events.make("member.updated", third, {"phone": "13812345678"}),
    ]
    results = push(client, paired, events)["results"]
    assert [(r["status"], r.get("code")) for r in results] == [
        ("accepted", None),
        ("accepted", None),
        ("accepted", None),
        ("rejected", "phone_in_use"),
    ]
    assert [phone_of(m) for m in (first, second, third)] == [
        "+8613700004444",
        "+8613812345678",
        "+8613900003333",
    ]
