"""The server re-checks a redemption's limits: a breach is accepted (the goods have
left) and flagged for head office, and the day's exceptions list it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from sync_server.config import Settings
from sync_server.db import Database
from sync_server.services.reconcile import ReconcileService
from tests.sync_server.helpers import Pairing, pair_terminal, push


def redeem(pairing: Pairing, member: str, points: int, sale: int, **extra: Any) -> dict[str, Any]:
    event = pairing.events.redeem(member, points)
    event["data"].update(sale_amount_cents=sale, **extra)
    return event


def test_breaches_are_accepted_flagged_and_counted(
    client: TestClient, paired: Pairing, database: Database, settings: Settings
) -> None:
    ev = paired.events
    enrol = ev.enrol()
    member = enrol["member_id"]
    other = pair_terminal(client, database, settings, name="Other till")
    batch = [
        enrol,
        ev.earn(member, 1_000_000, 10_000),
        redeem(paired, member, 50, 100_000),  # below the 100-point minimum
        redeem(paired, member, 600, 1_000),  # ¥6 of a ¥10 sale: over the 50 % share
        # this till's day so far: 650 (flagged ones count: they were redeemed)
        redeem(paired, member, 1_000, 100_000, offline=True),
        redeem(paired, member, 300, 100_000, offline=True),  # 1,950 here: within 2,000
        redeem(paired, member, 200, 100_000, offline=True),  # 2,150 here: over
        redeem(paired, member, 2_500, 100_000),  # online: no offline cap
    ]
    results = push(client, paired, batch)["results"]
    assert [r["status"] for r in results] == ["accepted"] * len(batch)
    assert [r.get("flag") for r in results[2:]] == [
        "below_minimum_redeem",
        "exceeds_sale_cap",
        None,
        None,
        "offline_daily_cap",
        None,
    ]
    assert results[-1]["member_balance"] == 10_000 - 50 - 600 - 1_000 - 300 - 200 - 2_500
    # another till's offline cap counts that till's redemptions only
    elsewhere = push(client, other, [redeem(other, member, 1_900, 100_000, offline=True)])
    assert elsewhere["results"][0].get("flag") is None
    # a later push of the first till still counts what it redeemed today
    again = push(client, paired, [redeem(paired, member, 100, 100_000, offline=True)])
    assert again["results"][0].get("flag") == "offline_daily_cap"
    flagged = ReconcileService(database).exceptions()["flagged"]
    assert sorted(f["code"] for f in flagged) == [
        "below_minimum_redeem",
        "exceeds_sale_cap",
        "offline_daily_cap",
        "offline_daily_cap",
    ]
