"""The replica schema (SQLAlchemy 2.0 typed models). Alembic migrations own the DDL.

Members hold replica fields only: no full phone number, email or birthday at rest. A
member's full enrolment profile lives only in its outbox payload until acknowledged.
Times are stored as RFC 3339 UTC text, dates as ISO text (sortable, timezone-explicit).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

UUID_LEN = 36
EVENT_STATUSES = ("pending", "acknowledged", "rejected")
# Every column a report reads, so a report over a range of days never touches the table.
REPORT_COLUMNS = (
    "business_date",
    "type",
    "status",
    "voided_by",
    "member_id",
    "points_delta",
    "amount_cents",
    "occurred_at",
)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Member(Base):
    __tablename__ = "members"

    member_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    member_code: Mapped[str] = mapped_column(String(16), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    phone_last4: Mapped[str] = mapped_column(String(4))
    # shared.domain.phone.phone_slow_hash (argon2id), "" until the server sends it.
    # No masked prefix: a till holds the last 4 digits only (migration t11c).
    phone_hash: Mapped[str] = mapped_column(String(64))
    tier: Mapped[str] = mapped_column(String(32))
    balance: Mapped[int] = mapped_column(Integer, default=0)
    lifetime_points: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="active")
    version: Mapped[int] = mapped_column(Integer, default=0)
    # t20e: monthly earned totals that still count toward a tier, as the server sent
    # them (shared.domain.tier_rules.format_totals); NULL or "" for a lifetime program
    tier_points: Mapped[str | None] = mapped_column(String(1000), default=None)

    __table_args__ = (
        Index("ix_members_phone_hash", "phone_hash"),
        Index("ix_members_last4_name", "phone_last4", "name_key", "member_code"),
        Index("ix_members_name_key", "name_key", "member_code"),
    )


class RetiredCode(Base):
    """The code of a member's replaced (lost) card (migration t19b): a scan of it says
    the card was replaced instead of "no such member"."""

    __tablename__ = "retired_codes"

    member_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    # The local ``member.card_replaced`` that retired it (None: pulled): if head office
    # rejects that event, the old code comes back (``terminal.offline.push``).
    event_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    # Head office merged the code's member into ``member_id`` (migration t20g): a scan
    # of it shows that member, noting the merge.
    merged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class HistoryRow(Base):
    """A member's transaction at any till, as head office last listed it (migration
    t19b). Bounded: a member's latest few, for the members last looked up."""

    __tablename__ = "member_history"

    event_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    type: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[str] = mapped_column(String(40))
    points_delta: Mapped[int] = mapped_column(Integer, default=0)
    amount_cents: Mapped[int | None] = mapped_column(Integer)
    sale_ref: Mapped[str | None] = mapped_column(String(200))
    store_code: Mapped[str | None] = mapped_column(String(32))
    voided: Mapped[bool] = mapped_column(Boolean, default=False)


class SummaryRow(Base):
    """When head office last listed a member's history, and what of the balance expires
    when (JSON list of [expires_at, points]), as of then (migration t19b)."""

    __tablename__ = "member_summaries"

    member_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    as_of: Mapped[str] = mapped_column(String(40), index=True)
    expiring_json: Mapped[str] = mapped_column(Text, default="[]")


class Coupon(Base):
    __tablename__ = "coupons"

    coupon_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    member_id: Mapped[str] = mapped_column(
        String(UUID_LEN), ForeignKey("members.member_id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    value_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    expires_at: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=0)
    terms: Mapped[str | None] = mapped_column(Text)  # t20d: CouponTerms JSON
    code: Mapped[str | None] = mapped_column(String(24), index=True)  # t20d
    # t20d: the receipt this till used the coupon on (one coupon per sale unless stackable)
    used_sale_ref: Mapped[str | None] = mapped_column(String(200))


class Staff(Base):
    __tablename__ = "staff"

    staff_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    staff_code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    pin_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[str | None] = mapped_column(String(40))
    # Wrong PINs given to approve someone else's operation: counted apart from sign-in,
    # so a cashier guessing can pause approvals but never lock the manager out.
    approval_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    approval_paused_until: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (CheckConstraint("role IN ('cashier', 'manager')", name="role"),)


class StaffAlert(Base):
    """Something head office should know about a staff account (wrong approval PINs),
    kept until the sync loop has delivered it (``POST /v1/alerts``)."""

    __tablename__ = "staff_alerts"

    alert_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    staff_id: Mapped[str] = mapped_column(String(UUID_LEN))
    staff_code: Mapped[str] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer)
    pause_seconds: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[str] = mapped_column(String(40))
    sent_at: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (Index("ix_staff_alerts_unsent", "sent_at"),)


class ProgramVersion(Base):
    """A published loyalty program; the current one is the highest ``rule_version``
    whose ``effective_from`` has passed."""

    __tablename__ = "program_versions"

    rule_version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    program_json: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=0)
    # When this till applies it (RFC 3339 UTC text; NULL: at once): a scheduled version
    # is received ahead and applied from then by the till's clock, online or not.
    effective_from: Mapped[str | None] = mapped_column(Text, nullable=True)


