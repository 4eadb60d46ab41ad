"""Webhooks (issue 18, docs/PARTNER_API.md): endpoints subscribed to event types, an
outbox written in the transaction of the change, and the delivery worker.

- **Outbox.** :class:`OutboxWriter` is the push path's writer with one more sink: for
  every accepted event of a push (a till's or the partner API's), one
  ``webhook_deliveries`` row per endpoint subscribed to its type, written before the
  versions in the same transaction. A change that rolls back leaves no delivery; one
  that commits always has its deliveries.
- **Order.** Deliveries go out in id order per (endpoint, member): a member's next event
  waits until the one before it was delivered (or dead-lettered). Two pushes that touch
  one member are serialised by its row lock, so their delivery ids follow commit order.
- **Signing.** Standard Webhooks (the ``standardwebhooks`` library): headers
  ``webhook-id`` (the same on every retry), ``webhook-timestamp``, ``webhook-signature``
  (``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body`` with the endpoint's secret).
- **Retries.** A failure (no answer within the timeout, a refused connection, any status
  but 2xx) is tried again after ``base * 2^(attempts-1)`` seconds (at most ``max``), each
  wait scaled by a random factor in [0.5, 1] (jitter); after ``give_up`` (3 days by
  default) from its first try the delivery is dead-lettered. The console replays it.
- **Workers.** Several server processes may run the worker: a delivery is claimed with a
  lease (a conditional UPDATE), so one process sends it at a time; a lease a crashed
  process left expires and the delivery is sent again, with the same ``webhook-id``.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import delete, event, func, insert, select, update
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook

from shared.errors import NotFound, ValidationFailed
from sync_server.db import Database
from sync_server.models import BrokerMessage, WebhookDelivery, WebhookEndpoint, table_of
from sync_server.repositories.accounts import add_audit
from sync_server.services.accounts import Principal
from sync_server.services.common import dumps, new_id, utcnow
from sync_server.services.ledger_sinks import LEDGER_SINKS
from sync_server.services.partner_keys import require_admin
from sync_server.services.push_state import LedgerResult, MemberState
from sync_server.services.push_writer import PushWriter, Sink

log = logging.getLogger("sync_server")

# What a till's or the partner API's accepted event is called in a webhook.
EVENT_TYPES: Mapping[str, str] = {
    "member.enrolled": "member.enrolled",
    "member.updated": "member.updated",
    "points.earned": "points.earned",
    "points.redeemed": "points.redeemed",
    "points.adjusted": "points.adjusted",
    "coupon.redeemed": "coupon.redeemed",
    "event.voided": "points.voided",
    "sale.returned": "points.returned",
}
# tier.changed: made beside the event that moved a member across a tier boundary.
# coupon.issued: written by the operation that issues it (partner API), not by a push.
# points.expired: written by the maintenance run that expires them.
# points.expiring, member.churn_risk: written once per occasion by the maintenance run
# (services/notices.py); day_close.mismatch: by the day close that found it.
# member.merged, member.erased: written by head office's merge and erasure (s20g).
WEBHOOK_TYPES = tuple(
    sorted(
        {
            *EVENT_TYPES.values(),
            "tier.changed",
            "coupon.issued",
            "points.expired",
            "points.expiring",
            "member.churn_risk",
            "day_close.mismatch",
            "member.merged",
            "member.erased",
        }
    )
)
PERSONAL_FIELDS = ("name", "phone", "email", "birthday")


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 5.0
    max_seconds: float = 3600.0
    give_up: timedelta = timedelta(days=3)
    timeout_seconds: float = 10.0
    lease: timedelta = timedelta(seconds=60)

    def delay(self, attempts: int, rng: random.Random) -> float:
        """Seconds before the next try after ``attempts`` failed ones (with jitter)."""
        raw = min(self.max_seconds, self.base_seconds * 2 ** max(attempts - 1, 0))
        return float(raw * (0.5 + 0.5 * rng.random()))


@dataclass(frozen=True)
class _Endpoint:
    id: str
    types: frozenset[str]
    personal_data: bool


@dataclass(frozen=True)
class OutboxRecord:
    """One delivery row, made in the push's transaction (a ``LedgerResult.extra``)."""

    row: dict[str, Any]


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def sign(secret: str, message_id: str, at: datetime, body: str) -> dict[str, str]:
    """The Standard Webhooks headers of one delivery."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body.encode("utf-8")),
        "content-type": "application/json",
    }


# --- the outbox --------------------------------------------------------------------


class EndpointCache:
    """The subscriptions, read at most every ``ttl`` seconds per process (a push does
    not read them each time); a change made in this process is seen at once."""

    def __init__(self, ttl: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._at = float("-inf")
        self._endpoints: tuple[_Endpoint, ...] = ()
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        self._at = float("-inf")

    def get(self, session: Session) -> tuple[_Endpoint, ...]:
        if self._clock() - self._at < self.ttl:
            return self._endpoints
        rows = session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.event_types, WebhookEndpoint.personal_data)
        ).all()
        with self._lock:
            self._endpoints = tuple(
                _Endpoint(str(i), frozenset(str(t).split()), bool(p)) for i, t, p in rows
            )
            self._at = self._clock()
        return self._endpoints


def _event_data(
    type_: str, payload: Mapping[str, Any], member: MemberState | None, personal: bool
) -> dict[str, Any]:
    data = dict(payload)
    if type_ in ("member.enrolled", "member.updated") and not personal:
        for name in PERSONAL_FIELDS:
            data.pop(name, None)
    if member is not None:
        data["member_code"] = member.profile.member_code
    return data


def _row(
    endpoint_id: str, message_id: str, kind: str, member_id: str, body: Any, now: datetime
) -> OutboxRecord:
    return OutboxRecord(
        {
            "endpoint_id": endpoint_id,
            "message_id": message_id,
            "event_type": kind,
            "member_id": member_id,
            "payload": dumps(body),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "lease_until": None,
            "last_error": None,
            "created_at": now,
            "delivered_at": None,
        }
    )


def outbox_records(
    result: LedgerResult,
    endpoints: Sequence[_Endpoint],
    now: datetime,
    store_code: str,
) -> list[OutboxRecord]:
    """The delivery rows of a push's accepted events, per subscribed endpoint; a
    ``tier.changed`` right after the event that moved a member to another tier (as the
    ledger decided it, with the program in force for the store: ``Outcome.tier_moved``)."""
    if not endpoints:
        return []
    records: list[OutboxRecord] = []
    for applied in result.applied:
        item, outcome = applied.event, applied.outcome
        kind = EVENT_TYPES.get(item.type)
        if outcome.status != "accepted" or kind is None:
            continue
        member = result.members.get(outcome.member_id)
        wanted = [e for e in endpoints if kind in e.types]
        payload = json.loads(item.text).get("data", {}) if wanted else {}
        for endpoint in wanted:
            body = {
                "type": kind,
                "timestamp": item.occurred_at.isoformat(),
                "data": {
                    "event_id": item.event_id,
                    "member_id": outcome.member_id,
                    "store": store_code,
                    "points": outcome.points_delta,
                    "balance": outcome.balance,
                    "lifetime_points": outcome.lifetime_points,
                    "flag": outcome.code,
                    **_event_data(item.type, payload, member, endpoint.personal_data),
                },
            }
            records.append(
                _row(endpoint.id, f"msg_{item.event_id}", kind, outcome.member_id, body, now)
            )
        tiers = [e for e in endpoints if "tier.changed" in e.types]
        moved = outcome.tier_moved if tiers else None
        if moved is None:
            continue
        body = {
            "type": "tier.changed",
            "timestamp": item.occurred_at.isoformat(),
            "data": {
                "event_id": item.event_id,
                "member_id": outcome.member_id,
                "member_code": member.profile.member_code if member is not None else None,
                "store": store_code,
                "from": moved[0],
                "to": moved[1],
                "lifetime_points": outcome.lifetime_points,
            },
        }
        for endpoint in tiers:
            records.append(
                _row(
                    endpoint.id,
                    f"msg_{item.event_id}_tier",
                    "tier.changed",
                    outcome.member_id,
                    body,
                    now,
                )
            )
    return records


def scrub_member(session: Session, member_id: str) -> int:
    """An erased member's personal data out of every webhook delivery still kept (in
    the erasure's transaction); the deliveries themselves stay, and a pending one goes
    out without it. Returns how many were scrubbed."""
    rows = session.execute(
        select(WebhookDelivery.id, WebhookDelivery.payload).where(
            WebhookDelivery.member_id == member_id
        )
    ).all()
    scrubbed = 0
    for delivery_id, payload in rows:
        body = json.loads(payload)
        data = body.get("data", {})
        if not any(name in data for name in PERSONAL_FIELDS):
            continue
        for name in PERSONAL_FIELDS:
            data.pop(name, None)
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id)
            .values(payload=dumps(body))
        )
        scrubbed += 1
    return scrubbed


def write_outbox(session: Session, records: Sequence[Any]) -> None:
    session.execute(insert(table_of(WebhookDelivery)), [r.row for r in records])


@dataclass(frozen=True)
class BrokerRecord:
    """One ``broker_outbox`` row (services/broker.py), made in the push's transaction."""

    row: dict[str, Any]


