"""Fixtures for server tests: a fresh database per test on SQLite AND PostgreSQL, the app
in-process (TestClient), and real server processes on loopback.

PostgreSQL: TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test);
each test gets a database of its own on that server (cloned from a migrated template
when the test needs a migrated one), dropped afterwards. If nothing answers, Postgres cases are skipped with the reason on a
developer's machine and fail in CI (tests.services.require_service).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sync_server.app import create_app
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.migrate import migrate
from tests.services import require_service
from tests.sync_server.helpers import Pairing, pair_terminal
from tests.sync_server.live import ServerProcess
from tests.sync_server.webhook_receiver import Receiver

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


# Fixtures that work on a migrated database: their test's database is a copy of one
# migrated once per session (a SQLite file copied, a PostgreSQL database cloned with
# CREATE DATABASE ... TEMPLATE) instead of running every migration again for each test.
# Migrations themselves are tested on empty databases (test_migrations.py, tests/ops).
MIGRATED_FIXTURES = frozenset({"database", "head_office"})


class MigratedTemplates:
    """Per pytest process (xdist worker): one migrated SQLite file and one migrated
    PostgreSQL database, made on first use and removed when the process ends. Not a
    fixture: the conftests that import ``db_url`` need nothing else."""

    def __init__(self) -> None:
        self.directory: Path | None = None
        self.sqlite: Path | None = None
        self.postgres: str | None = None
        atexit.register(self.remove)

    def sqlite_file(self) -> Path:
        if self.sqlite is None:
            self.directory = Path(tempfile.mkdtemp(prefix="migrated-"))
            path = self.directory / "migrated.db"
            _migrate_url(f"sqlite:///{path}")
            self.sqlite = path
        return self.sqlite

    def postgres_database(self, admin: str) -> str:
        if self.postgres is None:
            name = f"tmpl_{uuid.uuid4().hex[:16]}"
            _admin_execute(admin, f'CREATE DATABASE "{name}"')
            self.postgres = name  # dropped at the end even if migrating fails
            _migrate_url(make_url(_pg_url()).set(database=name).render_as_string(False))
        return self.postgres

    def remove(self) -> None:
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
        if self.postgres is not None:
            with contextlib.suppress(psycopg.Error):
                _drop_database(_libpq(_pg_url()), self.postgres)


def _migrate_url(url: str) -> None:
    db = Database(url, pool_size=1)
    try:
        migrate(db)
    finally:
        db.dispose()  # no connection left: SQLite checkpoints its WAL, PostgreSQL can clone


TEMPLATES = MigratedTemplates()


def _fresh_deployment_key(url: str) -> None:
    """A copy shares the template's random phone hash key: give it its own, as a new
    deployment has (the template holds no member, so nothing was hashed with it)."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE deployment SET phone_hash_key = :key"),
                {"key": secrets.token_bytes(32).hex()},
            )
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    postgres_available: str | None,
) -> Iterator[str]:
    """A database of the test's own: empty, or already migrated when the test uses one
    of MIGRATED_FIXTURES (a copy of the session's migrated template)."""
    migrated = not MIGRATED_FIXTURES.isdisjoint(request.fixturenames)
    if request.param == "sqlite":
        path = tmp_path / "sync.db"
        url = f"sqlite:///{path}"
        if migrated:
            shutil.copyfile(TEMPLATES.sqlite_file(), path)
            path.chmod(0o600)
            _fresh_deployment_key(url)
        yield url
        return
    require_service("PostgreSQL", postgres_available)
    admin = _libpq(_pg_url())
    name = f"t_{uuid.uuid4().hex[:16]}"
    template = f' TEMPLATE "{TEMPLATES.postgres_database(admin)}"' if migrated else ""
    _admin_execute(admin, f'CREATE DATABASE "{name}"{template}')
    url = make_url(_pg_url()).set(database=name).render_as_string(hide_password=False)
    try:
        if migrated:
            _fresh_deployment_key(url)
        yield url
    finally:
        _drop_database(admin, name)


def _drop_database(admin: str, name: str) -> None:
    """Drop a test's database; FORCE ends the connections a background writer of the
    test's server (a last-seen flush, a phone hash) may still hold."""
    _admin_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin_execute(admin: str, statement: str) -> None:
    """CREATE/DROP DATABASE, tried again while PostgreSQL says another session is still
    there: a backend FORCE ended that has not exited yet (it gets 5 s, which a loaded
    machine can exceed), or a connection to the template that is just closing."""
    for attempt in range(10):
        try:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(statement)
            return
        except psycopg.errors.ObjectInUse:
            if attempt == 9:
                raise
            time.sleep(0.5)


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url, pool_size=5)  # migrated already: a copy of the session's template
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


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on loopback (tests/sync_server/webhook_receiver.py)."""
    made = Receiver()
    try:
        yield made
    finally:
        made.close()
