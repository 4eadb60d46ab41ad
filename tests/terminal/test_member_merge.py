"""A member merge as a till's replica receives it (issue 17): the merged member's
``delete`` carrying ``merged_into``, and the survivor's ``merged_codes``. A scan of the
old card then shows the survivor, noting the merge; this till's own events for the
merged member count for the survivor."""

from __future__ import annotations

import pytest

from shared.domain.member_code import mint_member_code
from shared.errors import DomainError
from tests.terminal.conftest import Till


def _upsert(till: Till, member_id: str, version: int, **extra: object) -> dict[str, object]:
    view = till.services.lookup.member(member_id)
    data: dict[str, object] = {
        "member_id": member_id,
        "member_code": view.member_code,
        "display_name": view.display_name,
        "phone_last4": view.phone_masked[-4:],
        "phone_hash": "",
        "tier": view.tier,
        "balance": view.server_balance,
        "lifetime_points": view.lifetime_points,
        "status": "active",
        **extra,
    }
    return {"entity": "member", "op": "upsert", "id": member_id, "version": version, "data": data}


def test_the_merged_members_delete_repoints_its_card_and_this_tills_events(till: Till) -> None:
    survivor, merged = till.seed.members[0], till.seed.members[1]
    a = till.services.lookup.member(survivor.member_id)
    b = till.services.lookup.member(merged.member_id)
    till.services.sales.earn(till.cashier(), b.member_id, amount_cents=10_000, sale_ref="T-9")
    pending = till.services.lookup.member(b.member_id).pending_points
    assert pending > 0

    # the push answer for an earn against B may have given B a high version: still applied
    till.sync.apply_changes(
        [
            {
                "entity": "member",
                "op": "delete",
                "id": b.member_id,
                "version": 1,
                "data": {"merged_into": a.member_id},
            },
            _upsert(
                till,
                a.member_id,
                10**6,
                balance=a.server_balance + b.server_balance,
                merged_codes=[b.member_code],
            ),
        ]
    )
    seen = till.services.lookup.by_code(b.member_code)
    assert (seen.member_id, seen.member_code, seen.merged_code) == (
        a.member_id,
        a.member_code,
        b.member_code,
    )
    assert seen.server_balance == a.server_balance + b.server_balance
    assert seen.pending_points == pending  # B's unsent earn now counts for A
    assert [e.sale_ref for e in till.services.lookup.history(a.member_id)] == ["T-9"]
    with pytest.raises(DomainError) as gone:
        till.services.lookup.member(b.member_id)
    assert gone.value.code == "unknown_member"
    assert till.services.lookup.by_code(a.member_code).merged_code is None


def test_a_till_that_never_held_the_merged_member_learns_its_code_from_the_survivor(
    till: Till,
) -> None:
    survivor = till.seed.members[2]
    old = mint_member_code("900000", 42)  # a card this till never saw
    with pytest.raises(DomainError) as unknown:
        till.services.lookup.by_code(old)
    assert unknown.value.code == "unknown_member"
    till.sync.apply_changes([_upsert(till, survivor.member_id, 10**6, merged_codes=[old])])
    seen = till.services.lookup.by_scan(f"MBR:{old}")
    assert (seen.member_id, seen.merged_code) == (survivor.member_id, old)
