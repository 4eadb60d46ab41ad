"""The ledger: what a push's events do to members and coupons, decided in memory.

Pure: no session, no SQL, no clock. :func:`apply_batch` takes the frozen states the
loader read (``push_state.Loaded``) and the decoded events, and returns every event's
outcome and the new states (``push_state.LedgerResult``) for the writer. Points are
recomputed with the shared program rules; nothing a till claims is trusted blindly.

A new event type is a case in :meth:`_Run.decide` (and, when it needs more rows, a read
in the loader): never a query from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime

from shared.domain import program_schedule
from shared.domain.coupons import CouponTerms, coupon_refusal
from shared.domain.member_code import validate_member_code
from shared.domain.phone import mask_phone, normalize_phone, phone_hash, phone_last4
from shared.domain.program import LoyaltyProgram
from shared.domain.promotions import EarnBreakdown, MemberFacts, local_wall_time, used_up
from shared.domain.returns import SaleFigures, return_effect
from shared.domain.tier_rules import add_points, format_totals, parse_totals, pruned, utc_day
from shared.errors import ValidationFailed
from shared.protocol import (
    VOIDABLE_TYPES,
    CouponRedeemedData,
    EventVoidedData,
    MemberCardReplacedData,
    MemberEnrolledData,
    MemberUpdatedData,
    PointsAdjustedData,
    PointsEarnedData,
    PointsRedeemedData,
    SaleReturnedData,
)
from sync_server.services import push_guard, sale_returns
from sync_server.services.promotion_triggers import TriggerRecorded, TriggersVoided
from sync_server.services.push_state import (
    Answer,
    Applied,
    CouponState,
    DayKey,
    Incoming,
    LedgerResult,
    Loaded,
    MemberProfile,
    MemberState,
    Outcome,
    TerminalState,
    VersionedChange,
    VoidTarget,
)

MAX_GAPS_REPORTED = 1000
_NO_DAY = date.min  # the day key of events no daily limit counts


class Rejected(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class MissingFact(AssertionError):
    """The ledger needed a fact the loader did not read (a loader bug, never input)."""


def apply_batch(loaded: Loaded, incoming: Sequence[Incoming]) -> LedgerResult:
    """Every event's answer, in order, and the states the push leaves behind."""
    return _Run(loaded).run(incoming)


# --- what the loader must read (pure, so that the loader and the tests agree) --------


def fresh_events(known: Iterable[str], incoming: Sequence[Incoming]) -> list[Incoming]:
    """The events of this push not yet in the ledger (a second copy included)."""
    stored = set(known)
    return [item for item in incoming if item.event_id not in stored]


def needs_voided_lifetime(
    members: Mapping[str, MemberState],
    targets: Mapping[str, VoidTarget],
    programs: Mapping[int, LoyaltyProgram],
    fresh: Sequence[Incoming],
) -> set[str]:
    """Members whose earn claims may need the lifetime points voids took back before
    this push (``LoyaltyProgram.earn_claim_stands``). An earn is asked about them only
    when its claim does not stand at the member's lifetime points at that moment; that
    lifetime is never below the member's stored lifetime less every stored earn this
    push voids, and a claim that stands at a lower lifetime stands at a higher one. So a
    claim that stands at that floor never needs them."""
    taken_back: dict[str, int] = {}
    for target in targets.values():
        if target.lifetime_delta > 0:
            taken_back[target.member_id] = (
                taken_back.get(target.member_id, 0) + target.lifetime_delta
            )
    needed: set[str] = set()
    for item in fresh:
        data = item.data
        if not isinstance(data, PointsEarnedData) or item.member_id in needed:
            continue
        program = programs.get(data.rule_version)
        if program is None:
            continue
        if data.promotions:  # weighed with the store's facts: read the sum (one query)
            needed.add(item.member_id)
            continue
        member = members.get(item.member_id)
        floor = 0
        if member is not None:
            floor = member.lifetime_points - taken_back.get(item.member_id, 0)
        try:
            if data.points == program.points_for_sale(
                data.amount_cents, floor, data.currency
            ) or program.earn_claim_stands(
                data.amount_cents, data.points, floor, currency=data.currency
            ):
                continue
        except ValidationFailed:
            continue  # refused before the claim is weighed
        needed.add(item.member_id)
    return needed


