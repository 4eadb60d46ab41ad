"""Pairing, token authentication and terminal administration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.domain.member_code import transposition_safe
from shared.errors import NotFound, ValidationFailed
from shared.protocol import PairResponse, StoreSettings
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.errors import Conflict, InvalidPairingCode, TooManyAttempts, Unauthorized
from sync_server.models import Store, Terminal
from sync_server.repositories import catalog
from sync_server.repositories import terminals as terminals_repo
from sync_server.services import pairing_hash, throttle
from sync_server.services.bootstrap import HEAD_OFFICE_PREFIX
from sync_server.services.common import new_id, new_token, sha256_hex, utcnow
from sync_server.services.pairing_hash import code_hash, new_code
from sync_server.services.terminal_auth import (
    SWEPT_MAX_AGE_SECONDS,
    CachedTerminal,
    RevocationSweep,
    SeenRecorder,
    TokenCache,
    forget_terminal_everywhere,
)

_SEEN_WRITE_INTERVAL = timedelta(seconds=10)


def store_settings(store: Store) -> StoreSettings:
    return StoreSettings(
        store_code=store.code,
        name=store.name,
        currency=store.currency,
        timezone=store.timezone,
        phone_region=store.phone_region,
        language=store.language,
        closing_time=store.closing_time,
    )


@dataclass(frozen=True)
class NewTerminal:
    terminal_id: str
    store_code: str
    name: str
    pairing_code: str
    pairing_expires_at: datetime
    member_code_prefix: str


@dataclass(frozen=True)
class AuthenticatedTerminal:
    terminal_id: str
    store_code: str


class TerminalService:
    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self.tokens = TokenCache(ttl=settings.auth_cache_seconds, size=settings.auth_cache_size)
        self.seen = SeenRecorder(
            database, interval=_SEEN_WRITE_INTERVAL, flush_every=settings.seen_flush_seconds
        )
        self.revocations = RevocationSweep(database, every=settings.auth_cache_seconds / 2)

    def start(self) -> None:
        """The background work of a serving process: last-seen flushes, revocation sweeps."""
        self.seen.start()
        self.revocations.start()

    def stop(self) -> None:
        self.revocations.stop()
        self.seen.stop()

    def _cache_age(self) -> float | None:
        """How old a cached token may be: long while revocations are swept."""
        return SWEPT_MAX_AGE_SECONDS if self.revocations.running else None

    # --- head office --------------------------------------------------------------

    def add(self, store_code: str, name: str) -> NewTerminal:
        if not name.strip():
            raise ValidationFailed("A terminal needs a name.", code="invalid_name")
        code = new_code()
        now = utcnow()
        with self.database.write() as session:
            store = catalog.get_store(session, store_code)
            if store is None:
                raise NotFound(f"No store {store_code!r}; add it first.", code="unknown_store")
            if not store.active:
                raise Conflict(f"Store {store_code} is deactivated.", code="store_inactive")
            used = terminals_repo.used_prefixes(session) | {HEAD_OFFICE_PREFIX}
            prefix = next(
                f"{n:06d}"
                for n in range(int(HEAD_OFFICE_PREFIX) + 1, 1_000_000)
                if f"{n:06d}" not in used and transposition_safe(f"{n:06d}")
            )
            terminal = Terminal(
                id=new_id(),
                store_code=store_code,
                name=name.strip(),
                member_code_prefix=prefix,
                pairing_code_hash=code_hash(session, code),
                pairing_expires_at=now + timedelta(hours=self.settings.pairing_code_ttl_hours),
                created_at=now,
                watermark=0,
                max_seq=0,
            )
            terminals_repo.add(session, terminal)
            return NewTerminal(
                terminal.id,
                store_code,
                terminal.name,
                code,
                now + timedelta(hours=self.settings.pairing_code_ttl_hours),
                prefix,
            )

    def revoke(self, terminal_id: str) -> None:
        with self.database.write() as session:
            terminal = terminals_repo.lock(session, terminal_id)
            if terminal is None:
                raise NotFound(f"No terminal {terminal_id!r}.", code="unknown_terminal")
            terminal.revoked_at = terminal.revoked_at or utcnow()
            terminal.token_hash = None
            terminal.pairing_code_hash = None
        forget_terminal_everywhere(terminal_id)  # at once in this process; elsewhere within the TTL
        self.seen.forget(terminal_id)

    def list(self) -> list[Terminal]:
        with self.database.read() as session:
            return terminals_repo.list_all(session)

    # --- terminals ----------------------------------------------------------------

    def pair_policy(self) -> throttle.Policy:
        window = float(self.settings.pair_failure_window_seconds)
        return throttle.Policy(
            free=self.settings.pair_max_failures,
            base_seconds=min(float(self.settings.pair_block_seconds), window),
            longest_seconds=window,
            forget_after_seconds=window,
        )

    def pair(self, pairing_code: str, device_name: str, client: str) -> PairResponse:
        """Exchange a one-time code for a token. Each attempt is counted per client address
        before the code is checked (one transaction), so concurrent guesses cannot pass
        the limit; after ``pair_max_failures`` wrong codes the address waits
        ``pair_block_seconds``, doubling with each further wrong code (at most
        ``pair_failure_window_seconds``). A right code from a waiting address waits too,
        and the answer says how long."""
        now = utcnow()
        key = f"pair:{client[:64]}"
        with self.database.write() as session:
            wait = throttle.attempt(session, [(key, self.pair_policy())], now)
            salt = pairing_hash.salt(session)
        if wait is not None:
            raise TooManyAttempts(
                f"Too many wrong pairing codes from this address; try again in {wait} seconds.",
                retry_after=wait,
            )
        hashed = pairing_hash.hash_code(pairing_code, salt)
        token = new_token()
        with self.database.write() as session:
            terminal = terminals_repo.by_pairing_hash(
                session, hashed
            ) or terminals_repo.by_pairing_hash(session, pairing_hash.legacy_hash(pairing_code))
            valid = (
                terminal is not None
                and terminal.revoked_at is None
                and terminal.pairing_expires_at is not None
                and terminal.pairing_expires_at > now
            )
            if terminal is None or not valid:
                throttle.purge(session, now, self.settings.pair_failure_window_seconds)
                failed = True
            else:
                failed = False
                terminal.pairing_code_hash = None
                terminal.pairing_expires_at = None
                terminal.token_hash = sha256_hex(token)
                terminal.device_name = device_name
                terminal.paired_at = now
                terminal.last_seen_at = now
                throttle.succeeded(session, now, forget=[key])
                store = catalog.get_store(session, terminal.store_code)
                deployment = catalog.deployment(session)
                assert store is not None
                assert deployment is not None
                response = PairResponse(
                    terminal_id=terminal.id,
                    store_code=store.code,
                    token=token,
                    member_code_prefix=terminal.member_code_prefix,
                    phone_hash_key=deployment.phone_hash_key,
                    server_time=now,
                    store=store_settings(store),
                )
        if failed:
            raise InvalidPairingCode("This pairing code is wrong, expired or already used.")
        return response

    def authenticate_cached(
        self, token: str | None, *, version: str | None = None, queue_depth: int | None = None
    ) -> AuthenticatedTerminal | None:
        """``authenticate`` when it needs neither the database nor to wait (a token seen
        within the cache's TTL, last-seen flushed in the background); else None."""
        if not token or not self.seen.background:
            return None
        cached = self.tokens.get(sha256_hex(token), self._cache_age())
        if cached is None:
            return None
        self.seen.saw(cached.terminal_id, utcnow(), version, queue_depth)
        return AuthenticatedTerminal(cached.terminal_id, cached.store_code)

    def authenticate(
        self, token: str | None, *, version: str | None = None, queue_depth: int | None = None
    ) -> AuthenticatedTerminal:
        if not token:
            raise Unauthorized("Missing bearer token.")
        token_hash = sha256_hex(token)
        now = utcnow()
        cached = self.tokens.get(token_hash, self._cache_age())
        if cached is None:
            with self.database.read() as session:
                terminal = terminals_repo.by_token_hash(session, token_hash)
                if terminal is None or terminal.revoked_at is not None:
                    raise Unauthorized("Unknown or revoked token.")
                cached = CachedTerminal(terminal.id, terminal.store_code)
                self.seen.known(
                    terminal.id,
                    terminal.last_seen_at,
                    terminal.reported_version,
                    terminal.queue_depth,
                )
            self.tokens.put(token_hash, cached)
        self.seen.saw(cached.terminal_id, now, version, queue_depth)
        return AuthenticatedTerminal(cached.terminal_id, cached.store_code)
