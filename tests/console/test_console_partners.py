"""The console's partner page (issue 18): API keys made (secret shown once) and revoked,
webhook endpoints added, paused and resumed, deliveries listed with a replay button; in
English and Simplified Chinese; admins only."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from sync_server.db import Database
from sync_server.models import PartnerKey, WebhookDelivery, WebhookEndpoint
from sync_server.services.accounts import AccountService
from sync_server.services.common import sha256_hex
from tests.console.conftest import csrf_of
from tests.sync_server.helpers import Pairing, push


def test_admin_makes_and_revokes_a_key(
    as_role: Callable[[str], TestClient], database: Database, paired: Pairing
) -> None:
    http = as_role("admin")
    page = http.get("/console/partners")
    assert page.status_code == 200
    made = http.post(
        "/console/partners/keys/new",
        data={
            "csrf_token": csrf_of(page.text),
            "name": "WeChat mini-program",
            "scopes": ["members:read", "points:write"],
            "stores": ["S001"],
            "rate": "120",
        },
    )
    assert made.status_code == 200, made.text
    secret = re.search(r'id="key-secret" translate="no">(pk_[^<]+)<', made.text)
    assert secret is not None
    with database.read() as session:
        [key] = session.query(PartnerKey).all()
        assert key.secret_hash == sha256_hex(secret.group(1))
        assert key.scopes == "members:read points:write"
        assert key.stores == "S001"
    again = http.get("/console/partners")
    assert secret.group(1) not in again.text  # shown once
    assert (
        http.get(
            "/partner/v1/members?code=1", headers={"Authorization": f"Bearer {secret.group(1)}"}
        ).status_code
        == 404
    )
    revoked = http.post(
        f"/console/partners/keys/{key.id}/revoke",
        data={"csrf_token": csrf_of(again.text)},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    refused = http.get(
        "/partner/v1/members?code=1", headers={"Authorization": f"Bearer {secret.group(1)}"}
    )
    assert refused.status_code == 401
    bad = http.post(
        "/console/partners/keys/new",
        data={"csrf_token": csrf_of(again.text), "name": "x", "rate": "5"},
    )
    assert bad.status_code == 422
    assert "Choose at least one scope." in bad.text


def test_endpoints_pause_and_replay_in_chinese(
    as_role: Callable[[str], TestClient],
    accounts: AccountService,
    database: Database,
    paired: Pairing,
) -> None:
    http = as_role("admin")
    page = http.get("/console/partners")
    added = http.post(
        "/console/partners/webhooks/new",
        data={
            "csrf_token": csrf_of(page.text),
            "url": "http://127.0.0.1:9/hook",
            "types": ["member.enrolled", "points.earned"],
        },
    )
    assert added.status_code == 200, added.text
    assert re.search(r'id="endpoint-secret" translate="no">whsec_', added.text)
    with database.read() as session:
        [endpoint] = session.query(WebhookEndpoint).all()
    csrf = csrf_of(added.text)
    paused = http.post(
        f"/console/partners/webhooks/{endpoint.id}/pause",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert paused.status_code == 303
    http.app.state.services.webhook_endpoints.invalidate()  # type: ignore[attr-defined]
    push(http, paired, [paired.events.enrol()])
    with database.write() as session:  # as the worker leaves a dead-lettered delivery
        [delivery] = session.query(WebhookDelivery).all()
        delivery.status = "dead"
        delivery.attempts = 9
        delivery.last_error = "HTTP 500"

    # The admin reads the page in Chinese.
    http.post("/console/language", data={"csrf_token": csrf, "language": "zh_CN"})
    listed = http.get("/console/partners?status=dead")
    assert listed.status_code == 200
    assert "合作方与回调通知" in listed.text
    assert "已转入死信" in listed.text
    assert "重新投递" in listed.text  # the replay button
    assert "恢复" in listed.text  # the endpoint is paused: offer to resume
    replayed = http.post(
        f"/console/partners/deliveries/{delivery.id}/replay",
        data={"csrf_token": csrf_of(listed.text), "status": "dead"},
        follow_redirects=False,
    )
    assert replayed.status_code == 303
    with database.read() as session:
        again = session.get(WebhookDelivery, delivery.id)
        assert again is not None
        assert again.status == "pending"
        assert again.attempts == 0


def test_only_admins_see_the_page(as_role: Callable[[str], TestClient]) -> None:
    for role in ("support", "auditor"):
        assert as_role(role).get("/console/partners").status_code == 403