def redirected(items: Sequence[Incoming], merged: Mapping[str, str]) -> list[Incoming]:
    """The events with a merged member's id replaced by its survivor's (head office
    merged the member after the till recorded them): the survivor's points, exactly
    once (the event id stays the idempotency key, the stored text stays as sent)."""
    return [
        replace(item, member_id=merged[item.member_id]) if item.member_id in merged else item
        for item in items
    ]


def watermark_gap(terminal: TerminalState, fresh_seqs: set[int], window: int) -> range | None:
    """The seqs (low, high] whose stored rows decide the new watermark, or None when
    this push's own seqs do (the usual push: the next seqs, all in this batch)."""
    watermark = terminal.watermark
    # A high-water mark saved before seqs had a window is cut back to it: what lies
    # above is no terminal's real next seq, and must not make every push slow.
    max_seq = max([min(terminal.max_seq, watermark + window), *fresh_seqs])
    if max_seq <= watermark:
        return None
    if max_seq - watermark <= len(fresh_seqs) and all(
        seq in fresh_seqs for seq in range(watermark + 1, max_seq + 1)
    ):
        return None
    return range(watermark + 1, max_seq + 1)


MAX_PREVIOUS_CODES = 10  # the newest replaced codes a member row keeps (200 characters)


def previous_codes(replaced: str, earlier: str) -> str:
    """The ``previous_codes`` text once the card ``replaced`` is replaced: newest first,
    at most ``MAX_PREVIOUS_CODES`` codes."""
    codes = [replaced, *(c for c in earlier.split() if c != replaced)]
    return " ".join(codes[:MAX_PREVIOUS_CODES])


# --- one run -----------------------------------------------------------------------------


