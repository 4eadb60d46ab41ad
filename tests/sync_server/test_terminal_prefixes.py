"""Terminals get member-code prefixes they can mint with (no 09/90 neighbours)."""

from __future__ import annotations

from shared.domain.member_code import check_safe_prefix, next_member_code
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.services.admin import AdminService
from sync_server.services.terminals import TerminalService


def test_every_new_terminal_prefix_can_mint_codes(database: Database, settings: Settings) -> None:
    AdminService(database).add_store("S001", "Downtown")
    terminals = TerminalService(database, settings)
    prefixes = [terminals.add("S001", f"Till {i}").member_code_prefix for i in range(12)]
    assert len(set(prefixes)) == 12
    assert "100009" not in prefixes  # the 9th counter value: 0 and 9 side by side
    for prefix in prefixes:
        check_safe_prefix(prefix)
        code, _ = next_member_code(prefix, 1)
        assert code.startswith(prefix)
