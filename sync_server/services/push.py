"""Push: apply a terminal's batch of events exactly once, in one transaction."""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import Field
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from shared.domain.program import LoyaltyProgram
from shared.protocol import Event, PushResponse, PushResult
from sync_server.db import Database
from sync_server.errors import TerminalMismatch, Unauthorized
from sync_server.repositories import catalog
from sync_server.repositories import events as events_repo
from sync_server.repositories import members as members_repo
from sync_server.repositories import terminals as terminals_repo
from sync_server.services.common import canonical, coupon_data, member_data, utcnow
from sync_server.services.ledger import Context, LedgerBatch, Outcome
from sync_server.services.push_guard import (
    PushLimits,
    check_seq_window,
    first_missing,
    load_guard,
)
from sync_server.services.versioning import ChangeBatch

log = logging.getLogger("sync_server")

_MAX_ATTEMPTS = 4
_MAX_GAPS_REPORTED = 1000


class PushResponseWithGaps(PushResponse):
    """Extension: the seqs still missing between the watermark and the highest seq seen."""

    missing_seqs: list[int] = Field(default_factory=list)


@dataclass
class _Incoming:
    event: Event
    payload: dict[str, Any]
    text: str
    content_hash: str


_Result = tuple[str, "Outcome | dict[str, Any] | None", _Incoming]


@dataclass
class _Done:
    """A committed push, before its response is built."""

    results: list[_Result]
    base: int
    watermark: int
    missing: list[int]


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Logged when fault injection holds a written batch before its commit.
PAUSE_LOG_LINE = "fault injection: %d events written, pausing %.1fs before COMMIT"


