"""Typed SQLAlchemy 2.0 models of the server database (Alembic owns the schema).

Ids are UUID strings. JSON payloads are stored as text the server wrote itself, so a
pull can splice them into a response without parsing them again.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as naive UTC (the same on SQLite and PostgreSQL)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class Deployment(Base):
    """One row: secrets and numbers that are the same for every worker."""

    __tablename__ = "deployment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone_hash_key: Mapped[str] = mapped_column(String(64))
    head_office_prefix: Mapped[str] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SyncCounter(Base):
    """The change-log version counter, updated LAST in every writing transaction."""

    __tablename__ = "sync_counter"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
    # Highest version of a tombstone purged from the change log; older cursors expire.
    purged_through: Mapped[int] = mapped_column(BigInteger, default=0)


class Store(Base):
    __tablename__ = "stores"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    timezone: Mapped[str] = mapped_column(String(64))
    phone_region: Mapped[str] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(16))
    closing_time: Mapped[str] = mapped_column(String(5), default="23:00")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A deactivated store takes no new terminals or staff (migration s17a).
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The region head office groups the store in on the dashboard ("" = none; s20h).
    region: Mapped[str] = mapped_column(String(64), default="", server_default="")


class Terminal(Base):
    __tablename__ = "terminals"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_code: Mapped[str] = mapped_column(ForeignKey("stores.code"))
    name: Mapped[str] = mapped_column(String(200))
    member_code_prefix: Mapped[str] = mapped_column(String(6), unique=True)
    pairing_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    pairing_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    device_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    paired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reported_version: Mapped[str | None] = mapped_column(String(64))
    queue_depth: Mapped[int | None] = mapped_column(Integer)
    watermark: Mapped[int] = mapped_column(BigInteger, default=0)
    max_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class Member(Base):
    __tablename__ = "members"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    phone_e164: Mapped[str | None] = mapped_column(String(20))
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    phone_last4: Mapped[str] = mapped_column(String(4))
    phone_masked: Mapped[str] = mapped_column(String(32))
    # shared.domain.phone.phone_slow_hash; "" until computed (see services/phone_backfill.py)
    phone_slow_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    email: Mapped[str | None] = mapped_column(String(254))
    birthday: Mapped[date | None] = mapped_column(Date)
    consent_marketing: Mapped[bool] = mapped_column(Boolean, default=False)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    lifetime_points: Mapped[int] = mapped_column(BigInteger, default=0)
    tier: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="active")
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    store_code: Mapped[str | None] = mapped_column(String(32))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # s19b: when the member last gave or withdrew marketing consent (its event's time)
    consent_marketing_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # s19b: the member's earlier card codes, newest first, space-separated (lost cards)
    # (NULL, as from a bulk insert that does not name it, is none)
    previous_codes: Mapped[str | None] = mapped_column(String(200), default="")
    # s20g: a merged member (status "merged") names the member that absorbed it; the
    # survivor keeps the codes of the members merged into it (space-separated)
    merged_into: Mapped[str | None] = mapped_column(String(36), index=True)
    merged_codes: Mapped[str | None] = mapped_column(Text, default="")
    # s20e: earned points per month that can still count toward a tier
    # (shared.domain.tier_rules.format_totals; NULL or "" is none) and the last day the
    # tier is kept (NULL: not lost by time); `sync-server tiers review` acts on it.
    tier_points: Mapped[str | None] = mapped_column(String(1000), default="")
    tier_until: Mapped[date | None] = mapped_column(Date, default=None)

    # The console's keyset-paged lists (migration s17a); none on balance (see there).
    __table_args__ = (
        Index("ix_members_name_code", "name", "member_code"),
        Index("ix_members_enrolled_code", "enrolled_at", "member_code"),
        Index("ix_members_store_code", "store_code", "member_code"),
        Index("ix_members_tier_code", "tier", "member_code"),
        Index("ix_members_phone_last4", "phone_last4"),
        Index("ix_members_tier_until", "tier_until"),
        # PostgreSQL: the name search by prefix, case aside (SQLite uses ix_members_name_code)
        Index("ix_members_name_lower_prefix", text("lower(name) text_pattern_ops")).ddl_if(
            dialect="postgresql"
        ),
    )


class LedgerEvent(Base):
    """Append-only: every event received (accepted or rejected) and its first outcome."""

    __tablename__ = "events"
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    terminal_id: Mapped[str | None] = mapped_column(String(36))
    seq: Mapped[int | None] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[str] = mapped_column(String(36))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    content_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    code: Mapped[str | None] = mapped_column(String(64))
    member_balance: Mapped[int | None] = mapped_column(BigInteger)
    # The member's version after this event: ``member_version`` when known at insert,
    # else push_batches.base_version + ``version_slot`` (a push writes its events BEFORE
    # it takes the version counter, so that the serialised tail of a push stays short).
    member_version: Mapped[int | None] = mapped_column(BigInteger)
    batch_id: Mapped[str | None] = mapped_column(String(36))
    version_slot: Mapped[int | None] = mapped_column(BigInteger)
    overdraft: Mapped[bool] = mapped_column(Boolean, default=False)
    points_delta: Mapped[int] = mapped_column(BigInteger, default=0)
    lifetime_delta: Mapped[int] = mapped_column(BigInteger, default=0)
    voided_by: Mapped[str | None] = mapped_column(String(36))
    # The receipt number of a sale's events (migration s19a): returns find a sale by it.
    sale_ref: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        Index("ix_events_sale_ref", "sale_ref"),
        Index("ix_events_terminal_seq", "terminal_id", "seq"),
        Index("ix_events_member_type", "member_id", "type"),
        Index("ix_events_terminal_occurred", "terminal_id", "occurred_at"),
        Index("ix_events_member_occurred", "member_id", "occurred_at", "event_id"),
    )


class SaleReturn(Base):
    """One accepted ``sale.returned`` event (migration s19a): what it returned of the
    sale named by ``sale_event_id``, so that the returns of one sale from every terminal
    never add up to more than the sale."""

    __tablename__ = "sale_returns"
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sale_event_id: Mapped[str] = mapped_column(String(36), index=True)
    redeemed_event_id: Mapped[str | None] = mapped_column(String(36), index=True)
    member_id: Mapped[str] = mapped_column(String(36))
    terminal_id: Mapped[str] = mapped_column(String(36))
    accepted_cents: Mapped[int] = mapped_column(BigInteger)
    excess_cents: Mapped[int] = mapped_column(BigInteger)
    points_taken: Mapped[int] = mapped_column(BigInteger)
    points_given: Mapped[int] = mapped_column(BigInteger)
    coupon_restored: Mapped[bool] = mapped_column(Boolean)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PushBatch(Base):
    """One push transaction; ``base_version`` is set last, under the counter lock."""

    __tablename__ = "push_batches"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    base_version: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Coupon(Base):
    __tablename__ = "coupons"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(36), index=True)
    title: Mapped[str] = mapped_column(String(200))
    value_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="available")
    redeemed_event_id: Mapped[str | None] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)  # s19d
    terms: Mapped[str | None] = mapped_column(Text)  # s20d: CouponTerms JSON
    code: Mapped[str | None] = mapped_column(String(24))  # s20d: a paper coupon's code

    __table_args__ = (Index("ux_coupons_code", "code", unique=True),)


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    staff_code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    pin_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    store_code: Mapped[str | None] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class Program(Base):
    __tablename__ = "programs"
    rule_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProgramRollout(Base):
    """Where and from when a published rule version applies: every store (``store_code``
    NULL) or one store (a staged roll-out), from ``effective_from`` (NULL: at once, as a
    till receives it). The version in force for a store at a time is the highest rule
    version with a roll-out to that store or to all whose ``effective_from`` has passed."""

    __tablename__ = "program_rollouts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule_version: Mapped[int] = mapped_column(Integer, index=True)
    store_code: Mapped[str | None] = mapped_column(String(32))
    effective_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(100), default="")


class Change(Base):
    """Compacted change log: the latest change of each entity, ordered by ``version``."""

    __tablename__ = "changes"
    entity: Mapped[str] = mapped_column(String(16), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, unique=True)
    op: Mapped[str] = mapped_column(String(8))
    data: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Which terminals receive it: NULL every terminal, else only those of this store
    # (staff: a till holds its own store's PIN hashes only).
    store_code: Mapped[str | None] = mapped_column(String(32))


class DayClose(Base):
    __tablename__ = "day_closes"
    terminal_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    missing_seqs: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ServerKey(Base):
    """A random secret of this deployment, made by its migration (hex): ``pairing_salt``
    (the slow hash of pairing codes), ``form_key`` (the sign-in form's CSRF tokens)."""

    __tablename__ = "server_keys"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


class Throttle(Base):
    """Failed attempts of one key (``pair:ADDRESS``, ``login-ip:ADDRESS``, ...) and until
    when that key must wait (sync_server/services/throttle.py)."""

    __tablename__ = "throttles"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AdminAccount(Base):
    """A head-office console account (argon2 password hash). ``failed_attempts`` and
    ``locked_until`` are no longer used: sign-ins are throttled per address (throttles)."""

    __tablename__ = "admin_accounts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The console's pages in this language: "en" or "zh_CN" (migration s17a).
    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")


class AdminSession(Base):
    """A signed-in console session; the cookie holds the token, the row its hash."""

    __tablename__ = "admin_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("admin_accounts.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """Append-only (database triggers refuse UPDATE and DELETE): who, when, what, why."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text)


class PromotionTrigger(Base):
    """A promotion an accepted earn received (docs/PROGRAM.md, "Trigger limits"): what
    a member's trigger limits count. A void of the earn deletes its rows."""

    __tablename__ = "promotion_triggers"
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    promotion_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(36))
    business_date: Mapped[date] = mapped_column(Date)

    __table_args__ = (Index("ix_promotion_triggers_member", "member_id", "promotion_code"),)


