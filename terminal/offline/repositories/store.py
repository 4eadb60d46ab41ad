"""Store settings, terminal state, loyalty program versions and staff."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.domain import program_schedule
from shared.domain.member_code import next_member_code
from shared.domain.program import DEFAULT_PROGRAM, LoyaltyProgram
from shared.domain.program_schedule import Rollout
from shared.errors import DomainError
from terminal.offline.clock import from_text, to_text, utc_now
from terminal.offline.models import ProgramVersion, Staff, StoreSettingsRow, TerminalState


class NotConfigured(DomainError):
    code = "terminal_not_configured"
    status = 409


def no_store() -> NotConfigured:
    return NotConfigured(
        "This terminal has no store settings yet: pair it or run `pos-terminal init`.",
    )


def not_paired() -> NotConfigured:
    return NotConfigured(
        "This terminal is not paired with a store yet.", code="terminal_not_paired"
    )


class StoreRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self) -> StoreSettingsRow | None:
        return self.session.get(StoreSettingsRow, 1)

    def require(self) -> StoreSettingsRow:
        row = self.get()
        if row is None:
            raise no_store()
        return row

    def save(self, row: StoreSettingsRow) -> StoreSettingsRow:
        row.id = 1
        merged = self.session.merge(row)
        self.session.flush()
        return merged


class TerminalStateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self) -> TerminalState:
        state = self.session.get(TerminalState, 1)
        if state is None:
            state = TerminalState(id=1, next_member_counter=1, next_seq=1, watermark=0)
            state.online = False
            self.session.add(state)
            self.session.flush()
        return state

    def require_identity(self) -> TerminalState:
        state = self.get()
        if state.terminal_id is None or state.member_code_prefix is None:
            raise not_paired()
        return state

    def allocate_seq(self) -> int:
        """Next event seq; call inside the write transaction that records the event.

        The write transaction holds SQLite's write lock from its first statement
        (BEGIN IMMEDIATE), so nobody else can read-then-bump the same value; the update
        is flushed together with the event rows.
        """
        state = self.get()
        seq = state.next_seq
        state.next_seq = seq + 1
        return seq

    def allocate_member_code(self) -> str:
        """The next code this terminal mints (prefix + counter + Luhn digit).

        Codes with neighbouring 0 and 9 are skipped (``next_member_code``), so every
        adjacent transposition of a minted code fails the check digit.
        """
        state = self.require_identity()
        assert state.member_code_prefix is not None
        code, state.next_member_counter = next_member_code(
            state.member_code_prefix, state.next_member_counter
        )
        self.session.flush()
        return code


_PROGRAM_STARTS = select(ProgramVersion.rule_version, ProgramVersion.effective_from)


@lru_cache(maxsize=16)
def parse_program(text: str) -> LoyaltyProgram:
    """Programs are immutable values: parse each distinct JSON text once."""
    return LoyaltyProgram.model_validate_json(text)


class ProgramRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def current(self, at: datetime | None = None) -> LoyaltyProgram:
        """The version in force at ``at`` (now): the highest rule version pulled whose
        ``effective_from`` has passed (``shared.domain.program_schedule``); the default
        program if none was pulled."""
        version = self.version_in_force(at)
        if version is None:
            return DEFAULT_PROGRAM
        row = self.get(version)
        assert row is not None
        return parse_program(row.program_json)

    def version_in_force(self, at: datetime | None = None) -> int | None:
        rollouts = [
            Rollout(version, from_text(start) if start else None)
            for version, start in self.session.execute(_PROGRAM_STARTS)
        ]
        return program_schedule.in_force(rollouts, at or utc_now())

    def get(self, rule_version: int) -> ProgramVersion | None:
        return self.session.get(ProgramVersion, rule_version)

    def save(
        self,
        program: LoyaltyProgram,
        *,
        version: int,
        effective_from: datetime | None = None,
    ) -> None:
        """Keep a version; received again (its store's staged roll-out, then the one to
        every store) it applies from the earlier of the two times."""
        row = self.get(program.rule_version)
        if row is None:
            row = ProgramVersion(rule_version=program.rule_version)
            self.session.add(row)
            start = effective_from
        else:
            held = from_text(row.effective_from) if row.effective_from else None
            start = program_schedule.earliest_start(held, effective_from)
        row.program_json = program.model_dump_json()
        row.version = version
        row.effective_from = to_text(start) if start is not None else None
        self.session.flush()

    def all(self) -> Sequence[ProgramVersion]:
        return self.session.scalars(select(ProgramVersion)).all()


class StaffRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, staff_id: str) -> Staff | None:
        return self.session.get(Staff, staff_id)

    def by_code(self, staff_code: str) -> Staff | None:
        return self.session.scalars(select(Staff).where(Staff.staff_code == staff_code)).first()

    def add(self, staff: Staff) -> Staff:
        self.session.add(staff)
        self.session.flush()
        return staff
