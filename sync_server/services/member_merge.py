"""Merging two members at head office (issue 17): member B into member A.

One transaction moves everything B has to A: the points balance and lifetime points
(A's tier is then recomputed with the program's own rule: lifetime points, or both
members' monthly totals under tier rules by period, ``ledger.member_tier``),
the history (ledger rows, promotion triggers, sale returns, partner external ids) and
the coupons. B stays as a row with ``status = 'merged'`` and ``merged_into = A``: its
code is never given again, and every look-up by it (the console, the partner API, a
till's push) finds A. A keeps B's code and B's earlier codes in ``merged_codes``.

Every till hears of it through the change log: B arrives as a ``delete`` whose data is
``{"merged_into": A}`` (the till re-points B's code and its own unsent events to A), the
moved coupons as upserts, and A as an upsert carrying ``merged_codes`` (what a till that
never held B learns B's code from). An earn a till recorded offline against B and
pushes after the merge is credited to A by the push path (``ledger.redirected``),
once: the event id stays the key.

Merging the same pair again is answered with the first merge's result and changes
nothing (a form sent twice, a retry after a lost answer). The merge is audited and
sent to webhooks and the broker as ``member.merged``, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from shared.domain.program import LoyaltyProgram
from shared.errors import NotFound, ValidationFailed
from sync_server.db import Database
from sync_server.errors import Conflict
from sync_server.models import Coupon, Member
from sync_server.repositories import accounts as audit_repo
from sync_server.repositories import catalog
from sync_server.repositories import member_merge as repo
from sync_server.repositories import members as members_repo
from sync_server.services.accounts import Principal
from sync_server.services.common import EventSink, coupon_data, dumps, member_data, utcnow
from sync_server.services.dashboard_rollup import DayFigures, write_figures
from sync_server.services.ledger import member_tier
from sync_server.services.versioning import ChangeBatch

MAX_MERGED_CODES = 200  # codes a survivor keeps (every one a till retires to it)


@dataclass(frozen=True)
class MergeSide:
    member_id: str
    member_code: str
    name: str
    tier: str
    balance: int
    lifetime_points: int
    store_code: str | None


@dataclass(frozen=True)
class MergePreview:
    """What the confirmation shows: both members, what moves, and A afterwards."""

    survivor: MergeSide
    merged: MergeSide
    history_rows: int
    coupons: int
    available_coupons: int
    balance_after: int
    lifetime_after: int
    tier_after: str
    codes_moving: tuple[str, ...]


@dataclass(frozen=True)
class MergeResult:
    survivor_id: str
    survivor_code: str
    merged_id: str
    merged_code: str
    balance: int
    lifetime_points: int
    tier: str
    already: bool  # the same merge was done before: nothing changed now


def _side(member: Member) -> MergeSide:
    return MergeSide(
        member.id,
        member.member_code,
        member.name,
        member.tier,
        int(member.balance),
        int(member.lifetime_points),
        member.store_code,
    )


def _codes(text: str | None) -> list[str]:
    return (text or "").split()


class MemberMergeService:
    def __init__(self, database: Database, events: EventSink | None = None) -> None:
        self.database = database
        self.events = events  # member.merged for webhooks and the broker

    # --- the confirmation -------------------------------------------------------------

    def survivor_code(self, who: Principal, member_code: str) -> str | None:
        """The code of the member that absorbed ``member_code``'s member, if it was merged."""
        who.require("view_members")
        with self.database.read() as session:
            found = members_repo.get_by_code(session, member_code.strip())
            survivor = members_repo.survivor(session, found)
            if found is None or survivor is None or survivor.id == found.id:
                return None
            return survivor.member_code

    def preview(self, who: Principal, survivor_code: str, merged_code: str) -> MergePreview:
        who.require("merge_members")
        with self.database.read() as session:
            survivor, merged = self._pair(session, survivor_code, merged_code)
            if merged.status == "merged":
                raise Conflict(
                    f"Member {merged.member_code} is already merged.", code="member_merged"
                )
            program = self._program(session)
            lifetime = int(survivor.lifetime_points) + int(merged.lifetime_points)
            return MergePreview(
                survivor=_side(survivor),
                merged=_side(merged),
                history_rows=repo.history_count(session, merged.id),
                coupons=len(repo.coupon_ids(session, merged.id)),
                available_coupons=len(repo.coupon_ids(session, merged.id, available_only=True)),
                balance_after=int(survivor.balance) + int(merged.balance),
                lifetime_after=lifetime,
                tier_after=member_tier(
                    program,
                    f"{survivor.tier_points or ''} {merged.tier_points or ''}",
                    lifetime,
                    0,
                    None,
                    utcnow(),
                )[0],
                codes_moving=tuple(self._moving_codes(merged)),
            )

    # --- the merge ----------------------------------------------------------------------

    def merge(
        self, who: Principal, survivor_code: str, merged_code: str, reason: str
    ) -> MergeResult:
        who.require("merge_members")
        why = " ".join(reason.split())
        if len(why) < 4:
            raise ValidationFailed(
                "Say why these members are merged (at least 4 characters).",
                code="merge_reason_required",
            )
        now = utcnow()
        with self.database.write() as session:
            survivor, merged = self._pair(session, survivor_code, merged_code)
            rows = members_repo.lock_many(session, sorted({survivor.id, merged.id}))
            a, b = rows[survivor.id], rows[merged.id]
            if b["status"] == "merged":
                if b["merged_into"] == a["id"]:  # this merge, again: its result, no change
                    return self._result(a, b, already=True)
                raise Conflict(
                    f"Member {b['member_code']} is already merged.", code="member_merged"
                )
            program = self._program(session)
            moved_balance, moved_lifetime = int(b["balance"]), int(b["lifetime_points"])
            tier_before_a, tier_before_b = a["tier"], b["tier"]
            a["balance"] = int(a["balance"]) + moved_balance
            a["lifetime_points"] = int(a["lifetime_points"]) + moved_lifetime
            # both members' points count toward A's tier: by lifetime, or (tier rules by
            # period) both members' monthly totals added together
            a["tier"], a["tier_points"], a["tier_until"] = member_tier(
                program,
                f"{a['tier_points'] or ''} {b['tier_points'] or ''}",
                a["lifetime_points"],
                0,
                None,
                now,
            )
            moving = self._moving_codes_of(b)
            a["merged_codes"] = " ".join(
                [*moving, *(c for c in _codes(a["merged_codes"]) if c not in moving)][
                    :MAX_MERGED_CODES
                ]
            )
            a["updated_at"] = now
            b.update(
                balance=0,
                lifetime_points=0,
                tier_points="",
                tier_until=None,
                status="merged",
                merged_into=a["id"],
                merged_codes="",
                updated_at=now,
                # its phone is free for the survivor (a phone finds one member only)
                phone_e164=None,
                phone_hash="",
                phone_last4="",
                phone_masked="",
                phone_slow_hash="",
            )
            repo.move_history(session, b["id"], a["id"])
            repo.repoint_merged(session, b["id"], a["id"])
            coupons = repo.coupon_ids(session, b["id"])

            changes = ChangeBatch()
            b_slot = changes.touch(
                "member", b["id"], op="delete", delete_data={"merged_into": a["id"]}
            )
            coupon_slots = {c: changes.touch("coupon", c) for c in coupons}
            a_slot = changes.touch("member", a["id"])  # last: after B's codes are free
            moved_rows: dict[str, dict[str, Any]] = {}
            for coupon_id in coupons:
                found = repo.coupon_row(session, coupon_id)
                assert found is not None
                moved_rows[coupon_id] = {**coupon_row_of(found), "member_id": a["id"]}

            def data_of(entity: str, entity_id: str) -> dict[str, Any] | None:
                if entity == "coupon":
                    return coupon_data(moved_rows[entity_id])
                return member_data(a)

            base = changes.write(session, data_of, now)
            a["version"] = base + a_slot
            b["version"] = base + b_slot
            members_repo.update_many(session, [a, b])
            for coupon_id, slot in coupon_slots.items():
                repo.move_coupon(session, coupon_id, a["id"], base + slot)
            write_figures(
                session,
                _figures(a, b, now.date(), tier_before_a, tier_before_b, moved_balance),
            )
            audit_repo.add_audit(
                session,
                now,
                who.name,
                "member.merge",
                a["member_code"],
                why[:500],
                dumps(
                    {
                        "merged_member_id": b["id"],
                        "merged_member_code": b["member_code"],
                        "points": moved_balance,
                        "lifetime_points": moved_lifetime,
                        "coupons": len(coupons),
                    }
                ),
            )
            if self.events is not None:
                self.events(
                    session,
                    "member.merged",
                    a["id"],
                    f"msg_merge_{b['id']}",
                    {
                        "member_id": a["id"],
                        "member_code": a["member_code"],
                        "merged_member_id": b["id"],
                        "merged_member_code": b["member_code"],
                        "points_moved": moved_balance,
                        "lifetime_points_moved": moved_lifetime,
                        "coupons_moved": len(coupons),
                        "balance": a["balance"],
                        "lifetime_points": a["lifetime_points"],
                        "tier": a["tier"],
                    },
                    now,
                    personal={"name": a["name"], "merged_member_name": b["name"]},
                )
            return self._result(a, b, already=False)

    # --- helpers ------------------------------------------------------------------------

    @staticmethod
    def _result(a: dict[str, Any], b: dict[str, Any], *, already: bool) -> MergeResult:
        return MergeResult(
            survivor_id=a["id"],
            survivor_code=a["member_code"],
            merged_id=b["id"],
            merged_code=b["member_code"],
            balance=int(a["balance"]),
            lifetime_points=int(a["lifetime_points"]),
            tier=a["tier"],
            already=already,
        )

    @staticmethod
    def _moving_codes(member: Member) -> list[str]:
        return MemberMergeService._moving_codes_of(
            {
                "member_code": member.member_code,
                "previous_codes": member.previous_codes,
                "merged_codes": member.merged_codes,
            }
        )

    @staticmethod
    def _moving_codes_of(row: dict[str, Any]) -> list[str]:
        """B's card, the cards B had replaced and the codes merged into B earlier."""
        codes = [row["member_code"], *_codes(row["previous_codes"]), *_codes(row["merged_codes"])]
        return list(dict.fromkeys(codes))

    @staticmethod
    def _program(session: Session) -> LoyaltyProgram:
        row = catalog.get_program(session, catalog.program_version_in_force(session, utcnow()))
        if row is None:
            raise NotFound("No loyalty program is published.", code="no_program")
        return LoyaltyProgram.model_validate_json(row.body)

    @staticmethod
    def _pair(session: Session, survivor_code: str, merged_code: str) -> tuple[Member, Member]:
        a_code, b_code = survivor_code.strip(), merged_code.strip()
        if not b_code:
            raise ValidationFailed(
                "Enter the code of the member to merge into this one.", code="merge_code_required"
            )
        survivor = members_repo.get_by_code(session, a_code)
        merged = members_repo.get_by_code(session, b_code)
        for code, found in ((a_code, survivor), (b_code, merged)):
            if found is None:
                raise NotFound(f"No member {code}.", code="unknown_member")
            if found.status == "erased":
                raise Conflict(f"Member {code} was erased.", code="member_erased")
        assert survivor is not None
        assert merged is not None
        if survivor.status == "merged":
            raise Conflict(
                f"Member {a_code} was merged into another member; merge into that one.",
                code="member_merged",
            )
        if survivor.id == merged.id:
            raise ValidationFailed("A member cannot be merged into itself.", code="merge_same")
        return survivor, merged


def coupon_row_of(coupon: Any) -> dict[str, Any]:
    """Every column of a coupon row (its code and terms too: the moved coupon's change
    must carry all a till keeps of it)."""
    return {column.key: getattr(coupon, column.key) for column in Coupon.__table__.columns}


def _figures(
    a: dict[str, Any],
    b: dict[str, Any],
    day: date,
    tier_before_a: str,
    tier_before_b: str,
    moved_balance: int,
) -> list[DayFigures]:
    """The dashboard's stocks (home stores): B leaves its tier, its balance moves to A's
    store, A may change tier. A member without a home store (minted at head office) has
    no row to change."""
    found: list[DayFigures] = []
    if b["store_code"]:
        found.append(
            DayFigures(
                b["store_code"], day, tier_before_b, tier_members=-1, balance_delta=-moved_balance
            )
        )
    if a["store_code"]:
        found.append(DayFigures(a["store_code"], day, a["tier"], balance_delta=moved_balance))
        if a["tier"] != tier_before_a:
            found.append(DayFigures(a["store_code"], day, tier_before_a, tier_members=-1))
            found.append(DayFigures(a["store_code"], day, a["tier"], tier_members=1))
    return found
