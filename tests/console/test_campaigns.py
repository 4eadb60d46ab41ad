"""Segments (tier, birthday month, not seen for N days), coupons for them through the
pull, and the churn-risk list with last visits, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from shared.errors import DomainError
from sync_server.db import Database
from sync_server.services.accounts import CLI_PRINCIPAL, Principal
from sync_server.services.campaigns import CampaignService, Segment
from tests.sync_server.helpers import Pairing, pull_all, push

AUDITOR = Principal("a", "auditor", "auditor", "", "")


@pytest.mark.history(3650)  # visits months ago
def test_segments_coupons_and_churn(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    ev = paired.events
    long_ago = (datetime.now(UTC) - timedelta(days=200)).isoformat()
    may = ev.enrol(phone="13900000001", name="May", birthday="1990-05-17")
    june = ev.enrol(phone="13900000002", name="June", birthday="1985-06-02")
    push(client, paired, [may, june])
    push(client, paired, [ev.adjust(june["member_id"], 1, occurred_at=long_ago)])
    push(client, paired, [ev.adjust(may["member_id"], 1)])
    campaigns = CampaignService(database)
    by_month = campaigns.preview(CLI_PRINCIPAL, Segment(birthday_month=5))
    assert [m["name"] for m in by_month] == ["May"]
    # June's last visit: her enrolment today (events carry the terminal's time).
    churn = campaigns.churn_risk(CLI_PRINCIPAL, days=30)
    assert churn == []
    issued = campaigns.issue_to_segment(
        CLI_PRINCIPAL, Segment(birthday_month=6), "Happy birthday", 1000, "CNY"
    )
    assert issued == 1
    state, _ = pull_all(client, paired)
    coupons = [c["data"] for k, c in state.items() if k[0] == "coupon"]
    assert [(c["title"], c["member_id"]) for c in coupons] == [
        ("Happy birthday", june["member_id"])
    ]
    with pytest.raises(DomainError):
        campaigns.issue_to_segment(AUDITOR, Segment(), "x", 1, "CNY")
    with pytest.raises(DomainError):
        campaigns.preview(CLI_PRINCIPAL, Segment(birthday_month=13))


@pytest.mark.history(3650)  # visits months ago
def test_churn_risk_lists_members_by_last_visit(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    ev = paired.events
    old = (datetime.now(UTC) - timedelta(days=120)).isoformat()
    older = (datetime.now(UTC) - timedelta(days=300)).isoformat()
    a = ev.make(
        "member.enrolled",
        "00000000-0000-4000-8000-00000000000a",
        {
            "member_code": ev.next_code(),
            "name": "Absent",
            "phone": "13900000003",
            "consent_marketing": False,
        },
        occurred_at=older,
    )
    b = ev.make(
        "member.enrolled",
        "00000000-0000-4000-8000-00000000000b",
        {
            "member_code": ev.next_code(),
            "name": "Lapsing",
            "phone": "13900000004",
            "consent_marketing": False,
        },
        occurred_at=old,
    )
    c = ev.enrol(phone="13900000005", name="Regular")
    push(client, paired, [a, b, c])
    rows = CampaignService(database).churn_risk(AUDITOR, days=90)
    assert [r["name"] for r in rows] == ["Absent", "Lapsing"]
    assert rows[0]["last_visit"][:10] == older[:10]