def broker_records(result: LedgerResult, now: datetime, store_code: str) -> list[BrokerRecord]:
    """Every accepted event of a push, once, for the message broker (no personal data)."""
    everyone = (_Endpoint("broker", frozenset(WEBHOOK_TYPES), personal_data=False),)
    return [
        BrokerRecord(
            {
                "message_id": record.row["message_id"],
                "routing_key": record.row["event_type"],
                "payload": record.row["payload"],
                "created_at": now,
                "published_at": None,
            }
        )
        for record in outbox_records(result, everyone, now, store_code)
    ]


def write_broker_outbox(session: Session, records: Sequence[Any]) -> None:
    session.execute(insert(table_of(BrokerMessage)), [r.row for r in records])


class OutboxWriter(PushWriter):
    """The push writer, plus the webhook deliveries of the push's accepted events (and,
    with ``broker``, their rows for the message broker)."""

    def __init__(
        self,
        endpoints: EndpointCache,
        sinks: Mapping[type, Sink] | None = None,
        *,
        broker: bool = False,
    ) -> None:
        base = LEDGER_SINKS if sinks is None else sinks
        super().__init__({**base, OutboxRecord: write_outbox, BrokerRecord: write_broker_outbox})
        self.endpoints = endpoints
        self.broker = broker
        self.on_commit: Callable[[], None] | None = None  # the worker's wake-up

    def record_event(
        self,
        session: Session,
        kind: str,
        member_id: str,
        message_id: str,
        data: dict[str, Any],
        now: datetime,
        personal: dict[str, Any] | None = None,
    ) -> None:
        """An event of a change made outside the push path (in that change's own
        transaction, before its versions): its deliveries and broker message.
        ``personal`` (names, phones) goes only to endpoints allowed personal data,
        never to the broker."""
        body = {"type": kind, "timestamp": now.isoformat(), "data": data}
        rich = {**body, "data": {**data, **personal}} if personal else body
        rows = [
            _row(e.id, message_id, kind, member_id, rich if e.personal_data else body, now)
            for e in self.endpoints.get(session)
            if kind in e.types
        ]
        if rows:
            write_outbox(session, rows)
            self._wake_after_commit(session)
        if self.broker:
            write_broker_outbox(
                session,
                [
                    BrokerRecord(
                        {
                            "message_id": message_id,
                            "routing_key": kind,
                            "payload": dumps(body),
                            "created_at": now,
                            "published_at": None,
                        }
                    )
                ],
            )

    def write(self, session: Session, result: LedgerResult, now: datetime) -> int:
        store = result.terminal.store_code
        endpoints = self.endpoints.get(session)
        records: list[object] = list(outbox_records(result, endpoints, now, store))
        if self.broker:
            records.extend(broker_records(result, now, store))
        if records:
            result = replace(result, extra=(*result.extra, *records))
            self._wake_after_commit(session)
        return super().write(session, result, now)

    def _wake_after_commit(self, session: Session) -> None:
        """This process's delivery worker starts a round once the change is committed."""
        wake = self.on_commit
        if wake is not None:
            event.listen(session, "after_commit", lambda _session: wake(), once=True)


