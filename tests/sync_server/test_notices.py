"""Notices sent once per occasion (issue 18): points.expiring, member.churn_risk (the
maintenance run, services/notices.py) and day_close.mismatch (the day close), through
the webhook outbox to a real receiver on loopback; SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from shared.domain.program import DEFAULT_PROGRAM, add_months
from shared.protocol import event_digest
from sync_server.db import Database
from sync_server.models import WebhookDelivery
from sync_server.services.common import utcnow
from sync_server.services.notices import NoticeService
from sync_server.services.webhooks import Dispatcher, EndpointCache, OutboxWriter
from tests.sync_server.helpers import Pairing, push
from tests.sync_server.test_webhooks import FAST, delivered, drain, subscribe
from tests.sync_server.webhook_receiver import Receiver


def notices(database: Database, **kwargs: Any) -> NoticeService:
    return NoticeService(database, OutboxWriter(EndpointCache(ttl=0)).record_event, **kwargs)


def kinds(database: Database) -> list[tuple[str, str]]:
    with database.read() as session:
        rows = session.execute(
            select(WebhookDelivery.event_type, WebhookDelivery.message_id).order_by(
                WebhookDelivery.id
            )
        )
        return [(row[0], row[1]) for row in rows]


def test_points_expiring_once_per_member_and_date(
    client: TestClient, paired: Pairing, database: Database, receiver: Receiver
) -> None:
    subscribe(client, receiver)
    ev = paired.events
    enrol = ev.enrol()
    member = enrol["member_id"]
    push(client, paired, [enrol, ev.earn(member, 30_000, 300), ev.redeem(member, 100)])
    service = notices(database, expiring_days=30, churn_days=0)
    expires = add_months(utcnow(), DEFAULT_PROGRAM.expiry_months)
    # 40 days before the points expire: outside the 30-day window, nothing is sent.
    assert service.run(expires - timedelta(days=40)).expiring == 0
    # 10 days before: one notice with what is left of the lot (300 earned, 100 spent).
    assert service.run(expires - timedelta(days=10)).expiring == 1
    assert service.run(expires - timedelta(days=9)).expiring == 0  # once per occasion
    sent = [k for k in kinds(database) if k[0] == "points.expiring"]
    assert len(sent) == 1
    drain(Dispatcher(database, FAST), database)
    (got,) = [r for r in delivered(receiver) if r.message_id == sent[0][1]]
    assert got.valid
    data = json.loads(got.body)["data"]
    assert (data["member_id"], data["points"], data["balance"]) == (member, 200, 200)
    assert data["expires_at"][:10] == expires.date().isoformat()


@pytest.mark.history(3650)  # visits from 93 days ago
def test_churn_risk_once_per_absence(
    client: TestClient, paired: Pairing, database: Database, receiver: Receiver
) -> None:
    subscribe(client, receiver)
    ev = paired.events
    now = utcnow()
    then = (now - timedelta(days=93)).isoformat()
    away, back = ev.enrol(phone="13800000001"), ev.enrol(phone="13800000002")
    away["occurred_at"] = back["occurred_at"] = then
    push(client, paired, [away, back])
    service = notices(database, expiring_days=0, churn_days=90)
    assert service.run(now - timedelta(days=10)).churn_risk == 0  # not away long enough
    assert service.run(now).churn_risk == 2
    assert service.run(now + timedelta(hours=1)).churn_risk == 0  # once per absence
    push(client, paired, [ev.earn(back["member_id"], 1_000, 10)])  # comes back today
    # 91 days after today's visit: told again about the member who came back (a new
    # absence); not again about the one who never did.
    assert service.run(now + timedelta(days=91)).churn_risk == 1
    sent = [k for k in kinds(database) if k[0] == "member.churn_risk"]
    assert len(sent) == 3
    drain(Dispatcher(database, FAST), database)
    risk = [json.loads(r.body)["data"] for r in delivered(receiver) if "churn" in r.message_id]
    assert sorted(b["member_id"] for b in risk) == sorted(
        [away["member_id"], back["member_id"], back["member_id"]]
    )
    assert all(b["days_absent"] >= 90 for b in risk)


def _close(client: TestClient, paired: Pairing, events: list[dict[str, Any]], **change: Any) -> Any:
    body = {
        "business_date": "2026-11-25",
        "first_seq": 1,
        "last_seq": len(events),
        "counts": {"member.enrolled": 1, "points.earned": 1},
        "points_earned": 50,
        "points_redeemed": 0,
        "amount_cents": 5_000,
        "event_digest": event_digest([str(e["event_id"]) for e in events]),
    } | change
    answer = client.post("/v1/day-close", json=body, headers=paired.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_day_close_mismatch_is_sent_once(
    client: TestClient, paired: Pairing, database: Database, receiver: Receiver
) -> None:
    subscribe(client, receiver)
    ev = paired.events
    enrol = ev.enrol()
    events = [enrol, ev.earn(enrol["member_id"], 5_000, 50)]
    push(client, paired, events)
    assert _close(client, paired, events)["status"] == "matched"
    assert [k for k in kinds(database) if k[0] == "day_close.mismatch"] == []
    assert _close(client, paired, events, points_earned=49)["status"] == "mismatch"
    assert _close(client, paired, events, points_earned=48)["status"] == "mismatch"
    sent = [k for k in kinds(database) if k[0] == "day_close.mismatch"]
    assert len(sent) == 1  # once per terminal and business date
    drain(Dispatcher(database, FAST), database)
    (got,) = [r for r in delivered(receiver) if r.message_id == sent[0][1]]
    data = json.loads(got.body)["data"]
    assert data["terminal_id"] == paired.terminal_id
    assert data["business_date"] == "2026-11-25"
    assert data["differences"] == ["points_earned"]
    assert (data["server"]["points_earned"], data["reported"]["points_earned"]) == (50, 49)


def test_cli_sends_notices_once(
    client: TestClient,
    paired: Pairing,
    database: Database,
    receiver: Receiver,
    db_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sync_server.cli import main

    subscribe(client, receiver)
    ev = paired.events
    enrol = ev.enrol()
    push(client, paired, [enrol, ev.earn(enrol["member_id"], 10_000, 100)])
    soon = add_months(utcnow(), DEFAULT_PROGRAM.expiry_months) - timedelta(days=5)
    argv = ["notices", "--db", db_url, "--now", soon.isoformat(), "--json"]
    assert main(argv) == 0
    # the visit is two years back: beyond the churn look-back, so only the expiry
    assert json.loads(capsys.readouterr().out) == {"points_expiring": 1, "churn_risk": 0}
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out) == {"points_expiring": 0, "churn_risk": 0}
    assert main(["notices", "--db", db_url, "--now", "2026-01-01T00:00:00"]) == 2


def test_a_scheduled_program_does_not_decide_expiry_notices_before_its_time(
    client: TestClient, paired: Pairing, database: Database, receiver: Receiver
) -> None:
    """Version 2 (points expire after 1 month) is published to start next year: until
    then the version in force (24 months) decides, so no points are expiring soon."""
    from sync_server.services.admin import AdminService

    subscribe(client, receiver)
    ev = paired.events
    enrol = ev.enrol()
    push(client, paired, [enrol, ev.earn(enrol["member_id"], 10_000, 100)])
    body = {**DEFAULT_PROGRAM.model_dump(), "rule_version": 2, "expiry_months": 1}
    later = utcnow() + timedelta(days=365)
    AdminService(database).publish_program(
        DEFAULT_PROGRAM.model_validate(body), effective_from=later
    )
    service = notices(database, expiring_days=30, churn_days=0)
    assert service.run(utcnow() + timedelta(days=10)).expiring == 0
