"""Publishing the webhook events to a message broker (RabbitMQ), for retailers who run
one (issue 18, docs/PARTNER_API.md). Off unless ``broker_url`` is set.

The push writer adds a ``broker_outbox`` row for every accepted event in the change's
own transaction (``webhooks.OutboxWriter``). :class:`BrokerPublisher` publishes the rows
in id order to a durable topic exchange, as persistent messages whose ``message_id`` is
the event's id, with publisher confirms: a row is marked published only after the
broker confirmed it. A broker that goes away (restart, network) is reconnected to with
a growing pause; what was not confirmed is published again, so a consumer may see an
event twice, always with the same ``message_id`` (consumers dedupe by it): exactly once
per event id on the publishing side, at least once on the wire.

Routing key: the event type (``points.earned``); bind ``points.*`` or ``#``. Several
server processes each run a publisher; one publishes at a time (a lease in
``outbox_leases``), so messages leave in id order.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pika
import pika.exceptions
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from sync_server.db import Database
from sync_server.models import BrokerMessage, OutboxLease
from sync_server.services.common import utcnow

LEASE = "broker"

log = logging.getLogger("sync_server")


class BrokerPublisher:
    def __init__(
        self,
        database: Database,
        url: str,
        exchange: str,
        *,
        batch: int = 500,
        poll_seconds: float = 0.5,
        max_pause_seconds: float = 30.0,
        connect: Callable[[pika.URLParameters], Any] = pika.BlockingConnection,
    ) -> None:
        self.database = database
        self.parameters = pika.URLParameters(url)
        self.exchange = exchange
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.max_pause_seconds = max_pause_seconds  # between reconnections, doubling
        self._connect = connect
        self._connection: Any = None
        self._channel: Any = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # One publisher at a time across processes (a lease, renewed every round).
        self.holder = uuid.uuid4().hex
        self.lease = timedelta(seconds=30)

    def holds_lease(self, now: datetime) -> bool:
        """Take or renew the publishing lease; False while another process holds it."""
        until = now + self.lease
        try:
            with self.database.write() as session:
                renewed = session.execute(
                    update(OutboxLease)
                    .where(
                        OutboxLease.name == LEASE,
                        or_(OutboxLease.until < now, OutboxLease.holder == self.holder),
                    )
                    .values(holder=self.holder, until=until)
                )
                if getattr(renewed, "rowcount", 0):
                    return True
                if session.get(OutboxLease, LEASE) is not None:
                    return False
                session.add(OutboxLease(name=LEASE, holder=self.holder, until=until))
            return True
        except IntegrityError:
            return False  # another process made the lease at the same moment

    def _open(self) -> Any:
        if self._channel is not None and self._channel.is_open:
            return self._channel
        self.close()
        self._connection = self._connect(self.parameters)
        channel = self._connection.channel()
        channel.exchange_declare(self.exchange, exchange_type="topic", durable=True)
        channel.confirm_delivery()  # basic_publish now waits for the broker's ack
        self._channel = channel
        return channel

    def publish_once(self) -> int:
        """Publish the oldest unpublished rows; returns how many the broker confirmed.
        Raises the broker's error (after marking what was confirmed before it)."""
        with self.database.read() as session:  # a cheap look before the lease's write
            waiting = session.scalars(
                select(BrokerMessage.id).where(BrokerMessage.published_at.is_(None)).limit(1)
            ).first()
        if waiting is None or not self.holds_lease(utcnow()):
            return 0
        with self.database.read() as session:
            rows = session.execute(
                select(
                    BrokerMessage.id,
                    BrokerMessage.message_id,
                    BrokerMessage.routing_key,
                    BrokerMessage.payload,
                    BrokerMessage.created_at,
                )
                .where(BrokerMessage.published_at.is_(None))
                .order_by(BrokerMessage.id)
                .limit(self.batch)
            ).all()
        confirmed: list[int] = []
        try:
            channel = self._open()
            for row in rows:
                channel.basic_publish(
                    exchange=self.exchange,
                    routing_key=row.routing_key,
                    body=row.payload.encode("utf-8"),
                    properties=pika.BasicProperties(
                        content_type="application/json",
                        delivery_mode=pika.DeliveryMode.Persistent,
                        message_id=row.message_id,
                        timestamp=int(row.created_at.timestamp()),
                        type=row.routing_key,
                    ),
                )
                confirmed.append(int(row.id))
        finally:
            if confirmed:
                self._mark(confirmed)
        return len(confirmed)

    def _mark(self, ids: list[int]) -> None:
        with self.database.write() as session:
            session.execute(
                update(BrokerMessage).where(BrokerMessage.id.in_(ids)).values(published_at=utcnow())
            )

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="broker-publisher", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        pause = self.poll_seconds
        while not self._stop.is_set():
            try:
                sent = self.publish_once()
                pause = self.poll_seconds
            except (pika.exceptions.AMQPError, OSError) as error:
                log.warning("message broker: %s; trying again in %.1fs", error, pause)
                self.close()
                sent = 0
                pause = min(pause * 2, self.max_pause_seconds)
            except Exception:
                log.exception("broker publisher round failed; trying again")
                sent = 0
            if not sent:
                self._stop.wait(pause)

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None:
            try:
                if connection.is_open:
                    connection.close()
            except (pika.exceptions.AMQPError, OSError):
                pass

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self.close()
