"""API keys of partner systems (web shop, mini-program, CRM, ERP): made by an admin,
shown once, stored as the SHA-256 of the secret, scoped, optionally limited to stores,
revocable, with the last time each was used and a request rate per key
(docs/PARTNER_API.md)."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from shared.errors import AccessDenied, NotFound, ValidationFailed
from sync_server.db import Database
from sync_server.errors import TooManyAttempts, Unauthorized
from sync_server.models import PartnerKey, Store
from sync_server.repositories import partner as repo
from sync_server.repositories.accounts import add_audit
from sync_server.services.accounts import Principal
from sync_server.services.common import dumps, new_id, sha256_hex, utcnow

SCOPES = ("members:read", "members:write", "points:write", "coupons:write", "reports:read")
KEY_PREFIX = "pk_"
DEFAULT_RATE_PER_MINUTE = 600
# last_used_at is written at most this often per key and process (not a write per call).
_TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class Partner:
    """The key a request was made with."""

    key_id: str
    name: str
    scopes: frozenset[str]
    stores: frozenset[str]  # empty: every store
    rate_per_minute: int

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise AccessDenied(
                f"This API key lacks the scope {scope}.", code="scope_missing", scope=scope
            )

    def may_use_store(self, store_code: str | None) -> bool:
        return not self.stores or store_code in self.stores


@dataclass(frozen=True)
class NewKey:
    key_id: str
    name: str
    secret: str  # shown once


class RateLimiter:
    """A token bucket per key (per server process): ``rate`` requests a minute, bursts
    of up to that many; a refused request learns how many seconds to wait."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key_id: str, rate_per_minute: int) -> None:
        per_second = rate_per_minute / 60.0
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(key_id, (float(rate_per_minute), now))
            tokens = min(float(rate_per_minute), tokens + (now - at) * per_second)
            if tokens < 1.0:
                self._buckets[key_id] = (tokens, now)
                wait = max(1, int((1.0 - tokens) / per_second + 0.999))
                raise TooManyAttempts(
                    f"This API key may make {rate_per_minute} requests a minute.",
                    code="rate_limited",
                    retry_after=wait,
                )
            self._buckets[key_id] = (tokens - 1.0, now)


