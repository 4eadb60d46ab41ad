"""Issue 17, member merge, end to end: two real tills and a real server process (SQLite
and PostgreSQL). Head office merges member B into member A while one till, offline,
earns against B; once it syncs, the earn is A's (once), its replica re-points B's card to
A, and a scan of B's card at either till shows A with the merge noted."""

from __future__ import annotations

import pytest

from sync_server.models import Member
from sync_server.services.accounts import Principal
from sync_server.services.member_merge import MemberMergeService
from tests.contract.conftest import DEAD_URL, HeadOffice

pytestmark = pytest.mark.slow

SUPPORT = Principal("s", "support-1", "support", "", "")


def test_a_merge_reaches_every_till_and_an_offline_earn_against_the_old_card_counts_once(
    make_till, head_office: HeadOffice
) -> None:
    one, two = make_till("Till 1"), make_till("Till 2")
    enrol = one.services.enrollment.enroll
    a = enrol(one.cashier, name="Li Na", phone="13700004441", consent_marketing=False).member
    b = enrol(one.cashier, name="Li Na", phone="13700004442", consent_marketing=False).member
    one.services.sales.earn(one.cashier, a.member_id, amount_cents=40_000, sale_ref="M-1")
    one.services.sales.earn(one.cashier, b.member_id, amount_cents=30_000, sale_ref="M-2")
    one.sync.sync_once()
    two.sync.sync_once()
    assert two.balance(b.member_code) == 300

    # till 2 loses the network and earns against B's card; head office merges meanwhile
    two.point_at(DEAD_URL)
    two.services.sales.earn(two.cashier, b.member_id, amount_cents=5_000, sale_ref="M-3")
    merged = MemberMergeService(head_office.database).merge(
        SUPPORT, a.member_code, b.member_code, "one customer, two cards"
    )
    assert (merged.balance, merged.lifetime_points) == (700, 700)

    # till 1 pulls the merge: B's card answers with A, noting the merge
    one.sync.sync_once()
    seen = one.services.lookup.by_code(b.member_code)
    assert (seen.member_id, seen.member_code, seen.merged_code) == (
        a.member_id,
        a.member_code,
        b.member_code,
    )
    assert seen.balance == 700
    assert one.services.lookup.by_code(a.member_code).merged_code is None

    # till 2 comes back: its offline earn against B is A's, exactly once
    two.point_at(head_office.server.url)
    two.sync.sync_once()
    two.sync.sync_once()  # a second round changes nothing
    scanned = two.services.lookup.by_code(b.member_code)
    assert (scanned.member_id, scanned.merged_code) == (a.member_id, b.member_code)
    assert (scanned.balance, scanned.pending_points) == (750, 0)
    with head_office.database.read() as session:
        survivor = session.get(Member, a.member_id)
        assert survivor is not None
        assert (survivor.balance, survivor.lifetime_points) == (750, 750)
    one.sync.sync_once()
    assert one.balance(b.member_code) == 750
    # B's own id is gone from both replicas; its history here is A's
    assert [m.member_id for m in one.services.lookup.by_name("li na").items] == [a.member_id]
    assert any(e.sale_ref == "M-3" for e in two.services.lookup.history(a.member_id))
