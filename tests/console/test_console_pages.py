"""The console's pages work for the roles allowed, on both databases."""

from __future__ import annotations

from datetime import date, datetime

from fastapi.testclient import TestClient

from sync_server.db import Database
from tests.console.conftest import csrf_of
from tests.sync_server.helpers import Pairing, pull_all, push
from tests.sync_server.test_day_close_and_cli import _close


def test_admin_walks_every_page(
    as_role, client: TestClient, paired: Pairing, database: Database
) -> None:
    ev = paired.events
    enrol = ev.enrol(name="Li Lei", email="li@example.com", birthday="1990-05-01")
    events = [enrol, ev.earn(enrol["member_id"], 10_000, 100), ev.redeem(enrol["member_id"], 100)]
    push(client, paired, [events[0], events[2]])
    _close(client, paired, events, business_date=date.today().isoformat())
    admin = as_role("admin")
    code = enrol["data"]["member_code"]
    for path in (
        "/console/",
        "/console/terminals",
        "/console/board",
        "/console/exceptions",
        "/console/members?q=Li",
        f"/console/members/{code}",
        "/console/campaigns?tier=member",
        "/console/churn?days=1",
        "/console/program",
        "/console/audit",
    ):
        page = admin.get(path)
        assert page.status_code == 200, (path, page.text[:500])
    board = admin.get("/console/board").text
    assert "pending" in board
    drill = admin.get(f"/console/board/{paired.terminal_id}/{date.today().isoformat()}").text
    assert "Missing at head office: seq 2" in drill

    # Personal data needs a reason, and the view is audited.
    member_page = admin.get(f"/console/members/{code}").text
    assert "li@example.com" not in member_page
    assert "138****5678" in member_page
    token = csrf_of(member_page)
    refused = admin.post(
        f"/console/members/{code}/reveal", data={"csrf_token": token, "reason": ""}
    )
    assert refused.status_code == 422
    assert "Say why" in refused.text
    shown = admin.post(
        f"/console/members/{code}/reveal", data={"csrf_token": token, "reason": "member asked"}
    )
    assert "li@example.com" in shown.text
    assert "+8613812345678" in shown.text
    audit = admin.get("/console/audit").text
    assert "member.view_personal_data" in audit
    assert "member asked" in audit

    exported = admin.post(
        f"/console/members/{code}/export", data={"csrf_token": token, "reason": "GDPR art. 20"}
    )
    assert exported.status_code == 200
    assert exported.json()["personal_data"]["email"] == "li@example.com"
    # when consent was answered: the enrolment's time (issue 15)
    consent_at = exported.json()["personal_data"]["consent_marketing_at"]
    assert datetime.fromisoformat(consent_at) == datetime.fromisoformat(enrol["occurred_at"])

    # A coupon for a segment reaches the terminal through the pull.
    issued = admin.post(
        "/console/campaigns",
        data={
            "csrf_token": token,
            "tier": "member",
            "title": "Welcome back",
            "value_cents": "500",
            "currency": "CNY",
        },
    )
    assert "1 coupon issued" in issued.text
    state, _ = pull_all(client, paired)
    assert [c["data"]["title"] for k, c in state.items() if k[0] == "coupon"] == ["Welcome back"]

    # A new program version.
    program = admin.get("/console/program").text
    draft = program.split('spellcheck="false">')[1].split("</textarea>")[0]
    import html

    published = admin.post(
        "/console/program",
        data={"csrf_token": token, "program": html.unescape(draft)},
        follow_redirects=False,
    )
    assert published.status_code == 303
    assert "Current rule version: <strong>2</strong>" in admin.get("/console/program").text

    # Erasure: the member vanishes from the terminal's view and the ledger is anonymised.
    erased = admin.post(
        f"/console/members/{code}/erase",
        data={"csrf_token": token, "reason": "erasure request", "confirm_code": code},
        follow_redirects=False,
    )
    assert erased.status_code == 303
    state, _ = pull_all(client, paired)
    assert state[("member", enrol["member_id"])]["op"] == "delete"
    with database.read() as session:
        from sqlalchemy import text

        payloads = session.execute(text("SELECT payload FROM events")).scalars().all()
    assert not any("li@example.com" in p or "13812345678" in p or "Li Lei" in p for p in payloads)
    assert admin.get(f"/console/members/{code}").status_code == 404


def test_terminals_new_code_renewal_and_revocation(
    as_role, client: TestClient, paired: Pairing
) -> None:
    admin = as_role("support")
    token = csrf_of(admin.get("/console/terminals").text)
    made = admin.post(
        "/console/terminals/new", data={"csrf_token": token, "name": "Till 9", "store_code": "S001"}
    )
    assert made.status_code == 200
    first = made.text.split('id="pairing-code" translate="no">')[1].split("<")[0]
    terminals = client.app.state.console.terminals.list()  # type: ignore[attr-defined]
    [terminal_id] = [t.id for t in terminals if t.name == "Till 9"]
    renewed = admin.post(
        f"/console/terminals/{terminal_id}/pairing-code", data={"csrf_token": token}
    )
    second = renewed.text.split('id="pairing-code" translate="no">')[1].split("<")[0]
    assert second != first
    pair = {"device_name": "Till 9"}
    assert client.post("/v1/pair", json={**pair, "pairing_code": first}).status_code == 400
    paired = client.post("/v1/pair", json={**pair, "pairing_code": second})
    assert paired.status_code == 201
    again = admin.post(f"/console/terminals/{terminal_id}/pairing-code", data={"csrf_token": token})
    assert again.status_code == 409
    revoked = admin.post(
        f"/console/terminals/{terminal_id}/revoke",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    bearer = {"Authorization": f"Bearer {paired.json()['token']}"}
    assert client.get("/v1/changes", headers=bearer).status_code == 401


def test_tier_names_per_language_are_published_shown_and_pulled(
    as_role, client: TestClient, paired: Pairing
) -> None:
    import html
    import json

    admin = as_role("admin")
    page = admin.get("/console/program").text
    draft = json.loads(html.unescape(page.split('spellcheck="false">')[1].split("</textarea>")[0]))
    draft["tiers"][2]["names"] = {"en": "Gold", "zh_CN": "黄金会员", "ja": "ゴールド"}
    published = admin.post(
        "/console/program",
        data={"csrf_token": csrf_of(page), "program": json.dumps(draft, ensure_ascii=False)},
        follow_redirects=False,
    )
    assert published.status_code == 303
    shown = admin.get("/console/program").text
    # The editor asks each tier's name in every language the program names it in.
    assert 'name="tiers-2-names-zh_CN" value="黄金会员"' in shown
    assert 'name="tiers-2-names-ja" value="ゴールド"' in shown

    state, _ = pull_all(client, paired)
    programs = [c["data"] for k, c in state.items() if k[0] == "program"]
    newest = max(programs, key=lambda p: p["rule_version"])
    assert newest["tiers"][2]["names"]["zh_CN"] == "黄金会员"

    draft["rule_version"] += 1
    draft["tiers"][0]["names"] = {"Chinese": "会员"}  # not a language code
    refused = admin.post(
        "/console/program",
        data={"csrf_token": csrf_of(shown), "program": json.dumps(draft, ensure_ascii=False)},
    )
    assert refused.status_code == 422, refused.text[:300]
    assert "not a valid loyalty program" in refused.text, refused.text[:300]