class _Run:
    """The working copies of one ledger run. Inputs stay untouched (they are frozen);
    each change makes a new state object."""

    def __init__(self, loaded: Loaded) -> None:
        self.loaded = loaded
        self.now = loaded.now
        self.program = loaded.current_program
        self.members: dict[str, MemberState] = dict(loaded.members)
        self.coupons: dict[str, CouponState] = dict(loaded.coupons)
        self.targets: dict[str, VoidTarget] = dict(loaded.targets)
        self.taken: set[str] = set(loaded.codes_taken)
        self.phones: dict[str, set[str]] = {h: set(m) for h, m in loaded.phones_held.items()}
        self.moved: dict[DayKey, int] = dict(loaded.moved)
        self.new_members: set[str] = set()
        self.dirty_members: set[str] = set()
        self.profile_changed: set[str] = set()
        self.dirty_coupons: set[str] = set()
        self.voided: list[tuple[str, str]] = []
        self.slots = 0
        self.latest: dict[tuple[str, str], int] = {}
        self.applied: dict[str, Applied] = {}
        # trigger limits: (member, promotion) -> (earn, business day), this push included
        self.triggers: dict[tuple[str, str], list[tuple[str, date]]] = {
            key: list(days) for key, days in loaded.triggers.items()
        }
        self.trigger_records: dict[str, TriggerRecorded] = {}
        self.triggers_voided: list[TriggersVoided] = []
        self.returned: dict[str, int] = dict(loaded.returned)
        self.extra: list[object] = []

    def run(self, incoming: Sequence[Incoming]) -> LedgerResult:
        known = self.loaded.known
        answers: list[Answer] = []
        applied = self.applied
        for item in incoming:
            stored = known.get(item.event_id)
            if stored is not None:
                if stored.content_hash == item.content_hash:
                    answers.append(Answer("stored", item, stored=stored))
                else:
                    answers.append(Answer("conflict", item))
                continue
            if item.member_id in self.loaded.merged:
                (item,) = redirected((item,), self.loaded.merged)
            earlier = applied.get(item.event_id)
            if earlier is not None:
                same = earlier.event.content_hash == item.content_hash
                answers.append(Answer("repeat" if same else "conflict", item, earlier.outcome))
                continue
            outcome = self.guarded(item)
            applied[item.event_id] = Applied(item, outcome)
            answers.append(Answer("new", item, outcome))
        terminal, missing = self.watermark(applied.values())
        changed = self.dirty_members | self.new_members
        return LedgerResult(
            answers=tuple(answers),
            applied=tuple(applied.values()),
            members={m: self.members[m] for m in changed},
            new_members=frozenset(self.new_members),
            profile_changed=frozenset(self.profile_changed & self.dirty_members),
            coupons={c: self.coupons[c] for c in self.dirty_coupons},
            voided=tuple(self.voided),
            changes=tuple(
                VersionedChange("member" if entity == "member" else "coupon", key, slot)
                for (entity, key), slot in self.latest.items()
            ),
            slot_count=self.slots,
            terminal=terminal,
            missing_seqs=tuple(missing),
            extra=(*self.trigger_records.values(), *self.triggers_voided, *self.extra),
        )

    # --- the guard around the rules -----------------------------------------------

    def guarded(self, item: Incoming) -> Outcome:
        """The rogue-till checks, then the rules; then count what was moved today."""
        tallied = item.type in push_guard.TALLIED
        # The store's business day (a time-zone conversion) only where a limit counts.
        day = self.loaded.store.business_day(item.occurred_at) if tallied else _NO_DAY
        key = (item.member_id, item.type, day)
        refused = push_guard.refusal(
            item,
            now=self.now,
            limits=self.loaded.limits,
            staff=self.loaded.staff,
            store_code=self.loaded.store.code,
            program=self.program,
            adjusted_today=self.moved.get(key, 0),
        )
        if refused is not None:
            return Outcome("rejected", item.member_id, code=refused.code, detail=refused.message)
        try:
            outcome = self.decide(item)
        except Rejected as refusal:
            return Outcome("rejected", item.member_id, code=refusal.code, detail=refusal.detail)
        if tallied:
            before = self.moved.get(key, 0)
            if isinstance(item.data, PointsRedeemedData) and outcome.status == "accepted":
                here = push_guard.here_key(item.member_id, self.loaded.terminal.id, day)
                flag = self.program.redemption_flag(
                    item.data.points,
                    sale_amount_cents=item.data.sale_amount_cents,
                    offline=bool(item.data.offline),
                    redeemed_today=before,
                    redeemed_here_today=self.moved.get(here, 0),
                    currency=self.loaded.store.currency,
                )
                outcome = replace(outcome, code=flag)
                self.moved[here] = self.moved.get(here, 0) + abs(outcome.points_delta)
            self.moved[key] = before + abs(outcome.points_delta)
        return outcome

    def target(self, event_id: str) -> VoidTarget | None:
        """The event a void names: a stored one, or one of this push (made on demand)."""
        found = self.targets.get(event_id)
        if found is not None:
            return found
        earlier = self.applied.get(event_id)
        if earlier is None:
            return None
        item, outcome = earlier.event, earlier.outcome
        coupon = item.data.coupon_id if isinstance(item.data, CouponRedeemedData) else None
        return VoidTarget(
            event_id=item.event_id,
            type=item.type,
            member_id=outcome.member_id,
            status=outcome.status,
            points_delta=outcome.points_delta,
            lifetime_delta=outcome.lifetime_delta,
            voided_by=None,
            coupon_id=str(coupon) if coupon is not None else None,
            amount_cents=item.data.amount_cents if isinstance(item.data, PointsEarnedData) else 0,
        )

    # --- one case per event type --------------------------------------------------

    def decide(self, item: Incoming) -> Outcome:
        data = item.data
        if isinstance(data, PointsEarnedData):
            return self.earned(item, data)
        if isinstance(data, PointsRedeemedData):
            member = self.member(item.member_id)
            return self.changed(
                member,
                balance=member.balance - data.points,
                points_delta=-data.points,
                overdraft=member.balance - data.points < 0,
            )
        if isinstance(data, PointsAdjustedData):
            member = self.member(item.member_id)
            return self.changed(
                member, balance=member.balance + data.points, points_delta=data.points
            )
        if isinstance(data, MemberEnrolledData):
            return self.enrolled(item, data)
        if isinstance(data, MemberUpdatedData):
            return self.updated(item, data)
        if isinstance(data, CouponRedeemedData):
            return self.coupon_redeemed(item, data)
        if isinstance(data, EventVoidedData):
            return self.voided_event(item, data)
        if isinstance(data, MemberCardReplacedData):
            return self.card_replaced(item, data)
        if isinstance(data, SaleReturnedData):
            return self.sale_returned(item, data)
        raise AssertionError(f"no ledger case for {item.type}")  # pragma: no cover

    def earned(self, item: Incoming, data: PointsEarnedData) -> Outcome:
        member = self.member(item.member_id)
        program = self.loaded.programs.get(data.rule_version)
        if program is None:
            raise Rejected("unknown_rule_version", f"No program rule_version {data.rule_version}.")
        rollouts = self.loaded.rollouts
        if rollouts is not None and not program_schedule.applied_by(
            rollouts, data.rule_version, item.occurred_at
        ):
            raise Rejected(
                "rule_version_not_in_force",
                f"Rule version {data.rule_version} was not in force at store "
                f"{self.loaded.store.code} at {item.occurred_at.isoformat()}.",
            )
        lifetime = member.lifetime_points
        try:
            expected = program.points_for_sale(data.amount_cents, lifetime, data.currency)
        except ValidationFailed as error:
            raise Rejected("points_mismatch", error.message) from None
        if data.promotions:
            return self.promoted_earn(item, data, program, member, expected)
        # A till that had not heard of this member's newer tier yet, or of a void that
        # took a tier back: the claim stands (see LoyaltyProgram.earn_claim_stands), as
        # an offline overdraft does.
        stands = (
            data.points == expected  # the usual claim: at the member's tier
            or program.earn_claim_stands(
                data.amount_cents, data.points, lifetime, currency=data.currency
            )
            or program.earn_claim_stands(
                data.amount_cents,
                data.points,
                lifetime,
                self.voided_lifetime(member.id),
                currency=data.currency,
            )
        )
        if not stands:
            raise Rejected(
                "points_mismatch",
                f"The program at rule_version {data.rule_version} gives {expected} points, "
                f"not {data.points}.",
            )
        return self.changed(
            member,
            balance=member.balance + data.points,
            lifetime_points=lifetime + data.points,
            points_delta=data.points,
            lifetime_delta=data.points,
            at=item.occurred_at,
        )

    def promoted_earn(
        self,
        item: Incoming,
        data: PointsEarnedData,
        program: LoyaltyProgram,
        member: MemberState,
        base: int,
    ) -> Outcome:
        """An earn that names the promotions the till applied: it stands when the till's
        program version could have produced it (``promoted_claim_stands``: at a tier
        the member reached, with those promotions holding for the sale)."""
        claimed = data.promotions or ()
        lifetime = member.lifetime_points
        birthday = member.profile.birthday
        local_time = local_wall_time(item.occurred_at, self.loaded.store.timezone)
        # The server holds the birthday: none on record is no birthday month (0), not an
        # unknown one. The till's other member facts (a first purchase, the days since
        # the member was last seen) may rest on earns the server has not heard of: unknown.
        facts = MemberFacts(birthday_month=birthday.month if birthday else 0)

        def stands_at(voided: int) -> EarnBreakdown | None:
            return program.claimed_breakdown(
                data.amount_cents,
                data.points,
                claimed,
                lifetime,
                voided,
                local_time=local_time,
                store_code=self.loaded.store.code,
                member=facts,
                currency=data.currency,
            )

        made = stands_at(0) or stands_at(self.voided_lifetime(member.id))
        if made is None:
            raise Rejected(
                "points_mismatch",
                f"The program at rule_version {data.rule_version} gives {base} points before "
                f"promotions; {data.points} with {', '.join(claimed)} cannot be right.",
            )
        over = self.count_triggers(item, program, made)
        points = made.without(over).total
        outcome = self.changed(
            member,
            balance=member.balance + points,
            lifetime_points=lifetime + points,
            points_delta=points,
            lifetime_delta=points,
            at=item.occurred_at,
        )
        if not over:
            return outcome
        # Over a trigger limit: accepted (the goods have left) without those promotions'
        # points, and flagged for head office.
        return replace(
            outcome,
            code="promotion_limit",
            detail=f"Over the trigger limit of {', '.join(sorted(over))}: "
            f"{points} points awarded, not {data.points}.",
        )

    def count_triggers(
        self, item: Incoming, program: LoyaltyProgram, made: EarnBreakdown
    ) -> frozenset[str]:
        """The promotions of this earn over their trigger limit (counted across every
        terminal's accepted earns); the others are recorded as received."""
        day = self.loaded.store.business_day(item.occurred_at)
        member_id = item.member_id
        applied = [p for p in program.promotions if p.code in made.codes]
        over = used_up(
            [p for p in applied if p.limit is not None],
            day,
            lambda code: (d for _e, d in self.triggers.get((member_id, code), ())),
        )
        kept = tuple(p.code for p in applied if p.code not in over)
        if kept:
            self.trigger_records[item.event_id] = TriggerRecorded(
                item.event_id, member_id, kept, day
            )
            for code in kept:
                self.triggers.setdefault((member_id, code), []).append((item.event_id, day))
        return over

    def uncount_triggers(self, target: VoidTarget) -> None:
        """A void of an earn: its promotions stop counting (now and in the database)."""
        if target.type != "points.earned":
            return
        for key, used in self.triggers.items():
            if key[0] == target.member_id:
                used[:] = [(e, d) for e, d in used if e != target.event_id]
        if self.trigger_records.pop(target.event_id, None) is None:
            self.triggers_voided.append(TriggersVoided(target.event_id))

    def enrolled(self, item: Incoming, data: MemberEnrolledData) -> Outcome:
        member_id = item.member_id
        if member_id in self.members:
            raise Rejected("member_exists", f"Member {member_id} already exists.")
        try:
            code = validate_member_code(data.member_code)
        except ValidationFailed as error:
            raise Rejected("invalid_member_code", error.message) from None
        if code in self.taken:
            raise Rejected("duplicate_member_code", f"Member code {code} is already in use.")
        e164 = self.phone(data.phone)
        self.taken.add(code)
        self.hold_phone(member_id, "", phone_hash(self.loaded.store.phone_key, e164))
        profile = MemberProfile(
            member_code=code,
            name=data.name,
            phone_e164=e164,
            phone_hash=phone_hash(self.loaded.store.phone_key, e164),
            phone_last4=phone_last4(e164),
            phone_masked=mask_phone(e164),
            # argon2id costs tens of ms: computed after the commit, off the request
            # (services.phone_backfill.PhoneHashWorker), then published as a new version
            phone_slow_hash="",
            email=data.email,
            birthday=data.birthday,
            consent_marketing=data.consent_marketing,
            store_code=self.loaded.store.code,
            enrolled_at=item.occurred_at,
            consent_marketing_at=item.occurred_at,
        )
        member = MemberState(member_id, profile, 0, 0, "", "active", 0, self.now)
        self.new_members.add(member_id)
        return self.changed(member)

    def updated(self, item: Incoming, data: MemberUpdatedData) -> Outcome:
        member = self.member(item.member_id)
        profile = member.profile
        if data.phone is not None:
            e164 = self.phone(data.phone)
            hashed = phone_hash(self.loaded.store.phone_key, e164)
            if self.phones.get(hashed, set()) - {member.id}:
                raise Rejected("phone_in_use", "Another member already has this phone number.")
            self.hold_phone(member.id, profile.phone_hash, hashed)
            profile = replace(
                profile,
                phone_e164=e164,
                phone_hash=hashed,
                phone_last4=phone_last4(e164),
                phone_masked=mask_phone(e164),
                phone_slow_hash="",
            )
        given = {
            name: getattr(data, name)
            for name in ("name", "email", "birthday", "consent_marketing")
            if getattr(data, name) is not None
        }
        if data.consent_marketing is not None:
            # asked again and answered: the answer's time, even when it did not change
            profile = replace(profile, consent_marketing_at=item.occurred_at)
        self.profile_changed.add(member.id)
        return self.changed(replace(member, profile=replace(profile, **given)))

    def card_replaced(self, item: Incoming, data: MemberCardReplacedData) -> Outcome:
        """A lost card: the member keeps everything under a new code; the old one is
        remembered (``previous_codes``) so that every till can say it was replaced."""
        member = self.member(item.member_id)
        try:
            code = validate_member_code(data.member_code)
        except ValidationFailed as error:
            raise Rejected("invalid_member_code", error.message) from None
        if code in self.taken:
            raise Rejected("duplicate_member_code", f"Member code {code} is already in use.")
        profile = member.profile
        self.taken.add(code)
        self.profile_changed.add(member.id)
        history = previous_codes(profile.member_code, profile.previous_codes)
        new_profile = replace(profile, member_code=code, previous_codes=history)
        return self.changed(replace(member, profile=new_profile))

    def coupon_redeemed(self, item: Incoming, data: CouponRedeemedData) -> Outcome:
        """A coupon used once across the chain. A second use that a till accepted while
        offline (``offline``: the goods have left) is accepted without changing the
        coupon and flagged ``coupon_reused`` for head office, like an overdraft; online
        it is refused. A coupon with terms is re-checked with the till's function
        (``shared.domain.coupons.coupon_refusal``): a breach is accepted and flagged
        with the refusal's code."""
        member = self.member(item.member_id)
        coupon_id = str(data.coupon_id)
        coupon = self.coupons.get(coupon_id)
        if (
            coupon is None
            or coupon.member_id != member.id
            or (data.code is not None and coupon.code != data.code)
        ):
            raise Rejected("coupon_unavailable", f"Coupon {coupon_id} cannot be redeemed.")
        if coupon.status == "redeemed" and data.offline:
            return replace(
                self.unchanged(member),
                code="coupon_reused",
                detail=f"Coupon {coupon.code or coupon_id} was already used "
                f"(event {coupon.redeemed_event_id}); this till accepted it again offline.",
            )
        if coupon.status != "available":
            raise Rejected("coupon_unavailable", f"Coupon {coupon_id} cannot be redeemed.")
        flag = None
        if coupon.terms is not None:
            terms = CouponTerms.model_validate_json(coupon.terms)
            sale = data.sale_amount_cents
            refused = coupon_refusal(
                terms,
                sale_cents=sale if sale is not None else terms.min_spend_cents,
                store_code=self.loaded.store.code,
                currency=self.loaded.store.currency,
                now=item.occurred_at,
            )
            flag = refused.code if refused is not None else None
        elif coupon.expires_at is not None and coupon.expires_at <= item.occurred_at:
            raise Rejected("coupon_unavailable", f"Coupon {coupon_id} cannot be redeemed.")
        self.coupon_changed(replace(coupon, status="redeemed", redeemed_event_id=item.event_id))
        outcome = self.unchanged(member)
        if flag is None:
            return outcome
        return replace(outcome, code=flag, detail=f"Coupon {coupon_id} broke its terms: {flag}.")

    def voided_event(self, item: Incoming, data: EventVoidedData) -> Outcome:
        target_id = str(data.voided_event_id)
        target = self.target(target_id)
        if target is None or target.status != "accepted" or target.member_id != item.member_id:
            raise Rejected("unknown_event", f"No accepted event {target_id} of this member.")
        if target.type not in VOIDABLE_TYPES:
            raise Rejected("not_voidable", f"A {target.type} event cannot be voided.")
        if target.voided_by is not None:
            raise Rejected("already_voided", f"Event {target_id} is already voided.")
        if self.returned.get(target_id, 0) > 0:  # its sale came back in part: returns rule
            raise Rejected("not_voidable", f"Part of the sale of {target_id} was returned.")
        member = self.member(item.member_id)
        if target.coupon_id is not None:
            coupon = self.coupons.get(target.coupon_id)
            # a flagged second use gives nothing back: the first use still holds it
            if coupon is not None and coupon.redeemed_event_id == target.event_id:
                self.coupon_changed(replace(coupon, status="available", redeemed_event_id=None))
        self.targets[target_id] = replace(target, voided_by=item.event_id)
        self.uncount_triggers(target)
        self.voided.append((target_id, item.event_id))
        return self.changed(
            member,
            balance=member.balance - target.points_delta,
            lifetime_points=member.lifetime_points - target.lifetime_delta,
            points_delta=-target.points_delta,
            lifetime_delta=-target.lifetime_delta,
            at=item.occurred_at,
        )

    def sale_returned(self, item: Incoming, data: SaleReturnedData) -> Outcome:
        """All or part of a sale back (shared.domain.returns), whichever terminal sold
        it: never more than what is left of it after every return the server holds; the
        rest is accepted as nothing and flagged ``return_over_sale`` for head office."""
        member = self.member(item.member_id)
        key = str(data.sale_event_id)
        sale = self.sale_part(key, member.id, ("points.earned", "points.redeemed"))
        if self.is_voided(sale):
            raise Rejected("sale_voided", f"Sale {data.sale_ref} was voided.")
        redeemed_part = sale if sale.type == "points.redeemed" else None
        if data.redeemed_event_id is not None and redeemed_part is None:
            redeemed_part = self.sale_part(
                str(data.redeemed_event_id), member.id, ("points.redeemed",)
            )
        coupon = None
        if data.coupon_event_id is not None:
            part = self.sale_part(str(data.coupon_event_id), member.id, ("coupon.redeemed",))
            found = self.coupons.get(part.coupon_id or "")
            if found is not None and found.redeemed_event_id == part.event_id:
                coupon = found
        amount = sale.amount_cents or (redeemed_part.amount_cents if redeemed_part else 0)
        if amount <= 0:
            raise Rejected("unknown_sale", f"The amount of sale {data.sale_ref} is unknown.")
        redeemed = 0
        if redeemed_part is not None and not self.is_voided(redeemed_part):
            redeemed = redeemed_part.points
        earned = sale.points if sale.type == "points.earned" else 0
        before = self.returned.get(key, 0)
        effect = return_effect(
            SaleFigures(amount, earned, redeemed, before),
            data.amount_cents,
            has_coupon=coupon is not None and coupon.status == "redeemed",
            coupon_expires_at=coupon.expires_at if coupon is not None else None,
            at=item.occurred_at,
        )
        self.returned[key] = before + effect.accepted_cents
        redeemed_key = None
        if redeemed_part is not None and redeemed_part.event_id != key:
            redeemed_key = redeemed_part.event_id
            self.returned[redeemed_key] = self.returned.get(redeemed_key, 0) + effect.accepted_cents
        if effect.restore_coupon and coupon is not None:
            self.coupon_changed(replace(coupon, status="available", redeemed_event_id=None))
        self.extra.append(
            sale_returns.SaleReturnRecord(
                event_id=item.event_id,
                sale_event_id=key,
                redeemed_event_id=redeemed_key,
                member_id=member.id,
                terminal_id=self.loaded.terminal.id,
                accepted_cents=effect.accepted_cents,
                excess_cents=effect.excess_cents,
                points_taken=effect.points_taken,
                points_given=effect.points_given,
                coupon_restored=effect.restore_coupon,
                occurred_at=item.occurred_at,
            )
        )
        balance = member.balance + effect.balance_delta
        outcome = self.changed(
            member,
            balance=balance,
            lifetime_points=member.lifetime_points + effect.lifetime_delta,
            points_delta=effect.balance_delta,
            lifetime_delta=effect.lifetime_delta,
            overdraft=balance < 0 and effect.balance_delta < 0,
            at=item.occurred_at,
        )
        return replace(outcome, code="return_over_sale") if effect.excess_cents else outcome

    def sale_part(
        self, event_id: str, member_id: str, types: tuple[str, ...]
    ) -> sale_returns.SaleEvent:
        """An accepted event of this member's sale: a stored one, or one of this push."""
        found = self.loaded.sales.get(event_id)
        if found is None:
            earlier = self.applied.get(event_id)
            if earlier is not None:
                amount, points, coupon = sale_returns.figures(earlier.event.data)
                found = sale_returns.SaleEvent(
                    event_id=event_id,
                    type=earlier.event.type,
                    member_id=earlier.outcome.member_id,
                    status=earlier.outcome.status,
                    voided_by=None,
                    amount_cents=amount,
                    points=points,
                    coupon_id=coupon,
                )
        if (
            found is None
            or found.status != "accepted"
            or found.member_id != member_id
            or found.type not in types
        ):
            raise Rejected("unknown_sale", f"No accepted sale event {event_id} of this member.")
        return found

    def is_voided(self, part: sale_returns.SaleEvent) -> bool:
        """Voided before this push, or by a void earlier in it."""
        target = self.targets.get(part.event_id)
        return part.voided_by is not None or (target is not None and target.voided_by is not None)

    # --- helpers ------------------------------------------------------------------

    def member(self, member_id: str) -> MemberState:
        member = self.members.get(member_id)
        if member is None or member.status != "active":
            raise Rejected("unknown_member", f"No member with id {member_id}.")
        return member

    def touch(self, entity: str, entity_id: str) -> int:
        slot = self.slots
        self.slots += 1
        self.latest[(entity, entity_id)] = slot
        return slot

    def changed(
        self,
        member: MemberState,
        *,
        balance: int | None = None,
        lifetime_points: int | None = None,
        points_delta: int = 0,
        lifetime_delta: int = 0,
        overdraft: bool = False,
        at: datetime | None = None,
    ) -> Outcome:
        """The member after an accepted event that changed it: a new state and slot.
        ``at``: when the event happened, the month its ``lifetime_delta`` counts in
        toward a tier qualified by period (``shared.domain.tier_rules``)."""
        balance = member.balance if balance is None else balance
        lifetime = member.lifetime_points if lifetime_points is None else lifetime_points
        tier, tier_points, tier_until = member_tier(
            self.program, member.tier_points, lifetime, lifetime_delta, at, self.now
        )
        new = MemberState(
            member.id,
            member.profile,
            balance,
            lifetime,
            tier,
            member.status,
            member.version,
            self.now,
            tier_points,
            tier_until,
        )
        self.members[member.id] = new
        if member.id not in self.new_members:
            self.dirty_members.add(member.id)
        return Outcome(
            "accepted",
            member.id,
            balance=balance,
            slot=self.touch("member", member.id),
            overdraft=overdraft,
            points_delta=points_delta,
            lifetime_delta=lifetime_delta,
            lifetime_points=lifetime,
            tier_moved=(member.tier, tier) if member.tier and member.tier != tier else None,
        )

    def unchanged(self, member: MemberState) -> Outcome:
        slot = self.latest.get(("member", member.id))
        return Outcome(
            "accepted",
            member.id,
            balance=member.balance,
            slot=slot,
            version=None if slot is not None else member.version,
            lifetime_points=member.lifetime_points,
        )

    def coupon_changed(self, coupon: CouponState) -> None:
        self.coupons[coupon.id] = coupon
        self.dirty_coupons.add(coupon.id)
        self.touch("coupon", coupon.id)

    def voided_lifetime(self, member_id: str) -> int:
        """Lifetime points taken back by voids: before this push, and in it."""
        before = self.loaded.voided_lifetime.get(member_id)
        if before is None:
            raise MissingFact(f"voided lifetime of {member_id} was not loaded")
        in_push = sum(
            self.targets[target].lifetime_delta
            for target, _by in self.voided
            if self.targets[target].member_id == member_id
        )
        return before + in_push

    def hold_phone(self, member_id: str, old: str, new: str) -> None:
        """A member moves from one phone hash to another within this push."""
        self.phones.get(old, set()).discard(member_id)
        self.phones.setdefault(new, set()).add(member_id)

    def phone(self, raw: str) -> str:
        try:
            return normalize_phone(raw, self.loaded.store.phone_region)
        except ValidationFailed as error:
            raise Rejected("invalid_phone", error.message) from None

    # --- the watermark --------------------------------------------------------------

    def watermark(self, applied: Iterable[Applied]) -> tuple[TerminalState, list[int]]:
        terminal = self.loaded.terminal
        fresh = {a.event.seq for a in applied}
        window = self.loaded.limits.seq_window
        max_seq = max([min(terminal.max_seq, terminal.watermark + window), *fresh])
        watermark = terminal.watermark
        missing: list[int] = []
        gap = watermark_gap(terminal, fresh, window)
        if gap is None:
            watermark = max(watermark, max_seq)
        else:
            held = self.loaded.held_seqs | fresh
            while watermark + 1 in held:
                watermark += 1
            missing = push_guard.first_missing(watermark, max_seq, held, MAX_GAPS_REPORTED)
        return replace(terminal, watermark=watermark, max_seq=max_seq), missing


def member_tier(
    program: LoyaltyProgram,
    tier_points: str,
    lifetime: int,
    lifetime_delta: int,
    at: datetime | None,
    now: datetime,
) -> tuple[str, str, date | None]:
    """A member's tier, monthly totals (``tier_points``) and last day kept after an
    event that moved its lifetime points by ``lifetime_delta`` at ``at``: by lifetime
    points for a lifetime program, else ``shared.domain.tier_rules`` on ``now``'s day."""
    rules = program.rules_for_tiers
    if not rules.by_period:
        return program.tier_for(lifetime).code, "", None
    today = utc_day(now)
    totals = parse_totals(tier_points)
    if lifetime_delta and at is not None:
        totals = add_points(totals, at, lifetime_delta)
    totals = pruned(rules, totals, today)
    tier, standing = program.standing(totals, today)
    return tier.code, format_totals(totals), standing.kept_until