class StoreSettingsRow(Base):
    """Single row (id = 1): what the services need to know about the store."""

    __tablename__ = "store_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    store_code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100), default="")
    currency: Mapped[str] = mapped_column(String(3))
    timezone: Mapped[str] = mapped_column(String(64))
    phone_region: Mapped[str] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(16))
    closing_time: Mapped[str] = mapped_column(String(5))

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class TerminalState(Base):
    """Single row (id = 1): identity, counters and sync state of this terminal."""

    __tablename__ = "terminal_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    terminal_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    store_code: Mapped[str | None] = mapped_column(String(32))
    member_code_prefix: Mapped[str | None] = mapped_column(String(6))
    next_member_counter: Mapped[int] = mapped_column(Integer, default=1)
    next_seq: Mapped[int] = mapped_column(Integer, default=1)
    pull_cursor: Mapped[str | None] = mapped_column(Text)
    last_sync_at: Mapped[str | None] = mapped_column(String(40))
    last_sync_error: Mapped[str | None] = mapped_column(Text)
    server_url: Mapped[str | None] = mapped_column(String(500))
    language: Mapped[str | None] = mapped_column(String(16))  # chosen here; None: the store's
    watermark: Mapped[int] = mapped_column(Integer, default=0)
    online: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class LocalEvent(Base):
    """Every change this terminal made, with its effect on the displayed balance."""

    __tablename__ = "local_events"

    event_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    type: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[str] = mapped_column(String(UUID_LEN))
    occurred_at: Mapped[str] = mapped_column(String(40))
    business_date: Mapped[str] = mapped_column(String(10))
    staff_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    points_delta: Mapped[int] = mapped_column(Integer, default=0)
    lifetime_delta: Mapped[int] = mapped_column(Integer, default=0)
    amount_cents: Mapped[int | None] = mapped_column(Integer)
    sale_ref: Mapped[str | None] = mapped_column(String(200))
    coupon_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    voided_event_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    voided_by: Mapped[str | None] = mapped_column(String(UUID_LEN))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # A sale.returned event's sale (its points.earned or points.redeemed event; t19a)
    returned_event_id: Mapped[str | None] = mapped_column(String(UUID_LEN))

    __table_args__ = (
        UniqueConstraint("member_id", "type", "sale_ref", name="uq_local_events_sale"),
        Index("ix_local_events_member_status", "member_id", "status"),
        Index("ix_local_events_business_date", "business_date", "member_id"),
        Index("ix_local_events_report", *REPORT_COLUMNS),
        Index("ix_local_events_coupon", "coupon_id"),
        Index("ix_local_events_returned", "returned_event_id"),
        CheckConstraint("status IN ('pending', 'acknowledged', 'rejected')", name="status"),
    )


class EarnPromotion(Base):
    """A promotion one of this till's earns received (docs/PROGRAM.md): what the till
    counts against a trigger limit while offline; the server counts every till's."""

    __tablename__ = "earn_promotions"

    event_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(UUID_LEN))
    business_date: Mapped[str] = mapped_column(String(10))

    __table_args__ = (Index("ix_earn_promotions_member", "member_id", "code"),)


class OutboxRow(Base):
    """The wire payload (protocol ``Event``) of each local event, until the server has it."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    event_id: Mapped[str] = mapped_column(
        String(UUID_LEN), ForeignKey("local_events.event_id"), unique=True
    )
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    rejection_code: Mapped[str | None] = mapped_column(String(64))
    rejection_detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(40))
    settled_at: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (
        Index("ix_outbox_status_seq", "status", "seq"),
        CheckConstraint("status IN ('pending', 'acknowledged', 'rejected')", name="status"),
    )


class DayCloseRecord(Base):
    """One closed business day (the latest close sent for it and the server's answer)."""

    __tablename__ = "day_closes"

    business_date: Mapped[str] = mapped_column(String(10), primary_key=True)
    first_seq: Mapped[int] = mapped_column(Integer)
    last_seq: Mapped[int] = mapped_column(Integer)
    request_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    missing_seqs: Mapped[str] = mapped_column(Text, default="[]")
    details_json: Mapped[str | None] = mapped_column(Text)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[str] = mapped_column(String(40))


class DeferredIndex(Base):
    """A secondary index dropped for a bulk load (a bootstrap) and its DDL, so that it is
    built again whatever stops the load (``terminal.offline.pull``)."""

    __tablename__ = "deferred_indexes"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    ddl: Mapped[str] = mapped_column(Text)
