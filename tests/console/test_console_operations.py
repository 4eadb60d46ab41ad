"""Operations in the console (issue 17): stores, staff, console accounts, a member's
profile, each behind its role and CSRF token, reaching the tills through the change log;
the account's language. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from sync_server.db import Database
from sync_server.models import AuditEntry, Deployment
from tests.console.conftest import PASSWORD, csrf_of, sign_in
from tests.sync_server.helpers import Pairing, pull_all, push


def _member(client: TestClient, paired: Pairing, name: str = "Ann") -> str:
    enrol = paired.events.enrol(name=name)
    push(client, paired, [enrol])
    return str(enrol["data"]["member_code"])


def _audit(database: Database, action: str) -> list[AuditEntry]:
    with database.read() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_new_routes_enforce_roles_and_csrf(as_role, client: TestClient, paired: Pairing) -> None:
    code = _member(client, paired)
    reads = {
        "/console/stores": {"admin", "support", "auditor"},
        "/console/stores.csv": {"admin", "support", "auditor"},
        "/console/stores/S001": {"admin", "support", "auditor"},
        "/console/staff": {"admin", "support", "auditor"},
        "/console/staff.csv": {"admin", "support", "auditor"},
        "/console/accounts": {"admin"},
        "/console/members": {"admin", "support", "auditor"},
        "/console/members.csv": {"admin", "support", "auditor"},
        "/console/churn.csv": {"admin", "auditor"},
        "/console/audit.csv": {"admin", "auditor"},
    }
    writes = {
        "/console/stores": ({"code": "S9", "name": "Nine", **_SETTINGS}, {"admin"}),
        "/console/stores/S001": ({"name": "Downtown", **_SETTINGS}, {"admin"}),
        "/console/stores/S001/active": ({"active": "yes"}, {"admin"}),
        "/console/staff": (
            {"staff_code": "C9", "name": "Cai", "role": "cashier", "pin": "2468", "store_code": ""},
            {"admin"},
        ),
        "/console/staff/C9/pin": ({"pin": "1357"}, {"admin"}),
        "/console/staff/C9/active": ({"active": "yes"}, {"admin"}),
        f"/console/members/{code}/profile": ({"name": "Ann Li"}, {"admin", "support"}),
        "/console/accounts": (
            {
                "name": "new-one",
                "role": "auditor",
                "password": PASSWORD,
                "password_again": PASSWORD,
            },
            {"admin"},
        ),
        "/console/accounts/new-one": ({"role": "support", "disabled": "no"}, {"admin"}),
        "/console/language": (
            {"language": "en", "next": "/console/"},
            {"admin", "support", "auditor"},
        ),
    }
    client.cookies.clear()
    for path in [*reads, *writes]:
        assert client.get(path, follow_redirects=False).status_code in (303, 405), path
    for path, (data, _allowed) in writes.items():
        assert client.post(path, data=data, follow_redirects=False).status_code in (303, 403), path
    for role in ("admin", "support", "auditor"):
        session = as_role(role)
        for path, allowed in reads.items():
            status = session.get(path).status_code
            assert (status == 200) == (role in allowed), (role, path, status)
        token = csrf_of(session.get("/console/").text)
        for path, (fixed, allowed) in writes.items():
            data = {**fixed, "name": f"Ann {role}"} if path.endswith("/profile") else fixed
            for forged in (None, "forged-token"):  # never without this session's token
                body = dict(data) if forged is None else {**data, "csrf_token": forged}
                assert session.post(path, data=body).status_code == 403, (role, path, forged)
            status = session.post(
                path, data={**data, "csrf_token": token}, follow_redirects=False
            ).status_code
            if role in allowed:
                assert status == 303, (role, path, status)
            else:
                assert status == 403, (role, path, status)


_SETTINGS = {
    "currency": "CNY",
    "timezone": "Asia/Shanghai",
    "phone_region": "CN",
    "language": "zh_CN",
    "closing_time": "22:30",
}


def test_staff_added_reset_and_deactivated_reach_the_store_tills(
    as_role, client: TestClient, paired: Pairing, database: Database
) -> None:
    admin = as_role("admin")
    token = csrf_of(admin.get("/console/staff").text)
    short = admin.post(
        "/console/staff",
        data={
            "csrf_token": token,
            "staff_code": "M7",
            "name": "Mei",
            "role": "manager",
            "pin": "1234",
            "store_code": "S001",
        },
    )
    assert short.status_code == 422
    assert "6 to 8 digits" in short.text  # the program's manager PIN length
    added = admin.post(
        "/console/staff",
        data={
            "csrf_token": token,
            "staff_code": "M7",
            "name": "Mei",
            "role": "manager",
            "pin": "135790",
            "store_code": "S001",
        },
    )
    assert added.status_code == 200
    assert "M7" in added.text
    state, _ = pull_all(client, paired)
    [mei] = [
        c["data"] for k, c in state.items() if k[0] == "staff" and c["data"]["staff_code"] == "M7"
    ]
    assert mei["role"] == "manager"
    assert mei["store_code"] == "S001"
    assert mei["active"] is True
    first_hash = mei["pin_hash"]

    admin.post("/console/staff/M7/pin", data={"csrf_token": token, "pin": "864202"})
    admin.post("/console/staff/M7/active", data={"csrf_token": token, "active": "no"})
    state, _ = pull_all(client, paired)
    [mei] = [
        c["data"] for k, c in state.items() if k[0] == "staff" and c["data"]["staff_code"] == "M7"
    ]
    assert mei["pin_hash"] != first_hash
    assert mei["active"] is False
    assert [e.target for e in _audit(database, "staff.reset_pin")] == ["M7"]
    listed = admin.get("/console/staff", params={"store": "S001", "active": "no"}).text
    assert 'id="staff-M7"' in listed


def test_a_store_is_added_edited_and_deactivated_once_its_terminals_are_revoked(
    as_role, client: TestClient, paired: Pairing
) -> None:
    admin = as_role("admin")
    token = csrf_of(admin.get("/console/stores").text)
    bad = admin.post(
        "/console/stores",
        data={
            "csrf_token": token,
            "code": "S2",
            "name": "Two",
            **_SETTINGS,
            "timezone": "Mars/Base",
        },
    )
    assert bad.status_code == 422
    admin.post(
        "/console/stores", data={"csrf_token": token, "code": "S2", "name": "Two", **_SETTINGS}
    )
    admin.post(
        "/console/stores/S2",
        data={"csrf_token": token, "name": "Two East", **_SETTINGS, "closing_time": "02:00"},
    )
    stores = {s.code: s for s in client.app.state.console.admin.stores()}  # type: ignore[attr-defined]
    assert (stores["S2"].name, stores["S2"].closing_time) == ("Two East", "02:00")
    # S001 has a paired terminal: deactivation is refused until it is revoked
    refused = admin.post("/console/stores/S001/active", data={"csrf_token": token, "active": "no"})
    assert refused.status_code == 409
    admin.post("/console/stores/S2/active", data={"csrf_token": token, "active": "no"})
    for path, data in (
        ("/console/terminals/new", {"store_code": "S2", "name": "T"}),
        (
            "/console/staff",
            {"staff_code": "X1", "name": "X", "role": "cashier", "pin": "2468", "store_code": "S2"},
        ),
    ):
        assert admin.post(path, data={**data, "csrf_token": token}).status_code == 409, path
    # the store's link, not the bare code: a random CSRF token on the page may hold "S2"
    assert 'href="/console/stores/S2"' in admin.get("/console/stores", params={"active": "no"}).text
    assert (
        'href="/console/stores/S2"'
        not in admin.get("/console/stores", params={"active": "yes"}).text
    )


def test_a_profile_edit_recomputes_the_phone_and_reaches_every_till(
    as_role, client: TestClient, paired: Pairing, database: Database
) -> None:
    code = _member(client, paired)
    support = as_role("support")
    token = csrf_of(support.get(f"/console/members/{code}").text)
    invalid = support.post(
        f"/console/members/{code}/profile", data={"csrf_token": token, "phone": "12"}
    )
    assert invalid.status_code == 422
    saved = support.post(
        f"/console/members/{code}/profile",
        data={"csrf_token": token, "name": "Ann Wang", "phone": "139 0013 9000"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with database.read() as session:
        key = bytes.fromhex(session.scalars(select(Deployment)).one().phone_hash_key)
    state, _ = pull_all(client, paired)
    [member] = [c["data"] for k, c in state.items() if k[0] == "member"]
    assert member["display_name"] == "Ann Wang"
    assert member["phone_last4"] == "9000"
    from sync_server.models import Member

    with database.read() as session:
        row = session.scalars(select(Member).where(Member.member_code == code)).one()
        assert row.phone_e164 == "+8613900139000"
        expected = hmac.new(key, b"+8613900139000", hashlib.sha256).hexdigest()
        assert row.phone_hash == expected
    worker = client.app.state.services.phone_hashes  # type: ignore[attr-defined]
    assert worker.wait_idle(30)
    state, _ = pull_all(client, paired)
    [member] = [c["data"] for k, c in state.items() if k[0] == "member"]
    assert member["phone_slow_hash"]  # the background worker published it
    [entry] = _audit(database, "member.update")
    assert (entry.actor, entry.target, entry.detail) == ("support", code, "phone,name")
    assert "+86139" not in entry.detail
    assert _audit(database, "member.history")  # the page view itself is audited


def test_accounts_are_added_and_changed_by_an_admin(
    as_role, client: TestClient, database: Database
) -> None:
    admin = as_role("admin")
    token = csrf_of(admin.get("/console/accounts").text)
    differ = admin.post(
        "/console/accounts",
        data={
            "csrf_token": token,
            "name": "mia",
            "role": "support",
            "password": PASSWORD,
            "password_again": PASSWORD + "x",
            "language": "zh_CN",
        },
    )
    assert differ.status_code == 422
    admin.post(
        "/console/accounts",
        data={
            "csrf_token": token,
            "name": "mia",
            "role": "support",
            "password": PASSWORD,
            "password_again": PASSWORD,
            "language": "zh_CN",
        },
    )
    client.cookies.clear()
    mia = sign_in(client, "mia")
    home = mia.get("/console/").text
    assert '<html lang="zh-CN">' in home
    assert "欢迎" in home
    admin = as_role("admin")
    assert (
        admin.post(
            "/console/accounts/admin",
            data={"csrf_token": csrf_of(admin.get("/console/").text), "disabled": "yes"},
        ).status_code
        == 422
    )
    token = csrf_of(admin.get("/console/").text)
    admin.post(
        "/console/accounts/mia", data={"csrf_token": token, "disabled": "yes", "role": "auditor"}
    )
    client.cookies.clear()
    page = client.get("/console/login")
    refused = client.post(
        "/console/login",
        data={"name": "mia", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    assert refused.status_code == 401
    assert [e.detail for e in _audit(database, "account.change")] == ["role=auditor,disabled"]


def test_the_language_is_the_accounts_and_errors_are_translated(
    as_role, client: TestClient, paired: Pairing
) -> None:
    admin = as_role("admin")
    token = csrf_of(admin.get("/console/").text)
    switched = admin.post(
        "/console/language",
        data={"csrf_token": token, "language": "zh_CN", "next": "/console/stores?q=S"},
        follow_redirects=False,
    )
    assert switched.headers["location"] == "/console/stores?q=S"
    page = admin.get("/console/stores").text
    assert '<html lang="zh-CN">' in page
    assert "门店" in page
    refused = admin.post(
        "/console/staff",
        data={
            "csrf_token": token,
            "staff_code": "M8",
            "name": "M",
            "role": "manager",
            "pin": "1234",
            "store_code": "S001",
        },
    )
    assert "店长" not in refused.text or "PIN" in refused.text
    assert "6 至 8 位数字" in refused.text
    # a foreign return address is not followed
    away = admin.post(
        "/console/language",
        data={"csrf_token": token, "language": "en", "next": "https://evil.example/console/"},
        follow_redirects=False,
    )
    assert away.headers["location"] == "/console/"
    # before sign-in: the sign-in page's links
    client.cookies.clear()
    login = client.get("/console/login?lang=zh_CN").text
    assert "登录" in login
    assert re.search(r'href="/console/login\?lang=en"', login)
