"""Publishing events to RabbitMQ (issue 18): the broker this machine runs, an exchange
of its own per test, a queue bound to it. A TCP proxy between the publisher and the
broker cuts the connection mid-run (the broker "restarts" for the publisher without
disturbing anyone else's use of it): every event still arrives, persistent, in order
per member, duplicates only with the same message id."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pika
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sync_server.app import build_services, create_app
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.models import BrokerMessage
from sync_server.services.broker import BrokerPublisher
from tests.services import require_service
from tests.sync_server.helpers import pair_terminal, push

BROKER = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


@pytest.fixture(scope="module")
def broker_available() -> str | None:
    try:
        pika.BlockingConnection(pika.URLParameters(BROKER)).close()
    except Exception as error:
        return f"no RabbitMQ at TEST_RABBITMQ_URL ({BROKER}): {error!r}"
    return None


class CuttableProxy:
    """Forwards TCP to a port; ``cut()`` drops every open connection at once."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with self.lock:
            doomed, self.open = self.open, []
        for s in doomed:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass

    def close(self) -> None:
        self.listener.close()
        self.cut()


@pytest.fixture
def exchange(broker_available: str | None) -> Iterator[tuple[str, str]]:
    """A topic exchange and a queue bound to all of it, both this test's own."""
    require_service("RabbitMQ", broker_available)
    name = f"test.pos.{uuid.uuid4().hex[:12]}"
    connection = pika.BlockingConnection(pika.URLParameters(BROKER))
    channel = connection.channel()
    channel.exchange_declare(name, exchange_type="topic", durable=True)
    channel.queue_declare(name, durable=True)
    channel.queue_bind(name, name, routing_key="#")
    try:
        yield name, name
    finally:
        channel.queue_delete(name)
        channel.exchange_delete(name)
        connection.close()


def consume(
    queue: str, expected: int, seconds: float = 30, url: str = BROKER
) -> list[tuple[Any, bytes]]:
    """At least ``expected`` messages, and any duplicate behind them."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    got: list[tuple[Any, bytes]] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        method, properties, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            if len(got) >= expected:
                break
            time.sleep(0.05)
            continue
        got.append((properties, body))
    connection.close()
    return got


def test_events_are_published_persistent_in_order_across_a_broker_cut(
    exchange: tuple[str, str], db_url: str, database: Database, tmp_path: Path
) -> None:
    name, queue = exchange
    settings = Settings(
        database_url=db_url,
        data_dir=tmp_path,
        maintenance_interval_seconds=0,
        broker_url=BROKER,
        broker_exchange=name,
    )
    app = create_app(settings, services=build_services(settings, database), background=False)
    with TestClient(app, base_url="https://testserver") as client:
        paired = pair_terminal(client, database, settings)
        ev = paired.events
        members = [ev.enrol(phone=f"1371234{n:04d}") for n in range(4)]
        push(client, paired, members)
        for round_ in range(6):
            push(client, paired, [ev.earn(m["member_id"], 1_000 + round_, 10) for m in members])
    with database.read() as session:
        rows = list(session.scalars(select(BrokerMessage).order_by(BrokerMessage.id)))
    assert len(rows) == 4 + 6 * 4

    proxy = CuttableProxy(("127.0.0.1", 5672))
    url = BROKER.replace("127.0.0.1:5672", f"127.0.0.1:{proxy.port}")
    publisher = BrokerPublisher(database, url, name, batch=5)
    try:
        assert publisher.publish_once() == 5
        proxy.cut()  # the broker is gone for the publisher
        with pytest.raises((pika.exceptions.AMQPError, OSError)):
            publisher.publish_once()
        publisher.close()
        publisher.poll_seconds = 0.05
        publisher.start()  # reconnects and publishes the rest
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with database.read() as session:
                left = session.scalars(
                    select(BrokerMessage.id).where(BrokerMessage.published_at.is_(None))
                ).first()
            if left is None:
                break
            time.sleep(0.05)
        assert left is None
    finally:
        publisher.stop()
        proxy.close()

    got = consume(queue, len(rows))
    check_arrived(got, rows)
    assert {props.type for props, _ in got} == {"member.enrolled", "points.earned"}


def check_arrived(got: list[tuple[Any, bytes]], rows: list[BrokerMessage]) -> None:
    """Every outbox row arrived, persistent, each member's in the outbox's order, a
    duplicate only with the same id and the same body."""
    ids = [props.message_id for props, _ in got]
    assert set(ids) == {row.message_id for row in rows}  # every event
    bodies: dict[str, bytes] = {}
    for props, body in got:
        assert props.delivery_mode == 2  # persistent
        assert bodies.setdefault(props.message_id, body) == body  # a duplicate is the same
    per_member: dict[str, list[str]] = defaultdict(list)
    for props, body in got:
        per_member[json.loads(body)["data"]["member_id"]].append(props.message_id)
    order = {row.message_id: index for index, row in enumerate(rows)}
    for messages in per_member.values():
        first_seen = list(dict.fromkeys(messages))
        assert first_seen == sorted(first_seen, key=order.__getitem__)


def test_one_publisher_at_a_time(database: Database) -> None:
    first = BrokerPublisher(database, BROKER, "unused")
    second = BrokerPublisher(database, BROKER, "unused")
    now = datetime.now(UTC)
    assert first.holds_lease(now)
    assert not second.holds_lease(now)  # another process publishes
    assert first.holds_lease(now + timedelta(seconds=10))  # renewed
    assert second.holds_lease(now + timedelta(seconds=41))  # the holder went quiet


def test_off_by_default_no_broker_rows(client: TestClient, database: Database) -> None:
    paired = pair_terminal(client, database, client.app.state.services.settings)  # type: ignore[attr-defined]
    push(client, paired, [paired.events.enrol()])
    with database.read() as session:
        assert session.scalars(select(BrokerMessage)).first() is None
