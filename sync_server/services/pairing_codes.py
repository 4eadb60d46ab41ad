"""A new one-time pairing code for a terminal that has not paired yet (the first code
expired or was lost). A paired terminal never gets a second code: its replacement is a
new terminal, so that seqs and member-code prefixes stay unique."""

from __future__ import annotations

from datetime import timedelta

from shared.errors import NotFound
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.errors import Conflict
from sync_server.repositories import terminals as terminals_repo
from sync_server.services.common import utcnow
from sync_server.services.pairing_hash import code_hash, new_code
from sync_server.services.terminals import NewTerminal


class PairingCodeService:
    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings

    def renew(self, terminal_id: str) -> NewTerminal:
        code = new_code()
        expires = utcnow() + timedelta(hours=self.settings.pairing_code_ttl_hours)
        with self.database.write() as session:
            terminal = terminals_repo.lock(session, terminal_id)
            if terminal is None:
                raise NotFound(f"No terminal {terminal_id!r}.", code="unknown_terminal")
            if terminal.revoked_at is not None or terminal.paired_at is not None:
                raise Conflict(
                    "This terminal is already paired or revoked: add a new terminal for a "
                    "new device.",
                    code="terminal_already_paired",
                )
            terminal.pairing_code_hash = code_hash(session, code)
            terminal.pairing_expires_at = expires
            return NewTerminal(
                terminal.id,
                terminal.store_code,
                terminal.name,
                code,
                expires,
                terminal.member_code_prefix,
            )
