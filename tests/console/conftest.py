"""Console fixtures: the app in-process on SQLite and PostgreSQL, with one account per
role, and a helper that signs in the way a browser does (form, CSRF token, cookie)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from sync_server.db import Database
from sync_server.services.accounts import AccountService
from tests.sync_server.conftest import (  # noqa: F401  (fixtures)
    client,
    database,
    db_url,
    paired,
    postgres_available,
    settings,
)

PASSWORD = "correct horse battery"
ROLES = ("admin", "support", "auditor")
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(http: TestClient, name: str, password: str = PASSWORD) -> TestClient:
    page = http.get("/console/login")
    response = http.post(
        "/console/login",
        data={"name": name, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return http


@pytest.fixture
def accounts(database: Database) -> AccountService:  # noqa: F811
    # Cheap argon2 parameters (stored in each hash, so the app verifies with them too).
    service = AccountService(database, hasher=PasswordHasher(time_cost=1, memory_cost=64))
    for role in ROLES:
        service.add(role, role, PASSWORD)
    return service


@pytest.fixture
def as_role(
    client: TestClient,  # noqa: F811
    accounts: AccountService,
) -> Iterator[object]:
    """``as_role("admin")``: the test client signed in with that role's account."""

    def become(role: str) -> TestClient:
        client.cookies.clear()
        return sign_in(client, role)

    return become
