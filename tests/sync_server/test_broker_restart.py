"""A real RabbitMQ crash and restart mid-run (issue 18): the test runs a RabbitMQ node
of its own (the machine's ``rabbitmq-server``, its own port, data directory and node
name, so nobody else's use of the machine's broker is disturbed), kills it with SIGKILL
while the publisher is sending, writes more events while it is down, and starts it
again on the same data. Every event arrives, persistent, in order per member,
duplicates only with the same id and body: what the broker confirmed before the crash
survived it, and what it had not confirmed was sent again."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pika
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sync_server.app import build_services, create_app
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.migrate import migrate
from sync_server.models import BrokerMessage
from sync_server.services.broker import BrokerPublisher
from tests.services import require_service
from tests.sync_server.helpers import pair_terminal, push
from tests.sync_server.test_broker import check_arrived, consume

SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


class OwnBroker:
    """One RabbitMQ node in a directory of its own; ``crash()`` kills it, ``start()``
    starts it again on the same data."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.name = f"pos_test_{uuid.uuid4().hex[:8]}@localhost"
        (root / "rabbitmq.conf").write_text(f"listeners.tcp.local = 127.0.0.1:{self.port}\n")
        (root / "env.conf").write_text("")
        (root / "enabled_plugins").write_text("[].\n")
        self.env = {
            **os.environ,
            "HOME": str(root),
            "RABBITMQ_CONF_ENV_FILE": str(root / "env.conf"),
            "RABBITMQ_CONFIG_FILE": str(root / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(root / "enabled_plugins"),
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_DIST_PORT": str(_free_port()),
            "RABBITMQ_MNESIA_BASE": str(root / "mnesia"),
            "RABBITMQ_LOG_BASE": str(root / "log"),
            "RABBITMQ_PID_FILE": str(root / "pid"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def start(self, seconds: float = 120) -> None:
        log = (self.root / "console.log").open("ab")
        self.process = subprocess.Popen(
            [str(SERVER)], env=self.env, stdout=log, stderr=log, start_new_session=True
        )
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"RabbitMQ exited; see {self.root / 'console.log'}")
            if _listening(self.port):
                return
            time.sleep(0.2)
        raise AssertionError(f"RabbitMQ did not listen within {seconds} s")

    def crash(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)
            self.process = None
        deadline = time.monotonic() + 30
        while _listening(self.port) and time.monotonic() < deadline:
            time.sleep(0.1)


def _cannot_run() -> str | None:
    if not SERVER.exists():
        return f"no RabbitMQ server at {SERVER} (Debian package rabbitmq-server)"
    if os.geteuid() != 0:
        return "the test starts a RabbitMQ node of its own, which needs root here"
    return None


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[OwnBroker]:
    require_service("RabbitMQ server (a node of the test's own)", _cannot_run())
    made = OwnBroker(tmp_path / "rabbitmq")
    made.start()
    try:
        yield made
    finally:
        made.crash()


def _published(database: Database) -> int:
    with database.read() as session:
        count = session.scalar(select(func.count()).where(BrokerMessage.published_at.is_not(None)))
    return int(count or 0)


def _all_published(database: Database, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with database.read() as session:
            left = session.scalars(
                select(BrokerMessage.id).where(BrokerMessage.published_at.is_(None))
            ).first()
        if left is None:
            return True
        time.sleep(0.1)
    return False


def test_every_event_survives_a_broker_crash_and_restart(broker: OwnBroker, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sync.db'}"
    database = Database(url)
    migrate(database)
    exchange = queue = "pos.events.test"
    connection = pika.BlockingConnection(pika.URLParameters(broker.url))
    channel = connection.channel()
    channel.exchange_declare(exchange, exchange_type="topic", durable=True)
    channel.queue_declare(queue, durable=True)
    channel.queue_bind(queue, exchange, routing_key="#")
    connection.close()

    settings = Settings(
        database_url=url,
        data_dir=tmp_path,
        maintenance_interval_seconds=0,
        broker_url=broker.url,
        broker_exchange=exchange,
    )
    app = create_app(settings, services=build_services(settings, database), background=False)
    publisher = BrokerPublisher(
        database, broker.url, exchange, batch=4, poll_seconds=0.05, max_pause_seconds=1.0
    )
    try:
        with TestClient(app, base_url="https://testserver") as client:
            paired = pair_terminal(client, database, settings)
            ev = paired.events
            members = [ev.enrol(phone=f"1361234{n:04d}") for n in range(5)]
            push(client, paired, members)
            for round_ in range(6):
                push(client, paired, [ev.earn(m["member_id"], 1_000 + round_, 10) for m in members])
            publisher.start()
            deadline = time.monotonic() + 30
            while _published(database) < 8 and time.monotonic() < deadline:
                time.sleep(0.01)
            broker.crash()  # mid-run: some confirmed, some not yet sent
            sent_before = _published(database)
            assert 8 <= sent_before < 35
            for round_ in range(3):  # the shop goes on while the broker is down
                push(client, paired, [ev.earn(m["member_id"], 2_000 + round_, 20) for m in members])
            broker.start()
            assert _all_published(database, 120), "not every event was published"
    finally:
        publisher.stop()
    with database.read() as session:
        rows = list(session.scalars(select(BrokerMessage).order_by(BrokerMessage.id)))
    assert len(rows) == 5 + 6 * 5 + 3 * 5
    database.dispose()

    got = consume(queue, len(rows), url=broker.url)
    check_arrived(got, rows)  # every event, the crash's too
