"""Webhooks (issue 18): deliveries written with the change, signed (Standard Webhooks),
retried with backoff, in order per member, paused, dead-lettered and replayed. Real
pushes through the app on SQLite and PostgreSQL; a real receiver on loopback."""

from __future__ import annotations

import json
import random
import time
from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sync_server.db import Database
from sync_server.models import WebhookDelivery
from sync_server.services.accounts import CLI_PRINCIPAL
from sync_server.services.webhooks import WEBHOOK_TYPES, Dispatcher, RetryPolicy, WebhookService
from tests.sync_server.helpers import Pairing, pair_terminal, push
from tests.sync_server.webhook_receiver import Behaviour, Receiver

FAST = RetryPolicy(
    base_seconds=0.05, max_seconds=0.4, give_up=timedelta(minutes=5), timeout_seconds=0.5
)


def webhooks(client: TestClient) -> WebhookService:
    services = client.app.state.services  # type: ignore[attr-defined]
    return WebhookService(services.database, services.webhook_endpoints)


def subscribe(client: TestClient, receiver: Receiver, **kwargs: Any) -> dict[str, Any]:
    made = webhooks(client).add(CLI_PRINCIPAL, receiver.url, list(WEBHOOK_TYPES), **kwargs)
    receiver.secret = made["secret"]
    return made


