"""Head office merges member B into member A (issue 17), on SQLite and PostgreSQL:
points, lifetime, history and coupons move in one transaction; B's code answers with A
(pull feed, partner API); an earn a till made offline against B and pushed after the
merge is credited to A once; the same merge asked again changes nothing."""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shared.errors import DomainError
from sync_server.db import Database
from sync_server.models import AuditEntry, Coupon, LedgerEvent, Member, WebhookDelivery
from sync_server.services.accounts import Principal
from sync_server.services.admin import AdminService
from sync_server.services.member_admin import MemberAdminService
from sync_server.services.member_merge import MemberMergeService
from sync_server.services.partner_keys import PartnerKeyService
from sync_server.services.webhooks import EndpointCache, OutboxWriter, WebhookService
from tests.sync_server.helpers import Pairing, pull_all, push

SUPPORT = Principal("s", "support-1", "support", "", "")
AUDITOR = Principal("a", "auditor-1", "auditor", "", "")
ADMIN = Principal("x", "admin-1", "admin", "", "")


def _member(client: TestClient, paired: Pairing, phone: str, points_cents: int) -> tuple[str, str]:
    """A member enrolled at the till, with an earn of ``points_cents`` (1 point per ¥1)."""
    enrol = paired.events.enrol(phone=phone)
    earn = paired.events.earn(enrol["member_id"], points_cents, points_cents // 100)
    results = push(client, paired, [enrol, earn])["results"]
    assert [r["status"] for r in results] == ["accepted", "accepted"], results
    return str(enrol["member_id"]), str(enrol["data"]["member_code"])


def _row(database: Database, member_id: str) -> Member:
    with database.read() as session:
        row = session.get(Member, member_id)
        assert row is not None
        session.expunge(row)
        return row


def test_merge_moves_everything_and_the_old_code_answers_with_the_survivor(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    a_id, a_code = _member(client, paired, "13800000001", 80_000)  # 800 points
    b_id, b_code = _member(client, paired, "13800000002", 30_000)  # 300 points
    coupon = AdminService(database).issue_coupon(b_code, "¥5 off", 500, "CNY", paper=True)
    endpoints = EndpointCache(ttl=0)
    hooks = WebhookService(database, endpoints)
    plain_id = hooks.add(ADMIN, "https://crm.example/hooks", ["member.merged"])["endpoint_id"]
    rich_id = hooks.add(ADMIN, "https://crm2.example/hooks", ["member.merged"], personal_data=True)[
        "endpoint_id"
    ]
    _, cursor = pull_all(client, paired)
    service = MemberMergeService(database, events=OutboxWriter(endpoints).record_event)

    preview = service.preview(SUPPORT, a_code, b_code)
    assert (preview.survivor.balance, preview.merged.balance) == (800, 300)
    assert preview.balance_after == 1_100
    assert preview.tier_after == "silver"  # 1,100 lifetime points: the program's rule
    assert preview.history_rows == 2
    assert preview.coupons == 1
    assert preview.codes_moving == (b_code,)

    done = service.merge(SUPPORT, a_code, b_code, "same person, two cards")
    assert (done.balance, done.lifetime_points, done.tier, done.already) == (
        1_100,
        1_100,
        "silver",
        False,
    )
    a, b = _row(database, a_id), _row(database, b_id)
    assert (a.balance, a.lifetime_points, a.tier, a.merged_codes) == (
        1_100,
        1_100,
        "silver",
        b_code,
    )
    assert (b.status, b.merged_into, b.balance, b.lifetime_points) == ("merged", a_id, 0, 0)
    with database.read() as session:
        moved = session.scalar(select(func.count()).where(LedgerEvent.member_id == b_id))
        assert moved == 0  # B's history is A's now
        assert session.scalar(select(func.count()).where(LedgerEvent.member_id == a_id)) == 4
        owner = session.get(Coupon, coupon["coupon_id"])
        assert owner is not None
        assert owner.member_id == a_id
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "member.merge")).one()
        assert (audit.actor, audit.target) == ("support-1", a_code)
        deliveries = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    assert [d.event_type for d in deliveries] == ["member.merged", "member.merged"]
    payloads = {d.endpoint_id: json.loads(d.payload)["data"] for d in deliveries}
    plain, rich = payloads[plain_id], payloads[rich_id]
    assert (plain["member_id"], plain["merged_member_id"]) == (a_id, b_id)
    assert "name" not in plain  # no personal data without the endpoint's scope
    assert "merged_member_name" not in plain
    assert rich["name"] == a.name
    assert rich["merged_member_name"] == b.name == "张伟"

    # every till: B goes (pointing at A), the coupon is A's, A carries B's code
    state, _ = pull_all(client, paired, cursor=cursor)
    gone = state[("member", b_id)]
    assert (gone["op"], gone["data"]) == ("delete", {"merged_into": a_id})
    assert state[("coupon", coupon["coupon_id"])]["data"]["member_id"] == a_id
    # the moved coupon keeps what a till needs of it: its paper code
    assert state[("coupon", coupon["coupon_id"])]["data"]["code"] == coupon["code"]
    survivor = state[("member", a_id)]["data"]
    assert (survivor["balance"], survivor["tier"], survivor["merged_codes"]) == (
        1_100,
        "silver",
        [b_code],
    )

    # B's phone is free: the survivor may take it
    update = paired.events.make("member.updated", a_id, {"phone": "13800000002"})
    assert push(client, paired, [update])["results"][0]["status"] == "accepted"

    # the partner API: a look-up by B's code answers with A
    secret = PartnerKeyService(database).create(ADMIN, "crm", ["members:read"]).secret
    found = client.get(
        "/partner/v1/members",
        params={"code": b_code},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert found.status_code == 200, found.text
    assert (found.json()["member_id"], found.json()["balance"]) == (a_id, 1_100)


def test_an_offline_earn_against_the_old_member_is_credited_to_the_survivor_once(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    a_id, a_code = _member(client, paired, "13800000011", 10_000)  # 100 points
    b_id, b_code = _member(client, paired, "13800000012", 20_000)  # 200 points
    # a till offline: an earn against B, recorded before it heard of the merge
    late = paired.events.earn(b_id, 5_000, 50)
    void_target = paired.events.earn(b_id, 1_000, 10)
    MemberMergeService(database).merge(SUPPORT, a_code, b_code, "duplicate enrolment")

    results = push(client, paired, [late, void_target])["results"]
    assert [r["status"] for r in results] == ["accepted", "accepted"], results
    assert results[1]["member_balance"] == 360
    assert _row(database, a_id).balance == 360
    # the same push again (a lost answer): nothing twice
    again = push(client, paired, [late, void_target])["results"]
    assert [r["status"] for r in again] == ["duplicate", "duplicate"]
    # a void the till made against B of an earn now A's is A's too
    void = paired.events.void(b_id, void_target["event_id"])
    voided = push(client, paired, [void])["results"][0]
    assert voided["status"] == "accepted", voided
    assert (_row(database, a_id).balance, _row(database, b_id).balance) == (350, 0)
    with database.read() as session:
        rows = session.scalars(
            select(LedgerEvent.member_id).where(
                LedgerEvent.event_id.in_([late["event_id"], void["event_id"]])
            )
        ).all()
    assert set(rows) == {a_id}


def test_merging_again_is_answered_once_and_refusals_are_clear(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    a_id, a_code = _member(client, paired, "13800000021", 10_000)
    b_id, b_code = _member(client, paired, "13800000022", 20_000)
    c_id, c_code = _member(client, paired, "13800000023", 30_000)
    service = MemberMergeService(database)
    with pytest.raises(DomainError) as forbidden:
        service.merge(AUDITOR, a_code, b_code, "not allowed")
    assert forbidden.value.code == "forbidden"
    with pytest.raises(DomainError) as itself:
        service.merge(SUPPORT, a_code, a_code, "the same one")
    assert itself.value.code == "merge_same"
    with pytest.raises(DomainError) as why:
        service.merge(SUPPORT, a_code, b_code, "")
    assert why.value.code == "merge_reason_required"

    first = service.merge(SUPPORT, a_code, b_code, "two cards")
    second = service.merge(SUPPORT, a_code, b_code, "two cards")  # the form sent twice
    assert (first.balance, second.balance, second.already) == (300, 300, True)
    assert _row(database, a_id).balance == 300
    with database.read() as session:
        audits = session.scalar(select(func.count()).where(AuditEntry.action == "member.merge"))
    assert audits == 1
    with pytest.raises(DomainError) as elsewhere:
        service.merge(SUPPORT, c_code, b_code, "once more")
    assert elsewhere.value.code == "member_merged"

    # A into C: B follows A to C, and B's code is among C's
    service.merge(SUPPORT, c_code, a_code, "third card")
    assert _row(database, b_id).merged_into == c_id
    assert set((_row(database, c_id).merged_codes or "").split()) == {a_code, b_code}
    assert _row(database, c_id).balance == 600

    AdminService(database).erase_member(c_code)
    # erasing the survivor erases the person: the members merged into it too
    assert {_row(database, m).name for m in (a_id, b_id, c_id)} == {""}
    assert _row(database, a_id).phone_e164 is None
    d_id, d_code = _member(client, paired, "13800000024", 10_000)
    with pytest.raises(DomainError) as erased:
        service.merge(SUPPORT, d_code, c_code, "erased one")
    assert erased.value.code == "member_erased"
    with pytest.raises(DomainError) as unknown:
        service.merge(SUPPORT, d_code, "999999999", "nobody")
    assert unknown.value.code == "unknown_member"
    assert uuid.UUID(d_id)


def test_an_erasure_is_sent_to_webhooks_without_personal_data(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    member_id, code = _member(client, paired, "13800000031", 10_000)
    endpoints = EndpointCache(ttl=0)
    WebhookService(database, endpoints).add(
        ADMIN, "https://crm.example/hooks", ["member.erased"], personal_data=True
    )
    members = MemberAdminService(database, events=OutboxWriter(endpoints).record_event)
    assert members.erase(SUPPORT, code, "the member asked") == member_id
    with database.read() as session:
        (delivery,) = session.scalars(select(WebhookDelivery)).all()
    body = json.loads(delivery.payload)
    assert (delivery.event_type, delivery.member_id) == ("member.erased", member_id)
    assert body["data"] == {"member_id": member_id, "member_code": code}


def test_two_requests_for_one_merge_at_once_merge_once(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    a_id, a_code = _member(client, paired, "13800000041", 10_000)
    _, b_code = _member(client, paired, "13800000042", 20_000)
    service = MemberMergeService(database)
    start = threading.Barrier(2)

    def merge() -> bool:
        start.wait()
        return service.merge(SUPPORT, a_code, b_code, "sent twice").already

    with ThreadPoolExecutor(2) as pool:
        answers = sorted(pool.map(lambda _: merge(), range(2)))
    assert answers == [False, True]
    assert _row(database, a_id).balance == 300
    with database.read() as session:
        audits = session.scalar(select(func.count()).where(AuditEntry.action == "member.merge"))
    assert audits == 1


def test_under_tier_rules_by_period_both_members_points_count_toward_the_tier(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    """A calendar-year program: A's 600 and B's 500 points of this year make A silver
    (1,000) after the merge, kept to the end of next year plus grace, on every till."""
    from shared.domain.program import DEFAULT_PROGRAM, LoyaltyProgram

    body = {**DEFAULT_PROGRAM.model_dump(mode="json"), "rule_version": 2}
    body["tier_rules"] = {"basis": "calendar", "period_months": 12, "grace_months": 1}
    AdminService(database).publish_program(LoyaltyProgram.model_validate(body))
    ev = paired.events
    members = []
    for phone, cents in (("13800000011", 60_000), ("13800000012", 50_000)):
        enrol = ev.enrol(phone=phone)
        earn = ev.earn(enrol["member_id"], cents, cents // 100, rule_version=2)
        assert {r["status"] for r in push(client, paired, [enrol, earn])["results"]} == {"accepted"}
        members.append((enrol["member_id"], enrol["data"]["member_code"]))
    (a_id, a_code), (b_id, b_code) = members
    service = MemberMergeService(database)
    assert service.preview(SUPPORT, a_code, b_code).tier_after == "silver"
    done = service.merge(SUPPORT, a_code, b_code, "one person")
    assert done.tier == "silver"
    a, b = _row(database, a_id), _row(database, b_id)
    assert (a.tier, a.lifetime_points) == ("silver", 1_100)
    assert sum(int(part.split(":")[1]) for part in (a.tier_points or "").split()) == 1_100
    assert a.tier_until is not None  # kept to a day, as a period tier is
    assert (b.tier_points, b.tier_until) == ("", None)
    state, _ = pull_all(client, paired)
    survivor = state[("member", a_id)]["data"]
    assert survivor["tier"] == "silver"
    assert survivor["tier_until"] == str(a.tier_until)
