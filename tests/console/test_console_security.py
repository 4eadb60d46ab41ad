"""Console security: CSRF, escaping, harmless SQL-looking input, roles, brute force,
cookies and headers, an append-only audit log. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from sync_server.db import Database
from sync_server.services.accounts import MAX_FAILURES, AccountService
from tests.console.conftest import PASSWORD, csrf_of, sign_in
from tests.sync_server.helpers import Pairing, push


def _member(client: TestClient, paired: Pairing, name: str = "Ann") -> str:
    enrol = paired.events.enrol(name=name)
    push(client, paired, [enrol])
    return str(enrol["data"]["member_code"])


def test_forms_without_a_csrf_token_are_refused(
    as_role, client: TestClient, paired: Pairing
) -> None:
    code = _member(client, paired)
    admin = as_role("admin")
    token = csrf_of(admin.get("/console/terminals").text)
    posts = {
        f"/console/members/{code}/erase": {"reason": "test it", "confirm_code": code},
        f"/console/members/{code}/reveal": {"reason": "test it"},
        f"/console/terminals/{paired.terminal_id}/revoke": {},
        "/console/program": {"program": "{}"},
        "/console/program/edit": {"action": "review"},
        "/console/program/rollout": {"rule_version": "1"},
        "/console/logout": {},
    }
    for path, data in posts.items():
        for forged in (None, "forged-token"):
            body = dict(data) if forged is None else {**data, "csrf_token": forged}
            response = admin.post(path, data=body)
            assert response.status_code == 403, path
    assert admin.get(f"/console/members/{code}").status_code == 200  # not erased
    assert client.get("/v1/changes", headers=paired.headers).status_code == 200  # not revoked
    # The sign-in form too: a post without the cookie's token is refused.
    client.cookies.clear()
    refused = client.post("/console/login", data={"name": "admin", "password": PASSWORD})
    assert refused.status_code == 403
    assert token


def test_a_script_in_a_member_name_is_shown_as_text(
    as_role, client: TestClient, paired: Pairing
) -> None:
    code = _member(client, paired, name="<script>alert(1)</script>")
    admin = as_role("admin")
    for page in (admin.get("/console/members?q=<script"), admin.get(f"/console/members/{code}")):
        assert "<script>alert(1)</script>" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "script-src" not in page.headers["content-security-policy"]  # no inline JS


def test_sql_looking_search_input_is_harmless(
    as_role, client: TestClient, paired: Pairing, database: Database
) -> None:
    _member(client, paired, name="Bob")
    admin = as_role("admin")
    for query in ("' OR '1'='1", "%", "_", "1; DROP TABLE members; --", "\\"):
        page = admin.get("/console/members", params={"q": query})
        assert page.status_code == 200, query
        assert "0 found." in page.text, query
    assert "1 found." in admin.get("/console/members", params={"q": "Bo"}).text
    with database.read() as session:
        assert session.execute(text("SELECT count(*) FROM members")).scalar() == 1


def test_each_role_is_refused_what_it_may_not_do(
    as_role, client: TestClient, paired: Pairing
) -> None:
    code = _member(client, paired)
    reads = {
        "/console/board": {"admin", "auditor"},
        "/console/exceptions": {"admin", "auditor"},
        "/console/terminals": {"admin", "support", "auditor"},
        f"/console/members/{code}": {"admin", "support", "auditor"},
        "/console/campaigns": {"admin"},
        "/console/churn": {"admin", "auditor"},
        "/console/program": {"admin", "auditor"},
        "/console/audit": {"admin", "auditor"},
    }
    writes = {
        f"/console/members/{code}/reveal": ({"reason": "checking"}, {"admin", "support"}),
        f"/console/members/{code}/coupon": (
            {"title": "x", "value_cents": "100", "currency": "CNY"},
            {"admin"},
        ),
        "/console/program": ({"program": "{}"}, {"admin"}),
        "/console/program/edit": ({"action": "preview"}, {"admin"}),
        "/console/program/rollout": ({"rule_version": "1"}, {"admin"}),
        "/console/terminals/new": ({"store_code": "S001", "name": "T9"}, {"admin", "support"}),
    }
    client.cookies.clear()
    for path in reads:
        assert client.get(path, follow_redirects=False).status_code == 303  # to sign-in
    for role in ("admin", "support", "auditor"):
        session = as_role(role)
        for path, allowed in reads.items():
            status = session.get(path).status_code
            assert (status == 200) == (role in allowed), (role, path, status)
        token = csrf_of(session.get("/console/terminals").text)
        for path, (data, allowed) in writes.items():
            status = session.post(path, data={**data, "csrf_token": token}).status_code
            if role in allowed:
                assert status != 403, (role, path)
            else:
                assert status == 403, (role, path, status)
    auditor_page = as_role("auditor").get(f"/console/members/{code}").text
    assert "reveal" not in auditor_page
    assert "erase" not in auditor_page


def test_brute_force_is_throttled_not_locked(client: TestClient, accounts: AccountService) -> None:
    page = client.get("/console/login")
    token = csrf_of(page.text)
    for _ in range(MAX_FAILURES):
        wrong = client.post(
            "/console/login", data={"name": "admin", "password": "guess", "csrf_token": token}
        )
        assert wrong.status_code == 401
        token = csrf_of(wrong.text)
    right = client.post(
        "/console/login", data={"name": "admin", "password": PASSWORD, "csrf_token": token}
    )
    # This address must wait a short, stated time; the account itself is not locked.
    assert right.status_code == 429
    assert "try again in" in right.text
    assert int(right.headers["retry-after"]) > 0
    actions = [e.action for e in accounts.audit_log()]
    assert actions.count("sign_in.failed") == MAX_FAILURES
    assert "sign_in.throttled" in actions
    sign_in(client, "support")  # other accounts are not affected


def test_cookies_and_security_headers(client: TestClient, accounts: AccountService) -> None:
    page = client.get("/console/login")
    headers = page.headers
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "strict-transport-security" in page.headers
    response = client.post(
        "/console/login",
        data={"name": "admin", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("__host-console_session=")
    for part in ("httponly", "samesite=strict", "secure", "path=/;"):
        assert part in cookie, part
    assert "domain=" not in cookie
    # Plain http on localhost (a browser keeps Secure cookies there): the same cookie.
    local = TestClient(client.app, base_url="http://localhost")
    login = local.get("/console/login")
    assert "__host-console_login=" in login.headers["set-cookie"].lower()
    assert "secure" in login.headers["set-cookie"].lower()
    assert "plain http" not in login.text
    # Plain http on another host: the page says why signing in cannot work there.
    remote = TestClient(client.app, base_url="http://pos.example.test")
    assert "Open it over https" in remote.get("/console/login").text


def test_audit_log_is_append_only(accounts: AccountService, database: Database) -> None:
    accounts.audit("admin", "test", "x", reason="because")
    for statement in ("UPDATE audit_log SET reason = 'changed'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError), database.write() as session:
            session.execute(text(statement))
    assert [e.reason for e in accounts.audit_log() if e.action == "test"] == ["because"]