def drain(dispatcher: Dispatcher, database: Database, seconds: float = 90) -> None:
    """Run the dispatcher until nothing is pending (or fail after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        dispatcher.run_once()
        with database.read() as session:
            left = session.scalars(
                select(WebhookDelivery.id).where(WebhookDelivery.status == "pending")
            ).first()
        if left is None:
            return
        time.sleep(0.02)
    raise AssertionError("deliveries still pending")


def delivered(receiver: Receiver) -> list[Any]:
    """What reached the receiver, once per message: delivery is at least once (a reply
    slower than the dispatcher's timeout is sent again), so a repeat is allowed, with the
    same id and the same body."""
    first: dict[str, Any] = {}
    for got in receiver.received:
        seen = first.setdefault(got.message_id, got)
        assert seen.body == got.body, got.message_id
    return list(first.values())


def outbox(database: Database) -> list[WebhookDelivery]:
    with database.read() as session:
        return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_every_event_arrives_in_order_signed_despite_a_bad_receiver(
    client: TestClient, paired: Pairing, database: Database, receiver: Receiver
) -> None:
    subscribe(client, receiver)
    receiver.behaviour = Behaviour(fail=0.25, hang=0.1, slow=0.2, hang_seconds=0.8, seed=11)
    ev = paired.events
    rng = random.Random(5)
    members = []
    batch = []
    for n in range(6):
        enrol = ev.enrol(phone=f"1381234{n:04d}")
        members.append(enrol["member_id"])
        batch.append(enrol)
    push(client, paired, batch)
    for _ in range(5):  # interleaved pushes: several members in each
        batch = [ev.earn(m, 1_000, 10) for m in rng.sample(members, 4)]
        body = push(client, paired, batch)
        assert {r["status"] for r in body["results"]} == {"accepted"}
    push(
        client,
        paired,
        [
            ev.make(
                "points.earned",
                members[0],
                {
                    "sale_ref": "x",
                    "amount_cents": 1,
                    "currency": "CNY",
                    "points": 999,
                    "rule_version": 1,
                },
            )
        ],
    )  # rejected: no webhook

    rows = outbox(database)
    assert len(rows) == 6 + 5 * 4
    expected: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        expected[row.member_id].append(row.message_id)

    dispatcher = Dispatcher(database, FAST, concurrency=4, rng=random.Random(3))
    try:
        drain(dispatcher, database)
    finally:
        dispatcher.stop()

    assert receiver.requests > len(rows)  # it did fail and time out along the way
    assert all(r.valid for r in receiver.received)
    bodies: dict[str, bytes] = {}
    for got in receiver.received:  # a duplicate is the same message: same id, same body
        assert bodies.setdefault(got.message_id, got.body) == got.body
    assert set(bodies) == {row.message_id for row in rows}  # every event arrived
    arrived: dict[str, list[str]] = defaultdict(list)
    for got in receiver.received:
        member = json.loads(got.body)["data"]["member_id"]
        arrived[member].append(got.message_id)
    for member, ids in expected.items():
        seen = arrived[member]
        positions = [ids.index(message) for message in seen]
        assert positions == sorted(positions), member  # never a later one before
        assert list(dict.fromkeys(seen)) == ids
    assert {row.status for row in outbox(database)} == {"delivered"}


def test_payload_personal_data_only_when_allowed(
    client: TestClient, paired: Pairing, database: Database, receiver: Receiver
) -> None:
    subscribe(client, receiver)
    enrol = paired.events.enrol()
    push(client, paired, [enrol])
    dispatcher = Dispatcher(database, FAST)
    try:
        drain(dispatcher, database)
    finally:
        dispatcher.stop()
    [got] = receiver.received
    body = json.loads(got.body)
    assert body["type"] == "member.enrolled"
    assert body["data"]["member_id"] == enrol["member_id"]
    assert body["data"]["member_code"] == enrol["data"]["member_code"]
    assert "phone" not in body["data"]
    assert "name" not in body["data"]

    receiver.received.clear()
    webhooks(client).add(CLI_PRINCIPAL, receiver.url, ["member.enrolled"], personal_data=True)
    second = paired.events.enrol(phone="13900000001")
    push(client, paired, [second])
    dispatcher = Dispatcher(database, FAST)
    try:
        drain(dispatcher, database)
    finally:
        dispatcher.stop()
    phones = sorted(json.loads(r.body)["data"].get("phone", "") for r in receiver.received)
    assert phones == ["", "13900000001"]


def test_pause_dead_letter_and_replay(
    client: TestClient, paired: Pairing, database: Database, receiver: Receiver
) -> None:
    made = subscribe(client, receiver)
    service = webhooks(client)
    service.set_paused(CLI_PRINCIPAL, made["endpoint_id"], True)
    enrol = paired.events.enrol()
    push(client, paired, [enrol])
    dispatcher = Dispatcher(database, FAST)
    try:
        assert dispatcher.run_once() == 0  # paused: nothing goes out
        assert receiver.requests == 0
        [listed] = service.list_endpoints()
        assert listed["paused"] is True
        assert listed["pending"] == 1

        receiver.behaviour = Behaviour(fail=1.0)  # down for good
        service.set_paused(CLI_PRINCIPAL, made["endpoint_id"], False)
    finally:
        dispatcher.stop()
    short = RetryPolicy(base_seconds=0.05, max_seconds=0.1, give_up=timedelta(seconds=0.5))
    dispatcher = Dispatcher(database, short)
    try:
        drain(dispatcher, database, seconds=30)
        [dead] = service.deliveries("dead")
        assert dead["attempts"] >= 1  # the first failure after give_up ends it
        assert dead["last_error"] == "HTTP 500"
        assert receiver.received == []

        receiver.behaviour = Behaviour()  # back up
        service.replay(CLI_PRINCIPAL, dead["delivery_id"])
        drain(dispatcher, database, seconds=30)
    finally:
        dispatcher.stop()
    [got] = receiver.received
    assert got.message_id == dead["message_id"]
    assert got.valid
    assert service.deliveries("delivered")[0]["delivery_id"] == dead["delivery_id"]


def test_a_rolled_back_push_leaves_no_delivery(
    client: TestClient, paired: Pairing, database: Database, receiver: Receiver
) -> None:
    subscribe(client, receiver)
    services = client.app.state.services  # type: ignore[attr-defined]
    pusher = getattr(services.push, "inner", services.push)  # under the metering wrapper

    def fail() -> None:
        raise RuntimeError("the database went away before the commit")

    pusher.before_commit = fail
    from shared.protocol import Event

    event = Event.model_validate(paired.events.enrol())
    with pytest.raises(RuntimeError):
        services.push.push(paired.terminal_id, [event])
    assert outbox(database) == []
    pusher.before_commit = None
    services.push.push(paired.terminal_id, [event])
    assert len(outbox(database)) == 1


def test_partner_api_writes_reach_webhooks(
    client: TestClient, paired: Pairing, database: Database, receiver: Receiver
) -> None:
    from sync_server.services.partner_keys import SCOPES, PartnerKeyService

    subscribe(client, receiver)
    secret = PartnerKeyService(database).create(CLI_PRINCIPAL, "shop", list(SCOPES)).secret
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "k1"}
    enrolled = client.post(
        "/partner/v1/members",
        json={"store": "S001", "name": "Wu", "phone": "13700000000", "consent_marketing": False},
        headers=headers,
    )
    assert enrolled.status_code == 201, enrolled.text
    member_id = enrolled.json()["member_id"]
    earned = client.post(
        f"/partner/v1/members/{member_id}/earn",
        json={
            "store": "S001",
            "channel": "web",
            "order_id": "W1",
            "amount_cents": 5000,
            "currency": "CNY",
        },
        headers={**headers, "Idempotency-Key": "k2"},
    )
    assert earned.status_code == 200, earned.text
    dispatcher = Dispatcher(database, FAST)
    try:
        drain(dispatcher, database)
    finally:
        dispatcher.stop()
    coupon = client.post(
        f"/partner/v1/members/{member_id}/coupons",
        json={"title": "Welcome", "value_cents": 500, "currency": "CNY"},
        headers={**headers, "Idempotency-Key": "k3"},
    )
    assert coupon.status_code == 201, coupon.text
    dispatcher = Dispatcher(database, FAST)
    try:
        drain(dispatcher, database)
    finally:
        dispatcher.stop()
    got = delivered(receiver)
    kinds = [json.loads(r.body)["type"] for r in got]
    assert kinds == ["member.enrolled", "points.earned", "coupon.issued"]
    assert json.loads(got[-1].body)["data"]["coupon_id"] == coupon.json()["coupon_id"]
    last = json.loads(got[1].body)["data"]
    assert last["sale_ref"] == "web:W1"
    assert last["balance"] == earned.json()["balance"]


def test_tier_changed_follows_the_event_that_crossed_the_tier(
    client: TestClient, paired: Pairing, database: Database, receiver: Receiver
) -> None:
    webhooks(client).add(CLI_PRINCIPAL, receiver.url, ["points.earned", "tier.changed"])
    with database.read() as session:
        from sync_server.models import WebhookEndpoint

        endpoint = session.scalars(select(WebhookEndpoint)).one()
        receiver.secret = endpoint.secret
    enrol = paired.events.enrol()
    member = enrol["member_id"]
    push(client, paired, [enrol, paired.events.earn(member, 60_000, 600)])
    push(client, paired, [paired.events.earn(member, 50_000, 500)])  # 1100: silver
    dispatcher = Dispatcher(database, FAST)
    try:
        drain(dispatcher, database)
    finally:
        dispatcher.stop()
    got = delivered(receiver)
    kinds = [json.loads(r.body)["type"] for r in got]
    assert kinds == ["points.earned", "points.earned", "tier.changed"]
    moved = json.loads(got[-1].body)["data"]
    assert (moved["from"], moved["to"], moved["lifetime_points"]) == ("member", "silver", 1100)
    assert all(r.valid for r in receiver.received)  # repeats too


def test_old_delivered_deliveries_are_purged_dead_ones_kept(
    client: TestClient, paired: Pairing, database: Database, receiver: Receiver
) -> None:
    from datetime import UTC, datetime

    subscribe(client, receiver)
    push(client, paired, [paired.events.enrol(), paired.events.enrol(phone="13800000002")])
    with database.write() as session:
        first, second = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
        first.status = "delivered"
        second.status = "dead"
    service = webhooks(client)
    assert service.purge(datetime.now(UTC)) == 0
    assert service.purge(datetime.now(UTC) + timedelta(days=31)) == 1
    assert [d["status"] for d in service.deliveries("")] == ["dead"]


def test_the_servers_own_worker_delivers_soon_after_the_commit(
    db_url: str, database: Database, tmp_path: Any, receiver: Receiver
) -> None:
    """The app's lifespan runs the worker; the push's commit wakes it (no poll wait)."""
    from sync_server.app import build_services, create_app
    from sync_server.config import Settings

    settings = Settings(database_url=db_url, data_dir=tmp_path, maintenance_interval_seconds=0)
    services = build_services(settings, database)
    app = create_app(settings, services=services, background=True)
    with TestClient(app, base_url="https://testserver") as client:
        paired = pair_terminal(client, database, settings)
        subscribe(client, receiver)
        started = time.monotonic()
        push(client, paired, [paired.events.enrol()])
        while not receiver.received and time.monotonic() - started < 20:
            time.sleep(0.01)
        assert len(receiver.received) == 1
        assert receiver.received[0].valid


@pytest.mark.history(3650)  # a lot earned long ago
def test_points_expired_by_maintenance_reach_webhooks(
    client: TestClient, paired: Pairing, database: Database, receiver: Receiver
) -> None:
    from datetime import UTC, datetime

    from sync_server.services.maintenance import MaintenanceService

    subscribe(client, receiver)
    ev = paired.events
    enrol = ev.enrol()
    member = enrol["member_id"]
    old = (datetime.now(UTC) - timedelta(days=900)).isoformat()
    push(client, paired, [enrol, ev.earn(member, 10_000, 100, occurred_at=old)])
    services = client.app.state.services  # type: ignore[attr-defined]
    writer = services.push.writer  # the OutboxWriter, through the metering wrapper
    report = MaintenanceService(database, events=writer.record_event).expire_points()
    assert report.points == 100
    dispatcher = Dispatcher(database, FAST)
    try:
        drain(dispatcher, database)
    finally:
        dispatcher.stop()
    got = delivered(receiver)
    kinds = [json.loads(r.body)["type"] for r in got]
    assert kinds == ["member.enrolled", "points.earned", "points.expired"]
    expired = json.loads(got[-1].body)["data"]
    assert (expired["points"], expired["balance"]) == (-100, 0)
    assert all(r.valid for r in receiver.received)  # repeats too


def test_erasure_scrubs_personal_data_from_kept_deliveries(
    client: TestClient, paired: Pairing, database: Database, receiver: Receiver
) -> None:
    from sync_server.services.member_admin import MemberAdminService

    webhooks(client).add(CLI_PRINCIPAL, receiver.url, ["member.enrolled"], personal_data=True)
    enrol = paired.events.enrol(phone="13900000009")
    push(client, paired, [enrol])
    [before] = outbox(database)
    assert json.loads(before.payload)["data"]["phone"] == "13900000009"
    MemberAdminService(database).erase(CLI_PRINCIPAL, enrol["data"]["member_code"], "asked to")
    [after] = outbox(database)
    data = json.loads(after.payload)["data"]
    assert "phone" not in data
    assert "name" not in data
    assert data["member_id"] == enrol["member_id"]
    assert after.status == "pending"  # still sent, without it


def test_a_return_is_sent_as_points_returned(
    client: TestClient, paired: Pairing, database: Database, receiver: Receiver
) -> None:
    subscribe(client, receiver)
    ev = paired.events
    enrol = ev.enrol()
    member = enrol["member_id"]
    sale = ev.earn(member, 20_000, 200)
    back = ev.make(
        "sale.returned",
        member,
        {
            "sale_ref": sale["data"]["sale_ref"],
            "sale_event_id": sale["event_id"],
            "amount_cents": 5_000,
            "points_taken": 50,
        },
    )
    push(client, paired, [enrol, sale, back])
    drain(Dispatcher(database, FAST), database)
    (got,) = [r for r in delivered(receiver) if r.message_id == f"msg_{back['event_id']}"]
    body = json.loads(got.body)
    assert body["type"] == "points.returned"
    assert (body["data"]["points"], body["data"]["balance"]) == (-50, 150)
    assert body["data"]["sale_event_id"] == sale["event_id"]


def test_a_small_window_still_delivers_everything_in_order(
    client: TestClient, paired: Pairing, database: Database, receiver: Receiver
) -> None:
    """The worker looks at each endpoint's oldest pending deliveries only (``window``):
    with a window of 3 and a receiver that fails a third of the time, every event still
    arrives, each member's in order, and a second endpoint is not held up by the first."""
    subscribe(client, receiver)
    other = Receiver()
    try:
        made = webhooks(client).add(CLI_PRINCIPAL, other.url, ["points.earned"])
        other.secret = made["secret"]
        receiver.behaviour = Behaviour(fail=0.33, seed=4)
        ev = paired.events
        members = [ev.enrol(phone=f"1391234{n:04d}") for n in range(3)]
        push(client, paired, members)
        for round_ in range(4):
            push(client, paired, [ev.earn(m["member_id"], 1_000 + round_, 10) for m in members])
        dispatcher = Dispatcher(database, FAST, window=3, rng=random.Random(8))
        try:
            drain(dispatcher, database)
        finally:
            dispatcher.stop()
    finally:
        other.close()
    rows = [r for r in outbox(database) if r.endpoint_id != made["endpoint_id"]]
    expected: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        expected[row.member_id].append(row.message_id)
    arrived: dict[str, list[str]] = defaultdict(list)
    for got in receiver.received:
        arrived[json.loads(got.body)["data"]["member_id"]].append(got.message_id)
    for member, ids in expected.items():
        assert list(dict.fromkeys(arrived[member])) == ids  # all, in order
    assert len(delivered(other)) == 12  # the second endpoint's earns, all of them


def test_coupons_head_office_issues_are_sent_as_coupon_issued(
    client: TestClient, paired: Pairing, database: Database, receiver: Receiver
) -> None:
    """Coupons issued from the console (one member, or a campaign's segment) write
    their coupon.issued deliveries in the transaction that issues them."""
    from sync_server.services.campaigns import CampaignService, Segment
    from sync_server.services.webhooks import EndpointCache, OutboxWriter

    subscribe(client, receiver)
    ev = paired.events
    members = [ev.enrol(phone=f"1351234{n:04d}") for n in range(3)]
    push(client, paired, members)
    campaigns = CampaignService(database, events=OutboxWriter(EndpointCache(ttl=0)).record_event)
    one = campaigns.issue_to_member(
        CLI_PRINCIPAL, members[0]["data"]["member_code"], "Welcome", 500, "CNY"
    )
    assert (
        campaigns.issue_to_segment(CLI_PRINCIPAL, Segment(tier="member"), "Winter", 800, "CNY") == 3
    )
    drain(Dispatcher(database, FAST), database)
    issued = [
        json.loads(got.body)["data"]
        for got in delivered(receiver)
        if json.loads(got.body)["type"] == "coupon.issued"
    ]
    assert len(issued) == 4
    assert {d["coupon_id"] for d in issued} >= {one["coupon_id"]}
    assert sorted(d["value_cents"] for d in issued) == [500, 800, 800, 800]
    assert {d["source"] for d in issued} == {CLI_PRINCIPAL.name}


def test_a_console_profile_edit_is_sent_as_member_updated(
    client: TestClient, paired: Pairing, database: Database, receiver: Receiver
) -> None:
    """Head office's edit of a profile sends member.updated in its transaction: the
    fields that changed by name; their new values only where personal data is allowed."""
    from sync_server.services.member_profile import MemberProfileService, ProfileChange
    from sync_server.services.webhooks import EndpointCache, OutboxWriter

    subscribe(client, receiver)
    personal = Receiver()
    try:
        made = webhooks(client).add(
            CLI_PRINCIPAL, personal.url, ["member.updated"], personal_data=True
        )
        personal.secret = made["secret"]
        enrol = paired.events.enrol()
        push(client, paired, [enrol])
        profiles = MemberProfileService(
            database, events=OutboxWriter(EndpointCache(ttl=0)).record_event
        )
        code = enrol["data"]["member_code"]
        changed = profiles.update(
            CLI_PRINCIPAL, code, ProfileChange(name="王芳", consent_marketing=False)
        )
        assert sorted(changed) == ["consent_marketing", "name"]
        drain(Dispatcher(database, FAST), database)
        plain = [json.loads(r.body) for r in delivered(receiver)]
        (update,) = [b["data"] for b in plain if b["type"] == "member.updated"]
        assert update["member_id"] == enrol["member_id"]
        assert sorted(update["changed"]) == ["consent_marketing", "name"]
        assert update["consent_marketing"] is False
        assert "name" not in update  # no personal data for this endpoint
        (rich,) = [json.loads(r.body)["data"] for r in delivered(personal)]
        assert rich["name"] == "王芳"
    finally:
        personal.close()
