"""Fixtures for server tests: a fresh database per test on SQLite AND PostgreSQL, the app
in-process (TestClient), and real server processes on loopback.

PostgreSQL: TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test);
each test gets its own schema (search_path via connect options), migrated by Alembic and
dropped afterwards. If nothing answers, Postgres cases are skipped with the reason on a
developer's machine and fail in CI (tests.services.require_service).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from sync_server.app import create_app
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.migrate import migrate
from tests.services import require_service
from tests.sync_server.helpers import Pairing, pair_terminal
from tests.sync_server.live import ServerProcess

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL", DEFAULT_PG)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_available() -> str | None:
    """None when PostgreSQL answers, else why not (for ``require_service``)."""
    try:
        with psycopg.connect(_libpq(_pg_url()), connect_timeout=3):
            return None
    except psycopg.Error as error:
        return f"no PostgreSQL at TEST_POSTGRES_URL ({_pg_url()}): {error}".splitlines()[0]


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_available: str | None
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sync.db'}"
        return
    require_service("PostgreSQL", postgres_available)
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = _libpq(_pg_url())
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(_pg_url()).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        _drop_schema(admin, schema)


def _drop_schema(admin: str, schema: str) -> None:
    """Drop a test's schema. A background writer of the test's server (a last-seen flush,
    a phone hash) may still be finishing: PostgreSQL then breaks the deadlock by failing
    one side, and the drop is simply tried again."""
    for attempt in range(5):
        try:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
            return
        except psycopg.errors.DeadlockDetected:
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url, pool_size=5)
    migrate(db)
    try:
        yield db
    finally:
        db.dispose()


def history_days(request: pytest.FixtureRequest) -> int | None:
    """``@pytest.mark.history(days)``: a test that pushes events from long ago (points
    expiry, churn) runs a server that accepts them, as one importing history would."""
    marker = request.node.get_closest_marker("history")
    return int(marker.args[0]) if marker is not None else None


@pytest.fixture
def settings(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    days = history_days(request)
    extra = {"event_max_age_days": days} if days is not None else {}
    return Settings(database_url=db_url, data_dir=tmp_path, maintenance_interval_seconds=0, **extra)


@pytest.fixture
def client(settings: Settings, database: Database) -> Iterator[TestClient]:
    """The real app in-process (HTTP semantics through httpx), on the test database."""
    from sync_server.app import build_services

    app = create_app(settings, services=build_services(settings, database), background=False)
    # https: the console's cookies are Secure (__Host-), and a cookie jar sends them over
    # https only (browsers also over http on localhost).
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


@pytest.fixture
def paired(client: TestClient, database: Database, settings: Settings) -> Pairing:
    """A store S001 and one paired terminal."""
    return pair_terminal(client, database, settings)


@pytest.fixture
def server_factory(
    db_url: str, database: Database, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., ServerProcess]]:
    """Start real `sync-server serve` processes on free loopback ports (killed after)."""
    started: list[ServerProcess] = []

    days = history_days(request)

    def start(workers: int = 1, **env: str) -> ServerProcess:
        if days is not None:
            env.setdefault("SYNC_EVENT_MAX_AGE_DAYS", str(days))
        server = ServerProcess(db_url, tmp_path, workers=workers, env=env)
        server.start()
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def live_server(server_factory: Callable[..., ServerProcess]) -> ServerProcess:
    return server_factory()