# --- partner API and webhooks (issue 18, migration s19e; docs/PARTNER_API.md) ----------


class PartnerKey(Base):
    """An API key of a partner system: the SHA-256 of its secret, never the secret."""

    __tablename__ = "partner_keys"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated
    stores: Mapped[str] = mapped_column(String(500), default="")  # space-separated, "" all
    rate_per_minute: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PartnerRequest(Base):
    """One ``Idempotency-Key`` of one key: the body's hash and, once done, the answer."""

    __tablename__ = "partner_requests"
    key_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(8))  # pending | done
    status_code: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class PartnerChannel(Base):
    """The till-less terminal through which a store's online writes enter the ledger,
    and the counter of the member codes it mints."""

    __tablename__ = "partner_channels"
    store_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(36), unique=True)
    next_counter: Mapped[int] = mapped_column(BigInteger, default=1)


class MemberExternalId(Base):
    """A member's id in a partner system (``source``: the partner key's name)."""

    __tablename__ = "member_external_ids"
    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(36), index=True)


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(100))  # whsec_...: needed to sign
    event_types: Mapped[str] = mapped_column(Text)  # space-separated
    personal_data: Mapped[bool] = mapped_column(Boolean, default=False)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WebhookDelivery(Base):
    """One event for one endpoint, written in the transaction of the change (the
    outbox); delivered in id order per (endpoint, member)."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    endpoint_id: Mapped[str] = mapped_column(String(36))
    message_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[str] = mapped_column(String(36))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "endpoint_id", "member_id", "id"),
        # an endpoint's oldest pending deliveries, in id order (migration s20i)
        Index("ix_webhook_deliveries_endpoint_oldest", "status", "endpoint_id", "id"),
    )


class BrokerMessage(Base):
    """One event for the message broker (RabbitMQ), written with the change; published
    in id order, marked once the broker confirmed it."""

    __tablename__ = "broker_outbox"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64))
    routing_key: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_broker_outbox_published_id", "published_at", "id"),)


class OutboxLease(Base):
    """Which server process publishes to the broker, until when (one at a time, so that
    messages leave in id order and each once)."""

    __tablename__ = "outbox_leases"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    until: Mapped[datetime] = mapped_column(UTCDateTime())


def table_of(model: type[Base]) -> Table:
    """The Core table of a model (typed), for bulk statements."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