class SharedWindow:
    """Requests per key and minute by every server process together (several workers,
    or several machines on one PostgreSQL): each process adds what it counted to the
    key's row of ``partner_rate_windows`` at most every ``sync_seconds`` and learns the
    total; once the total reaches the rate, every process refuses until the minute ends
    (``Retry-After``: the seconds left of it). The request that adds a count learns the
    total at once and is refused if it went over, so adding every request
    (``sync_seconds`` 0) is exact; otherwise a process lets through up to
    ``sync_seconds`` of its own requests before it learns the others', so N processes
    may let through at most that many more in a minute: a bound, not a leak."""

    def __init__(
        self, database: Database, sync_seconds: float = 1.0, clock: Any = time.time
    ) -> None:
        self.database = database
        self.sync_seconds = sync_seconds
        self._clock = clock
        # key id -> [minute, counted here and not yet added, total known, added at]
        self._state: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def take(self, key_id: str, rate_per_minute: int) -> None:
        now = self._clock()
        minute = int(now // 60)
        with self._lock:
            state = self._state.get(key_id)
            if state is None or state[0] != minute:
                state = self._state[key_id] = [minute, 0, 0, float("-inf")]
            if state[1] + state[2] >= rate_per_minute:
                raise TooManyAttempts(
                    f"This API key may make {rate_per_minute} requests a minute.",
                    code="rate_limited",
                    retry_after=max(1, int(60 - now % 60 + 0.999)),
                )
            state[1] += 1
            if now - state[3] < self.sync_seconds:
                return
            pending, state[1], state[3] = int(state[1]), 0, now
        with self.database.write() as session:
            total = repo.add_requests(session, key_id, minute, pending)
        with self._lock:
            if self._state.get(key_id, [None])[0] == minute:
                self._state[key_id][2] = max(self._state[key_id][2], total)
        if total > rate_per_minute:  # the others used it up meanwhile: not this one
            raise TooManyAttempts(
                f"This API key may make {rate_per_minute} requests a minute.",
                code="rate_limited",
                retry_after=max(1, int(60 - now % 60 + 0.999)),
            )


def purge_rate_windows(database: Database, now: datetime) -> None:
    """Forget the shared request counts of minutes over an hour old (maintenance)."""
    with database.write() as session:
        repo.purge_rate_windows(session, int(now.timestamp() // 60) - 60)


def _parse_scopes(scopes: list[str]) -> list[str]:
    wanted = sorted({s.strip() for s in scopes if s.strip()})
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown or not wanted:
        raise ValidationFailed(
            f"Scopes are some of {', '.join(SCOPES)}; not {', '.join(unknown) or 'none'}.",
            code="invalid_scope",
        )
    return wanted


def require_admin(actor: Principal) -> None:
    if actor.role != "admin":
        raise AccessDenied("Only an admin manages API keys and webhooks.", code="forbidden")


class PartnerKeyService:
    def __init__(self, database: Database, *, shared: SharedWindow | None = None) -> None:
        self.database = database
        self.limiter = RateLimiter()
        self.shared = shared  # the rate across server processes (None: this one only)
        self._touched: dict[str, datetime] = {}

    def create(
        self,
        actor: Principal,
        name: str,
        scopes: list[str],
        stores: list[str] | None = None,
        rate_per_minute: int = DEFAULT_RATE_PER_MINUTE,
    ) -> NewKey:
        require_admin(actor)
        name = name.strip()
        if not 1 <= len(name) <= 100:
            raise ValidationFailed(
                "A key needs a name (at most 100 characters).", code="invalid_name"
            )
        if not 1 <= rate_per_minute <= 1_000_000:
            raise ValidationFailed("The rate is 1 to 1000000 a minute.", code="invalid_rate")
        wanted = _parse_scopes(scopes)
        store_codes = sorted({s.strip() for s in stores or [] if s.strip()})
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        key = PartnerKey(
            id=new_id(),
            name=name,
            secret_hash=sha256_hex(secret),
            scopes=" ".join(wanted),
            stores=" ".join(store_codes),
            rate_per_minute=rate_per_minute,
            created_at=utcnow(),
            created_by=actor.name,
        )
        with self.database.write() as session:
            known = set(session.scalars(select(Store.code).where(Store.code.in_(store_codes))))
            missing = [s for s in store_codes if s not in known]
            if missing:
                raise NotFound(f"No store {', '.join(missing)}.", code="unknown_store")
            session.add(key)
            add_audit(
                session,
                key.created_at,
                actor.name,
                "partner_key.create",
                key.id,
                "",
                dumps({"name": name, "scopes": wanted, "stores": store_codes}),
            )
        return NewKey(key.id, name, secret)

    def revoke(self, actor: Principal, key_id: str) -> None:
        require_admin(actor)
        with self.database.write() as session:
            key = session.get(PartnerKey, key_id)
            if key is None:
                raise NotFound(f"No API key {key_id}.", code="unknown_key")
            if key.revoked_at is None:
                key.revoked_at = utcnow()
                add_audit(
                    session, key.revoked_at, actor.name, "partner_key.revoke", key_id, "", "{}"
                )

    def list(self) -> list[dict[str, Any]]:
        with self.database.read() as session:
            keys = session.scalars(select(PartnerKey).order_by(PartnerKey.created_at)).all()
            return [
                {
                    "key_id": k.id,
                    "name": k.name,
                    "scopes": k.scopes.split(),
                    "stores": k.stores.split(),
                    "rate_per_minute": k.rate_per_minute,
                    "created_at": k.created_at,
                    "created_by": k.created_by,
                    "revoked_at": k.revoked_at,
                    "last_used_at": k.last_used_at,
                }
                for k in keys
            ]

    def authenticate(self, authorization: str | None) -> Partner:
        """The key of an ``Authorization: Bearer pk_...`` header, after its rate limit."""
        secret = ""
        if authorization and authorization[:7].lower() == "bearer ":
            secret = authorization[7:].strip()
        if not secret.startswith(KEY_PREFIX):
            raise Unauthorized("An API key is required: Authorization: Bearer pk_...")
        now = utcnow()
        with self.database.read() as session:
            key = session.scalars(
                select(PartnerKey).where(PartnerKey.secret_hash == sha256_hex(secret))
            ).first()
            if key is None or key.revoked_at is not None:
                raise Unauthorized("This API key is unknown or revoked.")
            partner = Partner(
                key.id,
                key.name,
                frozenset(key.scopes.split()),
                frozenset(key.stores.split()),
                key.rate_per_minute,
            )
        self.limiter.take(partner.key_id, partner.rate_per_minute)
        if self.shared is not None:
            self.shared.take(partner.key_id, partner.rate_per_minute)
        last = self._touched.get(partner.key_id)
        if last is None or now - last >= _TOUCH_EVERY:
            self._touched[partner.key_id] = now
            with self.database.write() as session:
                found = session.get(PartnerKey, partner.key_id)
                if found is not None:
                    found.last_used_at = now
        return partner
