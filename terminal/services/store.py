"""What the till shows about its store and itself, and this terminal's preferences."""

from __future__ import annotations

import re

from shared.domain.program import LoyaltyProgram
from terminal.offline.repositories import (
    ProgramRepository,
    StoreRepository,
    TerminalStateRepository,
)
from terminal.services.base import Service
from terminal.services.errors import InvalidInput
from terminal.services.views import StoreInfo

_LANGUAGE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")


class StoreService(Service):
    def info(self) -> StoreInfo:
        """Store code, name, currency, language and time zone; this terminal's id and sync server."""
        with self.replica.read() as session:
            store = StoreRepository(session).get()
            state = TerminalStateRepository(session).get()
            server_url = state.server_url or self.settings.server_url
            terminal_id = state.terminal_id or ""
            if store is None:
                return StoreInfo(terminal_id=terminal_id, server_url=server_url)
            return StoreInfo(
                store_code=store.store_code,
                name=store.name,
                currency=store.currency,
                language=store.language,
                timezone=store.timezone,
                terminal_id=terminal_id,
                server_url=server_url,
            )

    def program(self) -> LoyaltyProgram:
        """The loyalty program in force (the highest rule version pulled)."""
        with self.replica.read() as session:
            return ProgramRepository(session).current()

    def language(self) -> str | None:
        """The UI language chosen on this terminal; None if nobody chose one here."""
        with self.replica.read() as session:
            return TerminalStateRepository(session).get().language

    def set_language(self, language: str | None) -> None:
        """Remember the UI language of this terminal (None: follow the store's again)."""
        if language is not None and (
            not isinstance(language, str) or not _LANGUAGE.fullmatch(language)
        ):
            raise InvalidInput(f"Not a language code: {language!r}", field="language")
        with self.replica.write() as session:
            TerminalStateRepository(session).get().language = language