# --- the dashboard's roll-ups (migration s19d; docs/DASHBOARD.md) ------------------------


class DashDaily(Base):
    """What one store moved in one business day, per tier: kept by the push path (and
    the expiry job) in the same transaction as the ledger; the dashboard reads only these.
    Flows (points, sales) are the till's store's; stocks (members by tier, balance, daily
    active members) are the member's home store's."""

    __tablename__ = "dash_daily"
    store_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    tier: Mapped[str] = mapped_column(String(32), primary_key=True)
    new_members: Mapped[int] = mapped_column(BigInteger, default=0)
    tier_members: Mapped[int] = mapped_column(BigInteger, default=0)
    active_members: Mapped[int] = mapped_column(BigInteger, default=0)
    points_issued: Mapped[int] = mapped_column(BigInteger, default=0)
    points_redeemed: Mapped[int] = mapped_column(BigInteger, default=0)
    points_adjusted: Mapped[int] = mapped_column(BigInteger, default=0)
    points_expired: Mapped[int] = mapped_column(BigInteger, default=0)
    points_returned: Mapped[int] = mapped_column(BigInteger, default=0)
    balance_delta: Mapped[int] = mapped_column(BigInteger, default=0)
    sales_count: Mapped[int] = mapped_column(BigInteger, default=0)
    sales_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    redemptions: Mapped[int] = mapped_column(BigInteger, default=0)
    coupons_used: Mapped[int] = mapped_column(BigInteger, default=0)
    # s20h: returns (count, amount; the amount is also taken off sales_cents), members
    # newly at risk of churning that day and those of them who came back in time.
    returns: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    returned_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    at_risk: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    won_back: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    # No index on the day alone (s20h dropped it): every view names its stores, or the
    # chain's rows, so the primary key (store, day, tier) finds the rows.


