"""A head-office user in a real browser: signs in, finds the mismatch this test made on
the reconciliation board, drills down to the events, erases a member, and the member
vanishes from a paired terminal's replica at its next sync."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from shared.errors import DomainError
from sync_server.services.accounts import AccountService
from terminal.services.day_close import DayCloseService
from tests.contract.conftest import HeadOffice
from tests.contract.support import a_member

pytestmark = pytest.mark.slow
PASSWORD = "browser test password"


def test_sign_in_mismatch_drill_down_and_erasure_reaches_the_terminal(
    browser, make_till, head_office: HeadOffice
) -> None:
    AccountService(head_office.database, hasher=PasswordHasher(time_cost=1, memory_cost=64)).add(
        "hq-admin", "admin", PASSWORD
    )
    till = make_till("Till 1")
    code = a_member(till)
    member_id = till.services.lookup.by_code(code).member_id
    till.services.sales.earn(till.cashier, member_id, amount_cents=12_000, sale_ref="B-1")
    till.sync.sync_once()
    # A day close whose totals disagree with what the server holds: a mismatch.
    days = DayCloseService(till.replica, till.sync.settings, till.sync.day_close_client)
    claimed = days.preview()
    tampered = claimed.model_copy(update={"points_earned": claimed.points_earned + 7})
    with till.sync.day_close_client() as client:
        assert client.day_close(tampered).status == "mismatch"
    day = claimed.business_date.isoformat()

    base = head_office.server.url
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    page.goto(base + "/console/board")
    assert page.url.endswith("/console/login")
    page.fill("input[name=name]", "hq-admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/console/")

    page.goto(base + "/console/board")
    cell = page.locator("td.s-mismatch a")
    assert cell.count() == 1
    assert cell.inner_text() == "mismatch"
    cell.click()
    page.wait_for_url(f"{base}/console/board/{till.sync.status().terminal_id}/{day}")
    assert page.inner_text("#day-status") == "mismatch"
    assert "totals differ: points earned" in page.inner_text("ul.reasons")
    assert page.locator("table tbody tr").count() == 1
    assert "points earned" in page.inner_text("table tbody")

    page.click(f"text={code}")
    page.wait_for_url(f"{base}/console/members/{code}")
    page.fill("#erase-form input[name=reason]", "member asked for erasure")
    page.fill("#erase-form input[name=confirm_code]", code)
    page.click("#erase-form button[type=submit]")
    page.wait_for_url(f"{base}/console/members?erased={code}")
    assert "was erased" in page.inner_text("main")

    assert till.services.lookup.by_code(code).member_code == code  # until it syncs
    till.sync.sync_once()
    with pytest.raises(DomainError):
        till.services.lookup.by_code(code)

    page.goto(base + "/console/audit")
    assert "member asked for erasure" in page.inner_text("table")
    page.close()
