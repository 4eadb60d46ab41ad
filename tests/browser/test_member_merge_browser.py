"""Merging two members in the console, in Chromium, in English and Simplified Chinese
(issue 17): a support account asks to merge B into A from A's page, reads the
confirmation (both members' balances, what moves, A afterwards) at a phone's width,
confirms with a reason, and lands on A's page with the merge noted; B's page then leads
to A. Merging a member into itself is refused in the page's language. With
``CONSOLE_SCREENSHOTS=DIR`` the confirmation is saved there in both languages."""

from __future__ import annotations

import os
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from sync_server.models import AuditEntry, Member
from sync_server.services.accounts import AccountService
from tests.browser.test_console_layout import _LAYOUT, _WORDS, english_words
from tests.contract.conftest import HeadOffice

pytestmark = pytest.mark.slow
PASSWORD = "browser merge password"
ACCOUNTS = {"en": "support-en", "zh_CN": "support-zh"}
WORDS = {
    "en": ("What will move", "was merged into this member", "cannot be merged into itself"),
    "zh_CN": ("将转移的内容", "已合并到此会员", "不能合并到自己"),
}


def _members(head_office: HeadOffice, count: int) -> list[tuple[str, int]]:
    """(code, balance) of seeded active members with points."""
    with head_office.database.read() as session:
        rows = session.execute(
            select(Member.member_code, Member.balance)
            .where(Member.status == "active", Member.balance > 0)
            .order_by(Member.member_code)
            .limit(count)
        ).all()
    return [(str(code), int(balance)) for code, balance in rows]


def _balance(head_office: HeadOffice, code: str) -> int:
    with head_office.database.read() as session:
        return int(session.scalars(select(Member.balance).where(Member.member_code == code)).one())


def test_a_merge_is_confirmed_in_each_language(browser: Any, head_office: HeadOffice) -> None:
    accounts = AccountService(
        head_office.database, hasher=PasswordHasher(time_cost=1, memory_cost=64)
    )
    for language, name in ACCOUNTS.items():
        accounts.add(name, "support", PASSWORD, language=language)
    pairs = _members(head_office, 4)
    base = head_office.server.url
    for (language, name), ((a_code, a_balance), (b_code, b_balance)) in zip(
        ACCOUNTS.items(), (pairs[0:2], pairs[2:4]), strict=True
    ):
        moves, merged_note, refusal = WORDS[language]
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, locale=language.replace("_", "-")
        )
        page = context.new_page()
        page.goto(base + "/console/login")
        page.fill("input[name=name]", name)
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(base + "/console/")

        page.goto(f"{base}/console/members/{a_code}")
        page.fill("#merge-form input[name=other]", b_code)
        page.click("#merge-form button[type=submit]")
        page.wait_for_url(f"{base}/console/members/{a_code}/merge?other={b_code}")
        assert moves in page.inner_text("main")
        rows = page.locator("#merge-members tbody tr")
        assert rows.count() == 2
        assert a_code in rows.nth(0).inner_text()
        assert b_code in rows.nth(1).inner_text()
        assert f"{a_balance:,}" in rows.nth(0).inner_text()
        assert f"{b_balance:,}" in rows.nth(1).inner_text()
        assert f"{a_balance + b_balance:,}" in page.inner_text("#merge-after")
        assert page.evaluate(_LAYOUT) == []  # nothing cut off on a phone
        shots = os.environ.get("CONSOLE_SCREENSHOTS")
        if shots:  # docs/screenshots/console/
            page.screenshot(path=f"{shots}/member_merge-{language}-phone.png", full_page=True)
        if language == "zh_CN":
            assert english_words(page.evaluate(_WORDS)) == set()
        assert _balance(head_office, b_code) == b_balance  # nothing moved yet

        page.fill("#merge-confirm input[name=reason]", "one customer, two cards")
        page.click("#merge-confirm button[type=submit]")
        page.wait_for_url(f"{base}/console/members/{a_code}?merged={b_code}")
        assert merged_note in page.inner_text("#merged-notice")
        assert (_balance(head_office, a_code), _balance(head_office, b_code)) == (
            a_balance + b_balance,
            0,
        )
        page.goto(f"{base}/console/members/{b_code}")  # the old code leads to the survivor
        page.wait_for_url(f"{base}/console/members/{a_code}?merged={b_code}")

        page.goto(f"{base}/console/members/{a_code}/merge?other={a_code}")
        assert refusal in page.inner_text("main")
        context.close()

    with head_office.database.read() as session:
        audits = session.scalars(
            select(AuditEntry.actor).where(AuditEntry.action == "member.merge")
        ).all()
    assert sorted(audits) == sorted(ACCOUNTS.values())
