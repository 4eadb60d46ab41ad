"""Trigger limits at the server: the push path's records, their sink, and the rule
for which counts the loader reads.

The ledger (pure) decides an earn's promotions against ``Loaded.triggers`` (the
business days each member received each limited promotion on) and leaves typed
records in ``LedgerResult.extra``; :data:`SINKS` writes them in the push's
transaction. The member rows are locked by the loader before the counts are read, so
two pushes for one member count one after the other, across terminals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from shared.domain.program import LoyaltyProgram
from shared.protocol import PointsEarnedData
from sync_server.repositories import promotions as promotions_repo
from sync_server.services.push_state import Incoming


@dataclass(frozen=True, slots=True)
class TriggerRecorded:
    """An accepted earn received these promotions on this business day."""

    event_id: str
    member_id: str
    codes: tuple[str, ...]
    business_date: date


@dataclass(frozen=True, slots=True)
class TriggersVoided:
    """A void took back an earn: its promotions no longer count."""

    event_id: str


def limited_claims(
    programs: Mapping[int, LoyaltyProgram], fresh: Sequence[Incoming]
) -> tuple[set[str], set[str]]:
    """The members and promotion codes whose trigger counts this push needs: earns
    naming a promotion that has a limit in their program version."""
    members: set[str] = set()
    codes: set[str] = set()
    for item in fresh:
        data = item.data
        if not isinstance(data, PointsEarnedData) or not data.promotions:
            continue
        program = programs.get(data.rule_version)
        if program is None:
            continue
        limited = {p.code for p in program.promotions if p.limit is not None}
        wanted = limited.intersection(data.promotions)
        if wanted:
            members.add(item.member_id)
            codes |= wanted
    return members, codes


def load_triggers(
    session: Session, programs: Mapping[int, LoyaltyProgram], fresh: Sequence[Incoming]
) -> dict[tuple[str, str], tuple[tuple[str, date], ...]]:
    """One read, only when an earn of this push names a limited promotion."""
    members, codes = limited_claims(programs, fresh)
    found = promotions_repo.trigger_days(session, members, codes)
    return {key: tuple(days) for key, days in found.items()}


def _write_recorded(session: Session, records: Sequence[object]) -> None:
    rows = [
        (r.event_id, code, r.member_id, r.business_date)
        for r in records
        if isinstance(r, TriggerRecorded)
        for code in r.codes
    ]
    promotions_repo.add_triggers(session, rows)


def _write_voided(session: Session, records: Sequence[object]) -> None:
    promotions_repo.drop_triggers(
        session, {r.event_id for r in records if isinstance(r, TriggersVoided)}
    )


SINKS = {TriggerRecorded: _write_recorded, TriggersVoided: _write_voided}
