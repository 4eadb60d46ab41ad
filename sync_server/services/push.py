"""Push: apply a terminal's batch of events exactly once, in one transaction.

Three steps a reader can see (docs/ARCHITECTURE_push.md): ``push_loader.load`` locks
and reads what the batch needs into frozen states; ``ledger.apply_batch`` (pure)
decides every outcome; ``push_writer.PushWriter`` persists them, versions last.
Decoding (canonical JSON, content hash, typed data) happens before the transaction,
the answer after it: neither needs the locks.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from pydantic import Field
from sqlalchemy.exc import IntegrityError, OperationalError

from shared.protocol import Event, PushResponse, PushResult
from sync_server.db import Database
from sync_server.errors import TerminalMismatch
from sync_server.services import dashboard_rollup, ledger, push_loader
from sync_server.services.common import canonical, utcnow
from sync_server.services.ledger_sinks import LEDGER_SINKS
from sync_server.services.push_guard import PushLimits
from sync_server.services.push_state import DATA_MODELS, Answer, Incoming, LedgerResult
from sync_server.services.push_writer import PushWriter

log = logging.getLogger("sync_server")

_MAX_ATTEMPTS = 4


class PushResponseWithGaps(PushResponse):
    """Extension: the seqs still missing between the watermark and the highest seq seen."""

    missing_seqs: list[int] = Field(default_factory=list)


class Pusher(Protocol):
    """What the API needs of a push service (PushService, or a wrapper around one)."""

    def push(self, terminal_id: str, events: list[Event]) -> PushResponseWithGaps: ...


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def decode(event: Event) -> Incoming:
    """An event as the ledger reads it: typed data, canonical text and its hash."""
    text = canonical(event.model_dump(mode="json"))
    data = DATA_MODELS[event.type].model_validate(event.data)
    return Incoming(
        event_id=str(event.event_id),
        seq=event.seq,
        type=event.type,
        occurred_at=event.occurred_at,
        staff_id=str(event.staff_id) if event.staff_id is not None else None,
        member_id=str(event.member_id),
        data=data,
        text=text,
        content_hash=content_hash(text),
    )


# Logged when fault injection holds a written batch before its commit.
PAUSE_LOG_LINE = "fault injection: %d events written, pausing %.1fs before COMMIT"


@dataclass(frozen=True)
class _Committed:
    result: LedgerResult
    base: int


class PushService:
    def __init__(
        self,
        database: Database,
        *,
        pause_before_commit: float = 0.0,
        before_commit: Callable[[], None] | None = None,
        limits: PushLimits | None = None,
        phones_changed: Callable[[], None] | None = None,
        writer: PushWriter | None = None,
    ) -> None:
        self.database = database
        self.limits = limits or PushLimits()
        # Called after a commit that may have given members a phone: their slow hash
        # (argon2id, tens of ms each) is computed off the request (PhoneHashWorker).
        self.phones_changed = phones_changed
        # Fault injection for tests: a pause, or a call, after the last statement and
        # before the commit (the version counter is held then).
        self.pause_before_commit = pause_before_commit
        self.before_commit = before_commit
        self.writer = writer or PushWriter(sinks=LEDGER_SINKS)
        self.programs = push_loader.ProgramCache()

    def push(self, terminal_id: str, events: list[Event]) -> PushResponseWithGaps:
        for event in events:
            if str(event.terminal_id) != terminal_id:
                raise TerminalMismatch(
                    f"Event {event.event_id} carries terminal_id {event.terminal_id}; "
                    "a terminal may only push its own events."
                )
        incoming = [decode(event) for event in events]
        done = self._apply(terminal_id, incoming)
        if self.phones_changed is not None and any(
            getattr(item.data, "phone", None) is not None for item in incoming
        ):
            self.phones_changed()
        # Built after the commit: nothing of it needs the transaction or its locks.
        return PushResponseWithGaps(
            results=[self._result(answer, done.base) for answer in done.result.answers],
            terminal_watermark=done.result.terminal.watermark,
            missing_seqs=list(done.result.missing_seqs),
        )

    def _apply(self, terminal_id: str, incoming: Sequence[Incoming]) -> _Committed:
        for attempt in range(_MAX_ATTEMPTS):
            try:
                with self.database.write() as session:
                    now = utcnow()
                    loaded = push_loader.load(
                        session,
                        terminal_id,
                        incoming,
                        limits=self.limits,
                        programs=self.programs,
                        now=now,
                    )
                    result = ledger.apply_batch(loaded, incoming)
                    # the dashboard's daily roll-ups, written by the writer's sinks
                    rollup = dashboard_rollup.records(loaded, result)
                    result = replace(result, extra=result.extra + rollup)
                    base = self.writer.write(session, result, now)
                    if self.pause_before_commit:
                        # Tests wait for this line before they kill the server mid-batch.
                        log.warning(PAUSE_LOG_LINE, len(incoming), self.pause_before_commit)
                        time.sleep(self.pause_before_commit)
                    if self.before_commit is not None:
                        self.before_commit()
                return _Committed(result, base)
            except (IntegrityError, OperationalError):
                # A concurrent writer won a race the locks do not cover (two terminals
                # enrolling one member code at once, a deadlock): retry on fresh data.
                if attempt == _MAX_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    def _result(answer: Answer, base: int) -> PushResult:
        event_id = answer.event.event_id
        if answer.kind == "conflict":
            return PushResult(
                event_id=event_id,
                status="rejected",
                code="idempotency_conflict",
                detail="This event_id was already received with different content.",
            )
        found = answer.outcome
        if found is not None:
            if found.status == "rejected":
                return PushResult(
                    event_id=event_id, status="rejected", code=found.code, detail=found.detail
                )
            return PushResult(
                event_id=event_id,
                status="duplicate" if answer.kind == "repeat" else "accepted",
                member_balance=found.balance,
                member_version=base + found.slot if found.slot is not None else found.version,
                member_lifetime_points=found.lifetime_points,
                overdraft=found.overdraft or None,
                flag=found.code,
            )
        stored = answer.stored
        assert stored is not None
        if stored.status == "rejected":
            return PushResult(
                event_id=event_id,
                status="rejected",
                code=stored.code,
                detail="Already received and rejected; rejections are final.",
            )
        return PushResult(
            event_id=event_id,
            status="duplicate",
            member_balance=stored.member_balance,
            member_version=stored.member_version,
            overdraft=stored.overdraft or None,
            flag=stored.code,
        )