# --- endpoints and deliveries (console, CLI) ------------------------------------------


def _check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc or len(url) > 2000:
        raise ValidationFailed("A webhook URL is an http(s) address.", code="invalid_url")
    return url.strip()


def _check_types(types: Sequence[str]) -> list[str]:
    wanted = sorted({t.strip() for t in types if t.strip()})
    unknown = [t for t in wanted if t not in WEBHOOK_TYPES]
    if unknown or not wanted:
        raise ValidationFailed(
            f"Event types are some of {', '.join(WEBHOOK_TYPES)}; "
            f"not {', '.join(unknown) or 'none'}.",
            code="invalid_event_type",
        )
    return wanted


class WebhookService:
    def __init__(self, database: Database, endpoints: EndpointCache | None = None) -> None:
        self.database = database
        self.endpoints = endpoints

    def _changed(self) -> None:
        if self.endpoints is not None:
            self.endpoints.invalidate()

    def add(
        self, actor: Principal, url: str, types: Sequence[str], *, personal_data: bool = False
    ) -> dict[str, Any]:
        require_admin(actor)
        endpoint = WebhookEndpoint(
            id=new_id(),
            url=_check_url(url),
            secret=new_secret(),
            event_types=" ".join(_check_types(types)),
            personal_data=personal_data,
            paused=False,
            created_at=utcnow(),
        )
        with self.database.write() as session:
            session.add(endpoint)
            add_audit(
                session,
                endpoint.created_at,
                actor.name,
                "webhook.add",
                endpoint.id,
                "",
                dumps({"url": endpoint.url, "types": endpoint.event_types}),
            )
        self._changed()
        return {"endpoint_id": endpoint.id, "url": endpoint.url, "secret": endpoint.secret}

    def set_paused(self, actor: Principal, endpoint_id: str, paused: bool) -> None:
        require_admin(actor)
        with self.database.write() as session:
            endpoint = session.get(WebhookEndpoint, endpoint_id)
            if endpoint is None:
                raise NotFound(f"No webhook endpoint {endpoint_id}.", code="unknown_endpoint")
            endpoint.paused = paused
            add_audit(
                session,
                utcnow(),
                actor.name,
                "webhook.pause" if paused else "webhook.resume",
                endpoint_id,
                "",
                "{}",
            )

    def list_endpoints(self) -> list[dict[str, Any]]:
        with self.database.read() as session:
            counts = {
                (str(e), str(s)): int(n)
                for e, s, n in session.execute(
                    select(
                        WebhookDelivery.endpoint_id, WebhookDelivery.status, func.count()
                    ).group_by(WebhookDelivery.endpoint_id, WebhookDelivery.status)
                )
            }
            endpoints = session.scalars(
                select(WebhookEndpoint).order_by(WebhookEndpoint.created_at)
            ).all()
            return [
                {
                    "endpoint_id": e.id,
                    "url": e.url,
                    "event_types": e.event_types.split(),
                    "personal_data": e.personal_data,
                    "paused": e.paused,
                    "pending": counts.get((e.id, "pending"), 0),
                    "delivered": counts.get((e.id, "delivered"), 0),
                    "dead": counts.get((e.id, "dead"), 0),
                }
                for e in endpoints
            ]

    def deliveries(self, status: str = "", limit: int = 100) -> list[dict[str, Any]]:
        with self.database.read() as session:
            statement = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
            if status == "failing":
                statement = statement.where(
                    WebhookDelivery.status == "pending", WebhookDelivery.attempts > 0
                )
            elif status:
                statement = statement.where(WebhookDelivery.status == status)
            return [
                {
                    "delivery_id": d.id,
                    "endpoint_id": d.endpoint_id,
                    "message_id": d.message_id,
                    "event_type": d.event_type,
                    "member_id": d.member_id,
                    "status": d.status,
                    "attempts": d.attempts,
                    "next_attempt_at": d.next_attempt_at,
                    "last_error": d.last_error,
                    "created_at": d.created_at,
                    "delivered_at": d.delivered_at,
                }
                for d in session.scalars(statement)
            ]

    def purge(self, now: datetime, keep: timedelta = timedelta(days=30)) -> int:
        """Drop delivered webhook deliveries and published broker messages older than
        ``keep`` (dead-lettered ones stay until replayed)."""
        with self.database.write() as session:
            gone = session.execute(
                delete(WebhookDelivery).where(
                    WebhookDelivery.status == "delivered", WebhookDelivery.created_at < now - keep
                )
            )
            published = session.execute(
                delete(BrokerMessage).where(
                    BrokerMessage.published_at.is_not(None), BrokerMessage.created_at < now - keep
                )
            )
            return int(getattr(gone, "rowcount", 0) or 0) + int(
                getattr(published, "rowcount", 0) or 0
            )

    def replay(self, actor: Principal, delivery_id: int) -> None:
        """Send a delivery again (a dead-lettered one, or one already delivered), with
        the same ``webhook-id``; its retry window starts again now."""
        require_admin(actor)
        now = utcnow()
        with self.database.write() as session:
            delivery = session.get(WebhookDelivery, delivery_id)
            if delivery is None:
                raise NotFound(f"No delivery {delivery_id}.", code="unknown_delivery")
            delivery.status = "pending"
            delivery.attempts = 0
            delivery.next_attempt_at = now
            delivery.created_at = now
            delivery.lease_until = None
            add_audit(session, now, actor.name, "webhook.replay", str(delivery_id), "", "{}")