class PushService:
    def __init__(
        self,
        database: Database,
        *,
        pause_before_commit: float = 0.0,
        before_commit: Callable[[], None] | None = None,
        limits: PushLimits | None = None,
        phones_changed: Callable[[], None] | None = None,
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
        self._programs: dict[int, LoyaltyProgram] = {}

    def push(self, terminal_id: str, events: list[Event]) -> PushResponseWithGaps:
        for event in events:
            if str(event.terminal_id) != terminal_id:
                raise TerminalMismatch(
                    f"Event {event.event_id} carries terminal_id {event.terminal_id}; "
                    "a terminal may only push its own events."
                )
        incoming = []
        for event in events:
            payload = event.model_dump(mode="json")
            text = canonical(payload)
            incoming.append(_Incoming(event, payload, text, content_hash(text)))
        for attempt in range(_MAX_ATTEMPTS):
            try:
                with self.database.write() as session:
                    done = self._push(session, terminal_id, incoming)
                    if self.pause_before_commit:
                        # Tests wait for this line before they kill the server mid-batch.
                        log.warning(PAUSE_LOG_LINE, len(events), self.pause_before_commit)
                        time.sleep(self.pause_before_commit)
                    if self.before_commit is not None:
                        self.before_commit()
            except (IntegrityError, OperationalError):
                # A concurrent writer won a race the locks do not cover (two terminals
                # enrolling one member code at once, a deadlock): retry on fresh data.
                if attempt == _MAX_ATTEMPTS - 1:
                    raise
                continue
            if self.phones_changed is not None and any(
                "phone" in item.event.data
                for item in incoming
                if item.event.type in ("member.enrolled", "member.updated")
            ):
                self.phones_changed()
            # Built after the commit: nothing of it needs the transaction or its locks.
            return PushResponseWithGaps(
                results=[
                    self._result(kind, found, item, done.base) for kind, found, item in done.results
                ],
                terminal_watermark=done.watermark,
                missing_seqs=done.missing,
            )
        raise AssertionError("unreachable")

    # --- the transaction ----------------------------------------------------------

    def _load_programs(
        self, session: Session, latest: int
    ) -> tuple[dict[int, LoyaltyProgram], LoyaltyProgram]:
        if latest not in self._programs:
            for row in catalog.programs(session):
                self._programs[row.rule_version] = LoyaltyProgram.model_validate_json(row.body)
        return self._programs, self._programs[latest]

    def _push(self, session: Session, terminal_id: str, incoming: list[_Incoming]) -> _Done:
        terminal = terminals_repo.lock(session, terminal_id)
        if terminal is None or terminal.revoked_at is not None:
            raise Unauthorized("This terminal is unknown or revoked.")
        found = catalog.push_context(session, terminal.store_code)
        assert found is not None
        now = utcnow()
        programs, current = self._load_programs(session, found.latest_program)

        ids = [str(item.event.event_id) for item in incoming]
        known = events_repo.get_many(session, ids)
        fresh = [item for item in incoming if str(item.event.event_id) not in known]
        check_seq_window(int(terminal.watermark), (i.event.seq for i in fresh), self.limits)
        members = members_repo.lock_many(session, {str(i.event.member_id) for i in fresh})
        enrol_codes = {
            str(i.event.data.get("member_code", "")).strip()
            for i in fresh
            if i.event.type == "member.enrolled"
        }
        taken = members_repo.codes_taken(session, enrol_codes)
        void_ids = {
            str(i.event.data["voided_event_id"]) for i in fresh if i.event.type == "event.voided"
        }
        targets = events_repo.get_many(session, void_ids)
        for target in targets.values():
            target["data"] = json.loads(target["payload"])["data"]
        coupon_ids = {
            str(i.event.data["coupon_id"]) for i in fresh if i.event.type == "coupon.redeemed"
        }
        coupon_ids |= {
            str(t["data"]["coupon_id"]) for t in targets.values() if t["type"] == "coupon.redeemed"
        }
        coupons = catalog.lock_coupons(session, coupon_ids)

        changes = ChangeBatch()
        ctx = Context(
            programs=programs,
            current_program=current,
            phone_key=bytes.fromhex(found.phone_hash_key),
            phone_region=found.phone_region,
            store_code=terminal.store_code,
            now=now,
            voided_lifetime=lambda member_id: events_repo.voided_lifetime(session, member_id),
        )
        ledger = LedgerBatch(ctx, members, taken, targets, coupons, changes)
        guard = load_guard(session, ctx, self.limits, [i.event for i in fresh])

        results: list[_Result] = []
        applied: dict[str, tuple[str, Outcome]] = {}
        for item in incoming:
            event_id = str(item.event.event_id)
            earlier = known.get(event_id)
            if earlier is not None:
                same = earlier["content_hash"] == item.content_hash
                results.append(("stored" if same else "conflict", earlier, item))
                continue
            if event_id in applied:
                same = applied[event_id][0] == item.content_hash
                results.append(("repeat" if same else "conflict", applied[event_id][1], item))
                continue
            outcome = guard.refusal(item.event) or ledger.apply(item.event)
            guard.settle(item.event, outcome)
            ledger.record(item.event, outcome, item.payload)
            applied[event_id] = (item.content_hash, outcome)
            results.append(("new", outcome, item))

        # Every write first, versions left as placeholders: the ledger rows, their batch,
        # voids, the watermark, members and coupons (locked above; nobody sees them
        # before commit)...
        batch_id = str(uuid.uuid4())
        self._write_ledger(session, ledger, applied, incoming, terminal_id, batch_id, now)
        watermark, missing = self._advance_watermark(session, terminal, fresh)
        terminal.last_seen_at = now
        session.flush()
        self._write_rows(session, ledger)
        # ...then, LAST, the version counter (locked until commit) with everything that
        # carries a version: ONE statement on PostgreSQL (see changes.commit_versions).
        stamps = [
            events_repo.batch_stamp(batch_id),
            members_repo.version_stamp(changes.slots("member", ledger.members)),
            catalog.coupon_version_stamp(changes.slots("coupon", ledger.dirty_coupons)),
        ]
        base = changes.write(
            session, lambda entity, eid: self._data_of(ledger, entity, eid), now, stamps
        )
        return _Done(results, base, watermark, missing)

    @staticmethod
    def _data_of(ledger: LedgerBatch, entity: str, entity_id: str) -> dict[str, Any]:
        if entity == "member":
            return member_data(ledger.members[entity_id])
        return coupon_data(ledger.coupons[entity_id])

    @staticmethod
    def _version(outcome: Outcome, base: int) -> int | None:
        return base + outcome.slot if outcome.slot is not None else outcome.version

    @staticmethod
    def _write_ledger(
        session: Session,
        ledger: LedgerBatch,
        applied: dict[str, tuple[str, Outcome]],
        incoming: list[_Incoming],
        terminal_id: str,
        batch_id: str,
        now: datetime,
    ) -> None:
        rows = []
        written: set[str] = set()
        for item in incoming:
            event_id = str(item.event.event_id)
            if event_id not in applied or event_id in written:
                continue
            written.add(event_id)
            outcome = applied[event_id][1]
            rows.append(
                {
                    "event_id": event_id,
                    "terminal_id": terminal_id,
                    "seq": item.event.seq,
                    "type": item.event.type,
                    "member_id": outcome.member_id,
                    "occurred_at": item.event.occurred_at,
                    "received_at": now,
                    "content_hash": item.content_hash,
                    "payload": item.text,
                    "status": outcome.status,
                    "code": outcome.code,
                    "member_balance": outcome.balance,
                    "member_version": outcome.version,
                    "batch_id": batch_id,
                    "version_slot": outcome.slot,
                    "overdraft": outcome.overdraft,
                    "points_delta": outcome.points_delta,
                    "lifetime_delta": outcome.lifetime_delta,
                    "voided_by": None,
                }
            )
        if rows:
            events_repo.add_batch(session, batch_id, now)
        events_repo.insert_many(session, rows)
        events_repo.mark_voided(session, ledger.voided)

    @staticmethod
    def _write_rows(session: Session, ledger: LedgerBatch) -> None:
        """Members and coupons, all but their ``version`` (stamped with the counter)."""
        members_repo.insert_many(session, [ledger.members[m] for m in ledger.new_members])
        profile = ledger.dirty_members & ledger.profile_changed
        balance_only = ledger.dirty_members - ledger.profile_changed
        rows = [ledger.members[m] for m in profile]
        members_repo.update_many(session, rows, version=False)
        rows = [ledger.members[m] for m in balance_only]
        members_repo.update_many(session, rows, profile=False, version=False)
        catalog.update_coupons(
            session,
            [
                {k: ledger.coupons[c][k] for k in ("id", "status", "redeemed_event_id")}
                for c in ledger.dirty_coupons
            ],
            version=False,
        )

    def _result(
        self, kind: str, found: Outcome | dict[str, Any] | None, item: _Incoming, base: int
    ) -> PushResult:
        event_id = item.event.event_id
        if kind == "conflict":
            return PushResult(
                event_id=event_id,
                status="rejected",
                code="idempotency_conflict",
                detail="This event_id was already received with different content.",
            )
        if isinstance(found, Outcome):
            status = (
                "duplicate" if kind == "repeat" and found.status == "accepted" else found.status
            )
            if found.status == "rejected":
                return PushResult(
                    event_id=event_id, status="rejected", code=found.code, detail=found.detail
                )
            return PushResult(
                event_id=event_id,
                status=status,
                member_balance=found.balance,
                member_version=self._version(found, base),
                member_lifetime_points=found.lifetime_points,
                overdraft=found.overdraft or None,
                flag=found.code,
            )
        assert isinstance(found, dict)
        if found["status"] == "rejected":
            return PushResult(
                event_id=event_id,
                status="rejected",
                code=found["code"],
                detail="Already received and rejected; rejections are final.",
            )
        return PushResult(
            event_id=event_id,
            status="duplicate",
            member_balance=found["member_balance"],
            member_version=found["member_version"],
            overdraft=bool(found["overdraft"]) or None,
            flag=found["code"],
        )

    def _advance_watermark(
        self, session: Session, terminal: Any, fresh: list[_Incoming]
    ) -> tuple[int, list[int]]:
        watermark = int(terminal.watermark)
        # A high-water mark saved before seqs had a window is cut back to it: what lies
        # above is no terminal's real next seq, and must not make every push slow.
        stored_max = min(int(terminal.max_seq), watermark + self.limits.seq_window)
        max_seq = max([stored_max] + [i.event.seq for i in fresh])
        missing: list[int] = []
        fresh_seqs = {i.event.seq for i in fresh}
        # The usual push: the next seqs, all in this batch. No need to ask.
        if (
            max_seq > watermark
            and max_seq - watermark <= len(fresh_seqs)
            and all(seq in fresh_seqs for seq in range(watermark + 1, max_seq + 1))
        ):
            watermark = max_seq
        if max_seq > watermark:
            held = events_repo.seqs_between(session, terminal.id, watermark, max_seq)
            while watermark + 1 in held:
                watermark += 1
            missing = first_missing(watermark, max_seq, held, _MAX_GAPS_REPORTED)
        terminal.watermark = watermark
        terminal.max_seq = max_seq
        return watermark, missing
