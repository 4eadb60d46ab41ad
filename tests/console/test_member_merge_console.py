"""The console's member merge over HTTP (issue 17), on SQLite and PostgreSQL: only
support and admin, only with the form's CSRF token; the webhook and the till hear of it
through the app's own outbox (the push path's writer)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from sync_server.db import Database
from sync_server.models import Member, WebhookDelivery
from sync_server.services.accounts import CLI_PRINCIPAL
from sync_server.services.webhooks import WebhookService
from tests.console.conftest import csrf_of
from tests.sync_server.helpers import Pairing, push


def _member(client: TestClient, paired: Pairing, phone: str) -> str:
    enrol = paired.events.enrol(phone=phone)
    earn = paired.events.earn(enrol["member_id"], 20_000, 200)
    push(client, paired, [enrol, earn])
    return str(enrol["data"]["member_code"])


def test_only_support_and_admin_merge_and_only_with_the_forms_token(
    as_role, client: TestClient, paired: Pairing, database: Database
) -> None:
    a, b = _member(client, paired, "13800000051"), _member(client, paired, "13800000052")
    services = client.app.state.services  # type: ignore[attr-defined]
    WebhookService(database, services.webhook_endpoints).add(
        CLI_PRINCIPAL, "https://crm.example/hooks", ["member.merged"]
    )
    path = f"/console/members/{a}/merge"
    auditor = as_role("auditor")
    assert "merge-form" not in auditor.get(f"/console/members/{a}").text
    assert auditor.get(path, params={"other": b}).status_code == 403
    token = csrf_of(auditor.get("/console/members").text)
    refused = auditor.post(path, data={"other": b, "reason": "test it", "csrf_token": token})
    assert refused.status_code == 403

    support = as_role("support")
    assert "merge-form" in support.get(f"/console/members/{a}").text
    review = support.get(path, params={"other": b})
    assert review.status_code == 200
    assert "400" in review.text
    for forged in (None, "forged-token"):
        body = {"other": b, "reason": "test it"}
        if forged is not None:
            body["csrf_token"] = forged
        assert support.post(path, data=body).status_code == 403
    with database.read() as session:
        assert session.scalars(select(Member.status).where(Member.member_code == b)).one() == (
            "active"
        )
    done = support.post(
        path,
        data={"other": b, "reason": "two cards", "csrf_token": csrf_of(review.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/console/members/{a}?merged={b}"
    with database.read() as session:
        rows = {m.member_code: m for m in session.scalars(select(Member))}
        kinds = session.scalars(select(WebhookDelivery.event_type)).all()
    assert (rows[a].balance, rows[b].status) == (400, "merged")
    assert list(kinds) == ["member.merged"]
    again = support.get(f"/console/members/{b}", follow_redirects=False)
    assert again.headers["location"] == f"/console/members/{a}?merged={b}"
