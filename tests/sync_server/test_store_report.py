"""The store-wide report (``GET /v1/store-report``) on SQLite and PostgreSQL: the figures
of every till of the asking till's store, by business date, and nothing of another
store's; voided events and their voids cancel out; returns counted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from sync_server.config import Settings
from sync_server.db import Database
from sync_server.services.admin import AdminService
from tests.sync_server.helpers import push
from tests.sync_server.test_returns import _pair


def test_a_store_report_adds_up_every_till_of_the_store_only(
    client: TestClient, database: Database, settings: Settings
) -> None:
    one, two = _pair(client, database, settings, "S001"), _pair(client, database, settings, "S001")
    AdminService(database).add_store("S002", "Uptown")
    elsewhere = _pair(client, database, settings, "S002")
    member = str(uuid.uuid4())
    today = datetime.now(UTC)
    yesterday = (today - timedelta(days=1)).isoformat()
    earn_1 = one.events.earn(member, 10_000, 100)
    earn_2 = two.events.earn(member, 5_000, 50, occurred_at=yesterday)
    wrong = two.events.earn(member, 7_000, 70)
    push(client, one, [one.events.enrol(member), earn_1])
    push(client, two, [earn_2, wrong, two.events.void(member, wrong["event_id"])])
    back = {
        "sale_ref": earn_1["data"]["sale_ref"],
        "sale_event_id": earn_1["event_id"],
        "amount_cents": 2_500,
    }
    push(client, two, [two.events.make("sale.returned", member, back)])
    push(client, elsewhere, [elsewhere.events.earn(member, 90_000, 900)])

    day_from = (today - timedelta(days=3)).date().isoformat()
    day_to = (today + timedelta(days=1)).date().isoformat()
    answer = client.get(
        "/v1/store-report",
        params={"date_from": day_from, "date_to": day_to},
        headers=one.headers,
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["store_code"], report["terminals"]) == ("S001", 2)
    total = report["total"]
    assert total["transactions"] == 2  # the voided earn and its void cancel out
    assert (total["points_earned"], total["member_sales_cents"]) == (150, 15_000)
    assert (total["voids"], total["enrollments"]) == (1, 1)
    assert (total["returns"], total["returned_cents"]) == (1, 2_500)
    assert sum(day["transactions"] for day in report["days"]) == 2
    assert len(report["days"]) >= 1

    too_long = client.get(
        "/v1/store-report",
        params={"date_from": "2026-01-01", "date_to": "2026-12-31"},
        headers=one.headers,
    )
    assert too_long.status_code == 422
    assert (
        client.get(
            "/v1/store-report", params={"date_from": day_from, "date_to": day_to}
        ).status_code
        == 401
    )
