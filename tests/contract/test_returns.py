"""Returns across tills through a real server (SQLite and PostgreSQL): an online till
finds another till's sale by its receipt number and returns part of it; the selling till,
offline, returns more of it than is left; once both have synced the server has returned
exactly the sale, flagged the rest, and both tills show the same balance."""

from __future__ import annotations

import pytest

from shared.errors import DomainError
from tests.contract.conftest import DEAD_URL, MANAGER, HeadOffice
from tests.contract.support import a_member, server_balance

pytestmark = pytest.mark.slow


def test_returns_of_one_sale_from_two_tills_never_exceed_it(
    make_till, head_office: HeadOffice
) -> None:
    a, b = make_till("Till A"), make_till("Till B")
    enrolled = a.services.enrollment.enroll(
        a.cashier, name="退货 Test", phone="13700002222", consent_marketing=True
    )
    member_id, code = enrolled.member.member_id, enrolled.member.member_code
    a.services.sales.earn(a.cashier, member_id, amount_cents=300_000, sale_ref="E-0")
    earned = a.services.sales.earn(a.cashier, member_id, amount_cents=40_000, sale_ref="R-9")
    a.services.sales.redeem(
        a.cashier, member_id, points=200, sale_amount_cents=40_000, sale_ref="R-9"
    )
    a.sync.sync_once()
    b.sync.sync_once()
    start = server_balance(b, code)
    assert start == 3_000 + earned.points_delta - 200

    # Till B knows the sale only through the server.
    search = b.services.returns.find("R-9")
    assert search.online
    (sale,) = search.sales
    assert (sale.here, sale.member_id, sale.amount_cents) == (False, member_id, 40_000)
    b.services.returns.return_sale(b.cashier, sale, amount_cents=20_000)

    # Till A, offline, returns 30,000 of its own sale: it does not know of B's return.
    a.point_at(DEAD_URL)
    with pytest.raises(DomainError):
        a.sync.sync_once()
    (own,) = a.services.returns.find("R-9").sales
    assert (own.here, own.returned_cents) == (True, 0)
    a.services.returns.return_sale(a.cashier, own, amount_cents=30_000)
    a.point_at(head_office.server.url)

    b.sync.sync_once()
    a.sync.sync_once()
    b.sync.sync_once()
    # all of the sale came back, no more: everything it moved is undone
    assert server_balance(a, code) == start - earned.points_delta + 200 == server_balance(b, code)
    (after,) = b.services.returns.find("R-9").sales
    assert after.returned_cents == 40_000
    with pytest.raises(DomainError) as err:
        b.services.returns.return_sale(b.cashier, after, amount_cents=1)
    assert err.value.code == "return_too_large"


def test_the_store_report_of_a_till_adds_up_every_till_of_its_store(
    make_till, head_office: HeadOffice
) -> None:
    a, b = make_till("Till A"), make_till("Till B")
    for till, amount in ((a, 10_000), (b, 25_000)):
        member_id = till.services.lookup.by_code(a_member(till)).member_id
        till.services.sales.earn(till.cashier, member_id, amount_cents=amount, sale_ref="S-1")
        till.sync.sync_once()
    manager = a.services.staff.approve(*MANAGER)
    today = a.services.reports.today()
    report = a.services.store_report.store_figures(manager, today, today)
    assert report is not None
    assert report.total.member_sales_cents >= 35_000  # both tills (and the seed's, if today)
    own = a.services.reports.summary(manager, today, today)
    assert own.member_sales_cents == 10_000  # the till's own report stays its own
    a.point_at(DEAD_URL)
    with pytest.raises(DomainError):
        a.sync.sync_once()
    assert a.services.store_report.store_figures(manager, today, today) is None
