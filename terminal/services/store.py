"""What the till shows about its store and itself, this terminal's preferences, and the
store settings it keeps (from pairing or ``pos-terminal init``)."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from shared.domain.program import LoyaltyProgram
from shared.protocol import StoreSettings
from terminal.offline.repositories import (
    ProgramRepository,
    StoreRepository,
    TerminalStateRepository,
)
from terminal.offline.store_settings import save_store_settings
from terminal.services.base import Service
from terminal.services.errors import InvalidInput
from terminal.services.views import StoreInfo

_LANGUAGE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")


def read_store_settings(session: Session) -> StoreSettings | None:
    row = StoreRepository(session).get()
    if row is None:
        return None
    return StoreSettings(
        store_code=row.store_code,
        name=row.name,
        currency=row.currency,
        timezone=row.timezone,
        phone_region=row.phone_region,
        language=row.language,
        closing_time=row.closing_time,
    )


class StoreService(Service):
    def save_settings(self, settings: StoreSettings) -> None:
        """Record the store's settings (``pos-terminal init``); refused if a till could not
        work with them (``invalid_setting``, ``invalid_currency``)."""
        with self.replica.write() as session:
            save_store_settings(session, settings)

    def store_settings(self) -> StoreSettings | None:
        """The store's settings as recorded; None before pairing or ``init``."""
        with self.replica.read() as session:
            return read_store_settings(session)

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