class DashMonthly(Base):
    """``dash_daily`` summed per calendar month (``month``: its first day), written with
    it: long ranges and everything-before sums (members, the balance) read these."""

    __tablename__ = "dash_monthly"
    store_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    tier: Mapped[str] = mapped_column(String(32), primary_key=True)
    new_members: Mapped[int] = mapped_column(BigInteger, default=0)
    tier_members: Mapped[int] = mapped_column(BigInteger, default=0)
    active_members: Mapped[int] = mapped_column(BigInteger, default=0)
    points_issued: Mapped[int] = mapped_column(BigInteger, default=0)
    points_redeemed: Mapped[int] = mapped_column(BigInteger, default=0)
    points_adjusted: Mapped[int] = mapped_column(BigInteger, default=0)
    points_expired: Mapped[int] = mapped_column(BigInteger, default=0)
    points_returned: Mapped[int] = mapped_column(BigInteger, default=0)
    balance_delta: Mapped[int] = mapped_column(BigInteger, default=0)
    sales_count: Mapped[int] = mapped_column(BigInteger, default=0)
    sales_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    redemptions: Mapped[int] = mapped_column(BigInteger, default=0)
    coupons_used: Mapped[int] = mapped_column(BigInteger, default=0)
    # s20h: returns (count, amount; the amount is also taken off sales_cents), members
    # newly at risk of churning that day and those of them who came back in time.
    returns: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    returned_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    at_risk: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    won_back: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class DashActive(Base):
    """Changes to the number of members active within ``window_days`` days (30 or 90), per
    home store and day: the count on day D is the sum of every delta up to D."""

    __tablename__ = "dash_active"
    store_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    window_days: Mapped[int] = mapped_column(Integer, primary_key=True)
    delta: Mapped[int] = mapped_column(BigInteger, default=0)


class DashActiveMonthly(Base):
    """``dash_active`` summed per calendar month (the sums before a range start)."""

    __tablename__ = "dash_active_monthly"
    store_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    window_days: Mapped[int] = mapped_column(Integer, primary_key=True)
    delta: Mapped[int] = mapped_column(BigInteger, default=0)


class DashMemberDay(Base):
    """A business day on which a member was active (enrolled, earned, redeemed)."""

    __tablename__ = "dash_member_days"
    member_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class NoticeSent(Base):
    """A notice sent once per occasion (migration s20i): ``points.expiring`` per member
    and expiry date, ``member.churn_risk`` per member and last visit,
    ``day_close.mismatch`` per terminal and business date."""

    __tablename__ = "notices_sent"
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    occasion: Mapped[str] = mapped_column(String(40), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PartnerRateWindow(Base):
    """Requests made with one API key in one minute (``minute``: Unix seconds // 60), by
    every server process together (migration s20i)."""

    __tablename__ = "partner_rate_windows"
    key_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    minute: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    used: Mapped[int] = mapped_column(BigInteger, default=0)


class DashCoupon(Base):
    """Coupons issued per title, the UTC day of issue and the member's home store, and
    how many of them are used now (s20h): written where coupons are issued
    (``catalog.insert_coupons``) and by the push path when one is used or given back."""

    __tablename__ = "dash_coupons"
    store_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), primary_key=True)
    issued: Mapped[int] = mapped_column(BigInteger, default=0)
    used: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (Index("ix_dash_coupons_day", "day"),)


class DashBuyerDay(Base):
    """A business day on which a member bought (an accepted sale; s20h): what the push
    path reads to keep the 90-day buyers and repeat buyers in ``dash_active``."""

    __tablename__ = "dash_buyer_days"
    member_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
