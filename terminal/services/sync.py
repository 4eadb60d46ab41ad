"""Pairing and syncing with head office: what `pos-terminal pair/sync/status` and the
UI's status bar and settings screen call.

Pairing stores the token and phone-hash key in the OS keyring and the terminal's
identity, server address and store settings in the replica. Syncing runs the engine in
``terminal.offline.sync_engine`` on the replica's half of sync
(``terminal.services.sync_store.SyncStore``); nothing here talks SQL or HTTP directly.
The loop's types (``LoopState``, ``SyncLoop``, ``SyncReport``) are re-exported for the
layers above, which import services only.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass

from shared.errors import DomainError, ValidationFailed
from terminal.config import TerminalSettings
from terminal.offline.change_watch import ChangeWatcher
from terminal.offline.credentials import CredentialStore
from terminal.offline.db import Replica
from terminal.offline.sync_client import AuthRevoked, SyncClient, SyncError
from terminal.offline.sync_engine import (
    BULK_COMMIT_CHANGES,
    LoopState,
    SyncEngine,
    SyncLoop,
    SyncReport,
)
from terminal.services.sync_store import SyncStore

OnState = Callable[[LoopState], None]

__all__ = [
    "AlreadyPaired",
    "LoopState",
    "Pairing",
    "PairingFailed",
    "SyncFailed",
    "SyncLoop",
    "SyncReport",
    "SyncService",
    "SyncStatus",
]


class PairingFailed(DomainError):
    code = "pairing_failed"
    status = 400


class AlreadyPaired(DomainError):
    code = "already_paired"
    status = 409


class SyncFailed(DomainError):
    code = "sync_failed"
    status = 503


@dataclass(frozen=True, slots=True)
class Pairing:
    terminal_id: str
    store_code: str
    member_code_prefix: str
    server_url: str


@dataclass(frozen=True, slots=True)
class SyncStatus:
    paired: bool
    terminal_id: str | None
    store_code: str | None
    server_url: str | None
    online: bool
    pending: int
    rejected: int
    acknowledged: int
    last_sync_at: str | None
    last_error: str | None
    watermark: int


class SyncService:
    def __init__(
        self,
        replica: Replica,
        settings: TerminalSettings,
        *,
        credentials: CredentialStore | None = None,
        version: str = "0",
        pull_limit: int = 5000,
        bulk_commit_changes: int = BULK_COMMIT_CHANGES,
    ) -> None:
        self.replica = replica
        self.settings = settings
        self.store = SyncStore(replica)
        self.credentials = credentials or CredentialStore(settings.keyring_service)
        self.version = version
        self.pull_limit = pull_limit  # changes per pull page
        self.bulk_commit_changes = bulk_commit_changes  # per transaction in a bulk load

    # --- pairing --------------------------------------------------------------------

    def pair(
        self, server_url: str, pairing_code: str, *, device_name: str | None = None
    ) -> Pairing:
        """Exchange a one-time code for this terminal's identity and secrets."""
        url = _clean_url(server_url)
        code = pairing_code.strip()
        if not code:
            raise ValidationFailed("Enter the pairing code from head office.", code="invalid_input")
        state = self.store.state()
        if state.terminal_id and self.credentials.token():
            raise AlreadyPaired(
                f"This terminal is already paired as {state.terminal_id}. "
                "Rebuild or reset it before pairing again.",
                terminal_id=state.terminal_id,
            )
        if state.next_seq > 1:
            raise AlreadyPaired(
                "This replica already holds events of another terminal identity; "
                "pair a fresh replica.",
            )
        # The code is spent by the server's answer: refuse now if the secrets could not be kept.
        self.credentials.check_usable()
        with SyncClient(url, lambda: None, terminal_version=self.version) as client:
            try:
                paired = client.pair(code, device_name or platform.node() or "terminal")
            except SyncError as exc:
                raise PairingFailed(str(exc), code=exc.code) from exc
        # Secrets first: a replica that names a terminal always has its token.
        self.credentials.set_token(paired.token)
        self.credentials.set_phone_hash_key(paired.phone_hash_key)
        self.store.set_identity(
            terminal_id=str(paired.terminal_id),
            store_code=paired.store_code,
            member_code_prefix=paired.member_code_prefix,
        )
        self.store.set_server_url(url)
        if paired.store is not None:
            self.store.save_store_settings(paired.store)
        return Pairing(str(paired.terminal_id), paired.store_code, paired.member_code_prefix, url)

    # --- syncing --------------------------------------------------------------------

    def server_url(self) -> str:
        return self.store.server_url() or self.settings.server_url

    def client(self) -> SyncClient:
        return SyncClient(self.server_url(), self.credentials.token, terminal_version=self.version)

    def day_close_client(self) -> SyncClient:
        """A client for ``DayCloseService`` (it needs a pairing, like a sync)."""
        self._require_paired()
        return self.client()

    def engine(self, client: SyncClient) -> SyncEngine:
        from terminal.services.alert_store import AlertStore

        alerts = AlertStore(self.store.replica)
        return SyncEngine(
            self.store,
            client,
            pull_limit=self.pull_limit,
            alerts=alerts,
            bulk_commit_changes=self.bulk_commit_changes,
        )

    def sync_once(self) -> SyncReport:
        """Push everything queued, pull everything new; a clear error if it cannot."""
        self._require_paired()
        with self.client() as client:
            try:
                return self.engine(client).run_once()
            except AuthRevoked as exc:
                raise SyncFailed(str(exc), code="terminal_revoked", reason=exc.code) from exc
            except SyncError as exc:
                raise SyncFailed(str(exc), reason=exc.code) from exc

    def loop(
        self,
        *,
        interval: float = 5.0,
        on_state: OnState | None = None,
        after_cycle: Callable[[], object] | None = None,
        long_poll: float = 50.0,
    ) -> SyncLoop:
        """A background loop (the caller starts and stops it) on its own client.

        ``after_cycle`` runs after each successful cycle: the composition root passes
        the automatic day close (``DayCloseService.close_due``). ``long_poll`` > 0: a
        watcher on a second connection long-polls the server for changes (that many
        seconds per ask) and wakes the loop; 0 pulls every ``interval`` instead.
        """
        self._require_paired()
        watcher = None
        if long_poll > 0:
            watcher = ChangeWatcher(
                self.client(), self.store.pull_cursor, wait=long_poll, poll_interval=interval
            )
        return SyncLoop(
            self.engine(self.client()),
            interval=interval,
            on_state=on_state,
            after_cycle=after_cycle,
            watcher=watcher,
        )

    def member_summary(self, member_id: str, *, timeout: float = 3.0) -> bool:
        """Ask head office for a member's history and expiring points and keep them on
        the replica; False (and nothing changed) when offline, unpaired or refused."""
        state = self.store.state()
        if not (state.online and state.terminal_id and self.credentials.token()):
            return False
        try:
            with self.client() as client:
                summary = client.member_summary(str(member_id), timeout=timeout)
        except SyncError:
            return False
        self.store.save_member_summary(summary)
        return True

    def status(self) -> SyncStatus:
        state = self.store.state()
        counts = self.store.outbox_counts()
        return SyncStatus(
            paired=bool(state.terminal_id and self.credentials.token()),
            terminal_id=state.terminal_id,
            store_code=state.store_code,
            server_url=self.store.server_url(),
            online=state.online,
            pending=counts["pending"],
            rejected=counts["rejected"],
            acknowledged=counts["acknowledged"],
            last_sync_at=state.last_sync_at,
            last_error=state.last_sync_error,
            watermark=state.watermark,
        )

    def _require_paired(self) -> None:
        if not (self.store.state().terminal_id and self.credentials.token()):
            raise SyncFailed(
                "This terminal is not paired: run `pos-terminal pair --server URL --code CODE`.",
                code="terminal_not_paired",
            )


def _clean_url(url: str) -> str:
    text = url.strip().rstrip("/")
    if not text.startswith(("http://", "https://")) or len(text) < 10:
        raise ValidationFailed(
            f"The server address must start with http:// or https://: {url!r}",
            code="invalid_server_url",
        )
    return text