# --- the delivery worker ------------------------------------------------------------


_SKIPPED = "\x00skipped"  # a delivery behind a failed one: released, not tried


@dataclass(frozen=True)
class _Claimed:
    id: int
    url: str
    secret: str
    message_id: str
    payload: str
    attempts: int
    created_at: datetime


class Dispatcher:
    """Sends due deliveries: each (endpoint, member) queue whose head is due, several
    queues at once (``concurrency``), each queue's events one after the other."""

    def __init__(
        self,
        database: Database,
        policy: RetryPolicy | None = None,
        *,
        concurrency: int = 8,
        batch: int = 200,
        per_queue: int = 50,
        window: int = 10_000,
        poll_seconds: float = 0.2,
        rng: random.Random | None = None,
    ) -> None:
        self.database = database
        self.policy = policy or RetryPolicy()
        self.batch = batch
        self.per_queue = per_queue
        self.window = window  # pending deliveries looked at per endpoint and round
        self.poll_seconds = poll_seconds
        self.rng = rng or random.Random()
        self.client = httpx.Client(timeout=self.policy.timeout_seconds, follow_redirects=False)
        self.pool = ThreadPoolExecutor(concurrency, thread_name_prefix="webhooks")
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """Something was committed for it: start a round now, not after the poll."""
        self._wake.set()

    # --- one round ---

    def run_once(self) -> int:
        """Claim the due queues and send them; returns how many deliveries were tried."""
        queues = self._claim(utcnow())
        if not queues:
            return 0
        outcomes: list[tuple[_Claimed, str | None]] = []
        for done in self.pool.map(self._send_queue, queues):
            outcomes.extend(done)
        self._record(outcomes)
        return sum(1 for _, error in outcomes if error != _SKIPPED)

    def _claim(self, now: datetime) -> list[list[_Claimed]]:
        """The due queues, each one (endpoint, member)'s oldest pending deliveries in id
        order (at most ``per_queue``), leased to this round. A queue whose head is not
        due, is leased elsewhere, or whose endpoint is paused is left alone."""
        d = WebhookDelivery
        # Read first (no write lock while nothing is due), then claim in one write. Per
        # endpoint, only its oldest `window` pending deliveries are ranked: a prefix by id
        # holds each member's oldest, so the order stays right, and a round costs the
        # window, not the whole backlog (which grows when a receiver is slow or down).
        rows: list[Any] = []
        with self.database.read() as session:
            endpoints = session.execute(
                select(WebhookEndpoint.id, WebhookEndpoint.url, WebhookEndpoint.secret).where(
                    WebhookEndpoint.paused.is_(False)
                )
            ).all()
            for endpoint in endpoints:
                oldest = (
                    select(
                        d.id,
                        d.endpoint_id,
                        d.member_id,
                        d.message_id,
                        d.payload,
                        d.attempts,
                        d.created_at,
                        d.next_attempt_at,
                        d.lease_until,
                    )
                    .where(d.status == "pending", d.endpoint_id == endpoint.id)
                    .order_by(d.id)
                    .limit(self.window)
                    .subquery()
                )
                ranked = select(
                    oldest,
                    func.row_number()
                    .over(partition_by=oldest.c.member_id, order_by=oldest.c.id)
                    .label("rank"),
                ).subquery()
                found = session.execute(
                    select(ranked)
                    .where(ranked.c.rank <= self.per_queue)
                    .order_by(ranked.c.member_id, ranked.c.rank)
                ).all()
                rows.extend(
                    SimpleNamespace(**row._mapping, url=endpoint.url, secret=endpoint.secret)
                    for row in found
                )
        free = [r for r in rows if r.lease_until is None or r.lease_until < now]
        wanted: list[list[Any]] = []
        for row in free:
            if row.rank == 1:
                if row.next_attempt_at <= now and len(wanted) < self.batch:
                    wanted.append([row])
            elif (
                wanted
                and wanted[-1][-1].rank == row.rank - 1
                and (
                    wanted[-1][-1].endpoint_id,
                    wanted[-1][-1].member_id,
                )
                == (row.endpoint_id, row.member_id)
            ):
                wanted[-1].append(row)
        if not wanted:
            return []
        ids = [row.id for queue in wanted for row in queue]
        token = now + self.policy.lease + timedelta(microseconds=self.rng.randrange(1_000_000))
        with self.database.write() as session:
            session.execute(
                update(d)
                .where(
                    d.id.in_(ids),
                    d.status == "pending",
                    (d.lease_until.is_(None)) | (d.lease_until < now),
                )
                .values(lease_until=token)
            )
            won = set(session.scalars(select(d.id).where(d.id.in_(ids), d.lease_until == token)))
            queues: list[list[_Claimed]] = []
            lost: list[int] = []
            for queue in wanted:
                prefix: list[_Claimed] = []
                for row in queue:
                    if row.id in won and len(prefix) == row.rank - 1:
                        prefix.append(
                            _Claimed(
                                int(row.id),
                                str(row.url),
                                str(row.secret),
                                str(row.message_id),
                                str(row.payload),
                                int(row.attempts),
                                row.created_at,
                            )
                        )
                    elif row.id in won:
                        lost.append(int(row.id))
                if prefix:
                    queues.append(prefix)
            if lost:  # behind a gap another worker holds: not ours to send now
                session.execute(update(d).where(d.id.in_(lost)).values(lease_until=None))
            return queues

    def _send_queue(self, queue: list[_Claimed]) -> list[tuple[_Claimed, str | None]]:
        """One member's deliveries, in order, stopping at the first failure (the rest
        are released untried)."""
        done: list[tuple[_Claimed, str | None]] = []
        for index, delivery in enumerate(queue):
            error = self._send(delivery)
            done.append((delivery, error))
            if error is not None:
                done.extend((later, _SKIPPED) for later in queue[index + 1 :])
                break
        return done

    def _send(self, delivery: _Claimed) -> str | None:
        """Send one delivery; None when the receiver took it, else why not."""
        error: str | None = None
        try:
            response = self.client.post(
                delivery.url,
                content=delivery.payload.encode("utf-8"),
                headers=sign(delivery.secret, delivery.message_id, utcnow(), delivery.payload),
            )
            if not 200 <= response.status_code < 300:
                error = f"HTTP {response.status_code}"
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"[:500]
        except Exception as failure:  # never lose the worker to one delivery
            log.exception("webhook delivery %s failed", delivery.id)
            error = f"{type(failure).__name__}"[:500]
        return error

    def _record(self, outcomes: list[tuple[_Claimed, str | None]]) -> None:
        """A round's outcomes, in one transaction."""
        now = utcnow()
        delivered = [d.id for d, error in outcomes if error is None]
        with self.database.write() as session:
            if delivered:
                session.execute(
                    update(WebhookDelivery)
                    .where(WebhookDelivery.id.in_(delivered))
                    .values(
                        status="delivered",
                        delivered_at=now,
                        last_error=None,
                        lease_until=None,
                        attempts=WebhookDelivery.attempts + 1,
                    )
                )
            skipped = [d.id for d, error in outcomes if error == _SKIPPED]
            if skipped:
                session.execute(
                    update(WebhookDelivery)
                    .where(WebhookDelivery.id.in_(skipped))
                    .values(lease_until=None)
                )
            for delivery, error in outcomes:
                if error is None or error == _SKIPPED:
                    continue
                attempts = delivery.attempts + 1
                values: dict[str, Any] = {
                    "attempts": attempts,
                    "lease_until": None,
                    "last_error": error,
                }
                if now - delivery.created_at >= self.policy.give_up:
                    values["status"] = "dead"
                else:
                    wait = timedelta(seconds=self.policy.delay(attempts, self.rng))
                    values["next_attempt_at"] = now + wait
                session.execute(
                    update(WebhookDelivery)
                    .where(WebhookDelivery.id == delivery.id)
                    .values(**values)
                )

    # --- the loop ---

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._loop, name="webhook-dispatcher", daemon=True
            )
            self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self.run_once()
            except Exception:
                log.exception("webhook dispatcher round failed; trying again")
                sent = 0
            if not sent:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self.pool.shutdown(wait=True)
        self.client.close()
