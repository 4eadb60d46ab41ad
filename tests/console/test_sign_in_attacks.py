"""Sign-in under attack: guesses are throttled per address (a victim elsewhere still signs
in), unknown, known and throttled names answer alike, and the sign-in form refuses a
planted cookie/token pair and posts from another site. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
import statistics
import time

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import text

from sync_server.db import Database
from sync_server.services.accounts import ADDRESS, MAX_FAILURES, AccountService
from tests.console.conftest import PASSWORD, csrf_of, sign_in


def _from(client: TestClient, address: str) -> TestClient:
    return TestClient(client.app, base_url="https://testserver", client=(address, 40000))


def _attempt(http: TestClient, name: str, password: str) -> tuple[int, str, str, float]:
    token = csrf_of(http.get("/console/login").text)
    started = time.perf_counter()
    answer = http.post(
        "/console/login",
        data={"name": name, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    elapsed = time.perf_counter() - started
    page = re.sub(r'name="csrf_token" value="[^"]+"', "", answer.text)
    return answer.status_code, answer.headers.get("retry-after", ""), page, elapsed


def test_an_attacker_is_throttled_while_the_victim_signs_in_from_elsewhere(
    client: TestClient, accounts: AccountService
) -> None:
    attacker = _from(client, "10.0.0.66")
    statuses = [_attempt(attacker, "admin", f"guess {n}")[0] for n in range(3 * MAX_FAILURES)]
    assert statuses[:MAX_FAILURES] == [401] * MAX_FAILURES
    assert set(statuses[MAX_FAILURES:]) == {429}
    # Even the right password waits at the attacker's address ...
    assert _attempt(attacker, "admin", PASSWORD)[0] == 429
    # ... but the account is not locked: its owner signs in from their own computer.
    victim = _from(client, "10.0.0.7")
    sign_in(victim, "admin")
    assert victim.get("/console/").status_code == 200


def test_unknown_known_and_throttled_names_answer_alike(
    client: TestClient, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashes_checked: list[str] = []
    verify = PasswordHasher.verify

    def counted(self: PasswordHasher, hashed: str | bytes, password: str | bytes) -> bool:
        hashes_checked.append(str(hashed))
        return verify(self, hashed, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted)
    # Hashes of a real cost (the fixture's are nearly free, which would hide a difference).
    AccountService(database, hasher=PasswordHasher(time_cost=2, memory_cost=32768)).add(
        "hq-admin", "admin", PASSWORD
    )
    _attempt(_from(client, "10.2.0.1"), "warm-up", "x")  # the dummy hash is made once
    known: list[float] = []
    unknown: list[float] = []
    for n in range(8):
        http = _from(client, f"10.2.1.{n}")
        status_known, _, page_known, elapsed_known = _attempt(http, "hq-admin", "wrong one")
        status_unknown, _, page_unknown, elapsed_unknown = _attempt(http, "hq-nobody", "wrong")
        assert status_known == status_unknown == 401
        assert page_known == page_unknown
        known.append(elapsed_known)
        unknown.append(elapsed_unknown)
    fast, slow = sorted((statistics.median(known), statistics.median(unknown)))
    assert len(hashes_checked) >= 16  # every unthrottled attempt checked one (the spy sees it)
    assert slow - fast < 0.5 * slow, (known, unknown)  # unmatched costs differed 5-fold
    # Throttled: the same answer, and the same wait, whether the name exists or not.
    attacker = _from(client, "10.2.9.9")
    answers = {}
    for name in ("hq-admin", "hq-nobody"):
        for _ in range(MAX_FAILURES):
            assert _attempt(attacker, name, "wrong")[0] == 401
        checked = len(hashes_checked)
        answers[name] = _attempt(attacker, name, "wrong")
        # neither checks a hash (counted, not timed: a busy machine stretches any request)
        assert len(hashes_checked) == checked, name
    (s1, wait1, page1, _), (s2, wait2, page2, _) = answers.values()
    assert s1 == s2 == 429
    assert wait1 == wait2
    assert page1 == page2


def test_a_planted_cookie_and_token_pair_is_refused(
    client: TestClient, accounts: AccountService
) -> None:
    client.cookies.set("__Host-console_login", "planted-by-attacker", domain="testserver")
    for token in ("planted-by-attacker", "1.0", f"{int(time.time())}.{'0' * 64}"):
        answer = client.post(
            "/console/login", data={"name": "admin", "password": PASSWORD, "csrf_token": token}
        )
        assert answer.status_code == 403, token
    # A token minted for another pre-session does not fit this one either.
    other = _from(client, "10.3.0.1")
    foreign = csrf_of(other.get("/console/login").text)
    answer = client.post(
        "/console/login", data={"name": "admin", "password": PASSWORD, "csrf_token": foreign}
    )
    assert answer.status_code == 403
    assert client.get("/console/", follow_redirects=False).status_code == 303  # not signed in


def test_forms_posted_from_another_site_are_refused(
    client: TestClient, accounts: AccountService
) -> None:
    page = client.get("/console/login")
    data = {"name": "admin", "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ):
        answer = client.post("/console/login", data=data, headers=headers, follow_redirects=False)
        assert answer.status_code == 403, headers
    admin = sign_in(client, "admin")
    token = csrf_of(admin.get("/console/terminals").text)
    refused = admin.post(
        "/console/logout", data={"csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    assert refused.status_code == 403
    assert admin.get("/console/terminals").status_code == 200  # still signed in
    same_site = {"Origin": "https://testserver", "Sec-Fetch-Site": "same-origin"}
    out = admin.post(
        "/console/logout", data={"csrf_token": token}, headers=same_site, follow_redirects=False
    )
    assert out.status_code == 303


def test_signing_in_to_ones_own_account_does_not_reset_a_guessing_address(
    client: TestClient, accounts: AccountService
) -> None:
    guesser = _from(client, "10.4.0.1")
    for n in range(ADDRESS.free - 1):  # one wrong password for each of many names
        assert _attempt(guesser, f"name{n}", "wrong")[0] == 401
    sign_in(guesser, "auditor")  # the guesser's own account
    guesser.cookies.clear()
    assert _attempt(guesser, "another", "wrong")[0] == 401  # the address's limit is reached
    assert _attempt(guesser, "auditor", PASSWORD)[0] == 429  # now it waits, whoever it is
    sign_in(_from(client, "10.4.0.2"), "auditor")  # elsewhere nobody waits


def test_an_expired_or_signed_out_session_lets_nobody_in(
    as_role, client: TestClient, database: Database
) -> None:
    admin = as_role("admin")
    stolen = dict(admin.cookies)
    assert admin.get("/console/audit").status_code == 200
    with database.write() as session:
        session.execute(text("UPDATE admin_sessions SET expires_at = '2000-01-01 00:00:00'"))
    assert admin.get("/console/audit", follow_redirects=False).status_code == 303
    again = as_role("admin")
    token = csrf_of(again.get("/console/terminals").text)
    copied = dict(again.cookies)
    assert again.post("/console/logout", data={"csrf_token": token}).status_code == 200
    replay = _from(client, "10.5.0.1")
    for cookies in (stolen, copied):
        for name, value in cookies.items():
            replay.cookies.set(name, value, domain="testserver")
        assert replay.get("/console/audit", follow_redirects=False).status_code == 303
