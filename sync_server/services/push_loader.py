"""The loader: lock and read everything one push needs, into frozen typed states.

Statements, in lock order (terminal, members by id, coupons by id: no deadlock between
two pushes), each skipped when the batch does not need it:

1. the terminal (locked: one push of a terminal at a time), its store, the deployment's
   phone key and the latest program version;
2. the ledger rows of this push's event ids and of the events its voids name;
3. the members the fresh events name (locked), 4. the member codes enrolments want,
5. the coupons redeemed or un-redeemed (locked), 6. the staff adjustments and voids
   name, 7. what redemptions and adjustments moved around the batch's days,
8. lifetime points voids took back (only for earn claims that may need it),
9. stored seqs above the watermark (only when the batch leaves a gap).

Nothing here decides an outcome: that is the ledger's.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from shared.domain import program_schedule
from shared.domain.member_code import validate_member_code
from shared.domain.phone import normalize_phone, phone_hash
from shared.domain.program import LoyaltyProgram
from shared.domain.program_schedule import Rollout
from shared.errors import ValidationFailed
from shared.protocol import (
    CouponRedeemedData,
    EventVoidedData,
    MemberCardReplacedData,
    MemberEnrolledData,
    MemberUpdatedData,
    PointsEarnedData,
)
from sync_server.errors import Unauthorized
from sync_server.repositories import catalog
from sync_server.repositories import events as events_repo
from sync_server.repositories import members as members_repo
from sync_server.repositories import sales as sales_repo
from sync_server.services import ledger, promotion_triggers, push_guard, sale_returns
from sync_server.services.push_guard import PushLimits
from sync_server.services.push_state import (
    CouponState,
    DayKey,
    Incoming,
    Loaded,
    MemberProfile,
    MemberState,
    StaffState,
    StoredOutcome,
    StoreState,
    TerminalState,
    VoidTarget,
)


class ProgramCache:
    """Published programs by rule_version (a version's rules never change)."""

    def __init__(self) -> None:
        self._programs: dict[int, LoyaltyProgram] = {}
        # Versions published to every store at once: an earn under one of them always
        # stands (roll-outs are never withdrawn), so it needs no roll-out read.
        self._everywhere: set[int] = set()
        self._rollouts: tuple[int, tuple[Rollout, ...]] | None = None

    def get(self, session: Session, latest: int) -> dict[int, LoyaltyProgram]:
        if latest not in self._programs:
            for row in catalog.programs(session):
                self._programs[row.rule_version] = LoyaltyProgram.model_validate_json(row.body)
            self._everywhere.update(
                r.rule_version
                for r in catalog.rollouts(session)
                if r.store_code is None and r.effective_from is None
            )
        return self._programs

    def _all_rollouts(self, session: Session, mark: int) -> tuple[Rollout, ...]:
        """Every roll-out, read again only when another was written (``mark``: how many
        there are, read with the push's context at no extra round trip)."""
        if self._rollouts is None or self._rollouts[0] != mark:
            self._rollouts = (mark, tuple(catalog.rollouts(session)))
        return self._rollouts[1]

    def in_force(
        self, session: Session, store_code: str, latest: int, mark: int, now: datetime
    ) -> int:
        """The version in force for the store now: the latest, unless it is staged or
        scheduled."""
        if latest in self._everywhere:
            return latest
        reaching = program_schedule.for_store(self._all_rollouts(session, mark), store_code)
        return program_schedule.in_force(reaching, now) or latest

    def rollouts(
        self, session: Session, store_code: str, mark: int, fresh: Sequence[Incoming]
    ) -> tuple[Rollout, ...] | None:
        """The roll-outs reaching ``store_code`` when an earn of this push claims a
        version not published everywhere at once (None: no earn needs them)."""
        claimed = {i.data.rule_version for i in fresh if isinstance(i.data, PointsEarnedData)}
        if claimed <= self._everywhere:
            return None
        return tuple(program_schedule.for_store(self._all_rollouts(session, mark), store_code))


def load(
    session: Session,
    terminal_id: str,
    incoming: Sequence[Incoming],
    *,
    limits: PushLimits,
    programs: ProgramCache,
    now: datetime,
) -> Loaded:
    context = catalog.push_context(session, terminal_id)
    if context is None or context.revoked:
        raise Unauthorized("This terminal is unknown or revoked.")
    terminal = TerminalState(terminal_id, context.store_code, context.watermark, context.max_seq)
    store = StoreState(
        code=context.store_code,
        phone_region=context.phone_region,
        phone_key=bytes.fromhex(context.phone_hash_key),
        timezone=context.timezone,
        closing_time=context.closing_time,
        latest_program=context.latest_program,
        currency=context.currency,
    )
    all_programs = programs.get(session, context.latest_program)
    in_force = programs.in_force(
        session, store.code, context.latest_program, context.rollout_mark, now
    )
    if in_force != store.latest_program:  # a newer version is staged or scheduled
        store = replace(store, latest_program=in_force)

    void_ids = {
        str(i.data.voided_event_id) for i in incoming if isinstance(i.data, EventVoidedData)
    }
    sale_ids = sale_returns.sale_ids(i.data for i in incoming)
    ids = {i.event_id for i in incoming}
    stored = events_repo.outcomes_and_targets(session, ids | void_ids | sale_ids)
    known = {row.event_id: _stored_outcome(row) for row in stored if row.event_id in ids}
    fresh = ledger.fresh_events(known, incoming)
    push_guard.check_seq_window(terminal.watermark, (i.seq for i in fresh), limits)
    targets = {row.event_id: _void_target(row) for row in stored if row.event_id in void_ids}
    sales = {
        row.event_id: sale_returns.sale_event(row) for row in stored if row.event_id in sale_ids
    }

    members = {
        row[0]: member_state(row)
        for row in members_repo.lock_tuples(session, {i.member_id for i in fresh})
    }
    # A till that had not pulled a merge yet named the merged member: its events go to
    # the survivor (locked too; rare, so one more statement only then).
    merged = {
        m.id: m.profile.merged_into
        for m in members.values()
        if m.status == "merged" and m.profile.merged_into
    }
    if merged:
        survivors = set(merged.values()) - set(members)
        for row in members_repo.lock_tuples(session, survivors):
            members[row[0]] = member_state(row)
        fresh = ledger.redirected(fresh, merged)
    codes_taken = members_repo.codes_taken(session, _wanted_codes(fresh))
    phones_held = members_repo.phone_holders(session, _wanted_phones(fresh, store))
    coupon_ids = {str(i.data.coupon_id) for i in fresh if isinstance(i.data, CouponRedeemedData)}
    coupon_ids |= {t.coupon_id for t in targets.values() if t.coupon_id is not None}
    coupon_ids |= {s.coupon_id for s in sales.values() if s.coupon_id is not None}
    coupons = {row.id: coupon_state(row) for row in catalog.lock_coupon_rows(session, coupon_ids)}

    staff_ids = {
        i.staff_id for i in fresh if i.type in push_guard.MANAGER_TYPES and i.staff_id is not None
    }
    staff = {
        key: StaffState(key, row["role"], bool(row["active"]), row["store_code"])
        for key, row in catalog.staff_by_ids(session, staff_ids).items()
    }
    moved = _moved(session, terminal, store, fresh, now, limits)
    needy = ledger.needs_voided_lifetime(members, targets, all_programs, fresh)
    voided = events_repo.voided_lifetimes(session, needy) if needy else {}
    gap = ledger.watermark_gap(terminal, {i.seq for i in fresh}, limits.seq_window)
    held = (
        events_repo.seqs_between(session, terminal_id, gap.start - 1, gap.stop - 1)
        if gap is not None
        else set()
    )
    return Loaded(
        terminal=terminal,
        store=store,
        programs=all_programs,
        now=now,
        limits=limits,
        known=known,
        members=members,
        codes_taken=frozenset(codes_taken),
        targets=targets,
        coupons=coupons,
        staff=staff,
        moved=moved,
        voided_lifetime={m: voided.get(m, 0) for m in needy},
        held_seqs=frozenset(held),
        # after the members' locks: pushes for one member count one after the other
        triggers=promotion_triggers.load_triggers(session, all_programs, fresh),
        sales=sales,
        # read after the members are locked: every return of a sale is its member's
        returned=sales_repo.returned_cents(session, sale_ids | _sale_targets(targets)),
        phones_held=phones_held,
        rollouts=programs.rollouts(session, store.code, context.rollout_mark, fresh),
        merged=merged,
    )


def _sale_targets(targets: dict[str, VoidTarget]) -> set[str]:
    """Voided earns and redemptions: a void of one whose sale came back in part is refused."""
    return {key for key, t in targets.items() if t.type in ("points.earned", "points.redeemed")}


def _wanted_codes(fresh: Sequence[Incoming]) -> set[str]:
    """The member codes enrolments ask for, as sent (stripped) and as validated."""
    codes: set[str] = set()
    for item in fresh:
        if isinstance(item.data, MemberEnrolledData | MemberCardReplacedData):
            codes.add(item.data.member_code.strip())
            with contextlib.suppress(ValidationFailed):
                codes.add(validate_member_code(item.data.member_code))
    return codes


def _wanted_phones(fresh: Sequence[Incoming], store: StoreState) -> set[str]:
    """The phone hashes profile changes ask for (an invalid phone is the ledger's to
    refuse)."""
    hashes: set[str] = set()
    for item in fresh:
        if isinstance(item.data, MemberUpdatedData) and item.data.phone is not None:
            with contextlib.suppress(ValidationFailed):
                e164 = normalize_phone(item.data.phone, store.phone_region)
                hashes.add(phone_hash(store.phone_key, e164))
    return hashes


def _moved(
    session: Session,
    terminal: TerminalState,
    store: StoreState,
    fresh: Sequence[Incoming],
    now: datetime,
    limits: PushLimits,
) -> dict[DayKey, int]:
    """What accepted, un-voided redemptions and adjustments moved per member, type and
    business day, around the days of this batch's redemptions and adjustments."""
    tallied = [i for i in fresh if i.type in push_guard.TALLIED]
    if not tallied:
        return {}
    since, until = push_guard.moved_window((i.occurred_at for i in tallied), now, limits)
    moved: dict[DayKey, int] = {}
    terminal_id = terminal.id
    for member_id, type_, occurred_at, delta, by in events_repo.points_moved(
        session, {i.member_id for i in tallied}, since, until
    ):
        day = store.business_day(occurred_at)
        key = (member_id, type_, day)
        moved[key] = moved.get(key, 0) + abs(delta)
        if by == terminal_id and type_ == "points.redeemed":  # this till's own day
            here = push_guard.here_key(member_id, terminal_id, day)
            moved[here] = moved.get(here, 0) + abs(delta)
    return moved


# --- rows to states ----------------------------------------------------------------------


def member_state(row: Sequence[Any]) -> MemberState:
    """A member's state from its row in ``members_repo.MEMBER_COLUMNS`` order."""
    (
        id_,
        member_code,
        name,
        phone_e164,
        phone_hash,
        phone_last4,
        phone_masked,
        phone_slow_hash,
        email,
        birthday,
        consent_marketing,
        balance,
        lifetime_points,
        tier,
        status,
        version,
        store_code,
        enrolled_at,
        updated_at,
        consent_marketing_at,
        previous_codes,
        merged_into,
        merged_codes,
        tier_points,
        tier_until,
    ) = row
    profile = MemberProfile(
        member_code,
        name,
        phone_e164,
        phone_hash,
        phone_last4,
        phone_masked,
        phone_slow_hash,
        email,
        birthday,
        bool(consent_marketing),
        store_code,
        enrolled_at,
        consent_marketing_at,
        previous_codes or "",
        merged_into,
        merged_codes or "",
    )
    return MemberState(
        id_,
        profile,
        int(balance),
        int(lifetime_points),
        tier,
        status,
        int(version),
        updated_at,
        tier_points or "",
        tier_until,
    )


def coupon_state(row: Any) -> CouponState:
    return CouponState(
        id=row.id,
        member_id=row.member_id,
        title=row.title,
        value_cents=int(row.value_cents),
        currency=row.currency,
        expires_at=row.expires_at,
        status=row.status,
        redeemed_event_id=row.redeemed_event_id,
        version=int(row.version),
        terms=row.terms,
        code=row.code,
        created_at=row.created_at,
    )


def _stored_outcome(row: Any) -> StoredOutcome:
    version = row.member_version
    if row.version_slot is not None and row.base_version is not None:
        version = row.base_version + row.version_slot
    return StoredOutcome(
        content_hash=row.content_hash,
        status=row.status,
        code=row.code,
        member_balance=row.member_balance,
        member_version=version,
        overdraft=bool(row.overdraft),
    )


def _void_target(row: Any) -> VoidTarget:
    coupon_id = None
    amount = 0
    if row.type == "coupon.redeemed":
        coupon_id = str(json.loads(row.payload)["data"]["coupon_id"])
    elif row.type == "points.earned":
        amount = int(json.loads(row.payload)["data"].get("amount_cents", 0))
    return VoidTarget(
        event_id=row.event_id,
        type=row.type,
        member_id=row.member_id,
        status=row.status,
        points_delta=int(row.points_delta),
        lifetime_delta=int(row.lifetime_delta),
        voided_by=row.voided_by,
        coupon_id=coupon_id,
        amount_cents=amount,
    )
