"""The program editor in Chromium, in English and Simplified Chinese, at a desktop's
1280 px and a phone's 390 px: a promotion added in the form, an error shown at its input
with nothing published, the preview, the review of the difference, and publishing. Each
step fits the window, and the Chinese pages show no English but data.

With ``CONSOLE_SCREENSHOTS=DIR`` the editor, an error and the review are saved there
(docs/screenshots/console/program-*.png)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from sync_server.db import Database
from sync_server.migrate import migrate
from sync_server.services.accounts import AccountService
from sync_server.services.admin import AdminService
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_console_layout import _LAYOUT, _WORDS, english_words
from tests.services import require_service
from tests.sync_server.live import ServerProcess

pytestmark = pytest.mark.slow
PASSWORD = "program editor password"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
ACCOUNTS = {"en": "editor-en", "zh_CN": "editor-zh"}
PREVIEW = {
    "en": "A CN¥128.00 sale at Gold on a Tuesday earns 192 points.",
    "zh_CN": "金卡会员在星期二消费 ¥128.00，可得 192 积分。",
}
AT_LEAST_ONE = {"en": "Enter 1 or more.", "zh_CN": "请输入不小于 1 的数。"}
DAYS_ROW = {"en": "Days of the week — Tuesday", "zh_CN": "星期 — 星期二"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Database]]:
    missing = None if CHROMIUM.exists() else f"no {CHROMIUM} (apt-get install chromium)"
    require_service("Chromium", missing)
    tmp = tmp_path_factory.mktemp("program-editor")
    url = f"sqlite:///{tmp / 'server.db'}"
    database = Database(url, pool_size=2)
    migrate(database)
    accounts = AccountService(database, hasher=PasswordHasher(time_cost=1, memory_cost=64))
    for language, name in ACCOUNTS.items():
        accounts.add(name, "admin", PASSWORD, language=language)
    AdminService(database).add_store("S001", "Downtown 市中心")
    AdminService(database).add_store("S002", "Uptown 城北")
    server = ServerProcess(url, tmp)
    server.start()
    try:
        yield server.url, database
    finally:
        server.stop()
        database.dispose()


@pytest.fixture(scope="module")
def chromium(site: tuple[str, Database]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


def _check(page: Any, language: str, where: str) -> None:
    assert page.evaluate(_LAYOUT) == [], where
    if language == "zh_CN":
        assert english_words(page.evaluate(_WORDS)) == set(), where


@pytest.mark.parametrize("language", list(ACCOUNTS))
def test_edit_review_and_publish_in_the_browser(
    chromium: Any, site: tuple[str, Database], language: str
) -> None:
    url, database = site
    shots = os.environ.get("CONSOLE_SCREENSHOTS")
    for device, (width, height) in WIDTHS.items():
        context = chromium.new_context(
            viewport={"width": width, "height": height}, locale=language.replace("_", "-")
        )
        page = context.new_page()
        page.goto(url + "/console/login")
        page.fill("input[name=name]", ACCOUNTS[language])
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(url + "/console/")
        published = AdminService(database).current_program().rule_version
        page.goto(url + "/console/program")
        where = f"{language} {device}"
        _check(page, language, where + " editor")
        assert PREVIEW[language] in page.inner_text("#preview")
        if shots:
            page.screenshot(path=str(Path(shots) / f"program-{language}-{device}.png"))

        # An error: points that never expire is not a choice. Shown at its input;
        # nothing published.
        page.fill("input[name=expiry_months]", "0")
        page.click("button[value=review]")
        error = page.locator("#err-expiry_months")
        assert error.inner_text() == AT_LEAST_ONE[language]
        _check(page, language, where + " error")
        if shots:
            error.scroll_into_view_if_needed()
            page.screenshot(path=str(Path(shots) / f"program-error-{language}-{device}.png"))
        assert AdminService(database).current_program().rule_version == published

        # A promotion: double points on Tuesdays, then the review and publishing.
        page.fill("input[name=expiry_months]", "24")
        page.click("button[value=add_promotion]")
        page.fill("input[name=promotions-0-code]", f"tue-{device}")
        page.fill("input[name=promotions-0-name]", "Double Tuesday")
        page.fill("input[name=promotions-0-names-zh_CN]", "周二双倍")
        page.fill("input[name=promotions-0-multiplier]", "2")
        page.check("input[name=promotions-0-days_of_week][value='2']")
        _check(page, language, where + " promotion")
        if shots:
            page.locator("#promotions").screenshot(
                path=str(Path(shots) / f"program-promotion-{language}-{device}.png")
            )
        page.click("button[value=review]")
        assert "384" in page.inner_text("main")  # 192 base, doubled on a Tuesday
        diff = page.inner_text("table.diff")
        assert f"tue-{device}" in diff
        assert "promotions[" not in diff
        assert "false" not in diff
        assert DAYS_ROW[language] in " ".join(diff.split())
        _check(page, language, where + " review")
        if shots:
            page.screenshot(path=str(Path(shots) / f"program-review-{language}-{device}.png"))
        page.click("form[action='/console/program'] button[type=submit]")
        page.wait_for_url(url + "/console/program?published=1")
        program = AdminService(database).current_program()
        assert program.rule_version == published + 1
        assert program.promotions[0].code == f"tue-{device}"
        # The next edit drops the promotion again, so each run starts from the default rules.
        page.check("input[name=promotions-0-remove]")
        page.click("button[value=review]")
        page.click("form[action='/console/program'] button[type=submit]")
        page.wait_for_url(url + "/console/program?published=1")
        assert AdminService(database).current_program().promotions == ()
        context.close()


STATES = {
    "en": ("scheduled", "in force"),
    "zh_CN": ("已排期", "生效中"),
}
EXPIRY_ROW = {"en": "Points expire after (months) 24 30", "zh_CN": "积分有效期（月） 24 30"}


@pytest.mark.parametrize("language", list(ACCOUNTS))
def test_publish_step_schedules_a_staged_version_then_rolls_it_out(
    chromium: Any, site: tuple[str, Database], language: str
) -> None:
    """The review's publish step: "effective from" and the stores; the version list shows
    the version scheduled at one store, and its roll-out to every store puts it in force."""
    url, database = site
    shots = os.environ.get("CONSOLE_SCREENSHOTS")
    admin = AdminService(database)
    for device, (width, height) in WIDTHS.items():
        context = chromium.new_context(
            viewport={"width": width, "height": height}, locale=language.replace("_", "-")
        )
        page = context.new_page()
        page.goto(url + "/console/login")
        page.fill("input[name=name]", ACCOUNTS[language])
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(url + "/console/")
        page.goto(url + "/console/program")
        where = f"{language} {device}"
        expiry = admin.current_program().expiry_months
        page.fill("input[name=expiry_months]", str(expiry + 6))
        page.click("button[value=review]")
        diff = " ".join(page.inner_text("table.diff").split())
        assert "expiry_months" not in diff
        assert " ".join(EXPIRY_ROW[language].split()[:-2]) in diff, diff
        assert f"{expiry} {expiry + 6}" in diff, diff
        step = page.locator("#publish")
        step.locator("input[name=effective_from]").fill("2099-01-01T09:00")
        step.locator("input[name=scope][value=stores]").check()
        step.locator("input[name=stores][value=S001]").check()
        _check(page, language, where + " publish step")
        if shots:
            step.scroll_into_view_if_needed()
            page.screenshot(path=str(Path(shots) / f"program-publish-{language}-{device}.png"))
        step.locator("button[type=submit]").click()
        page.wait_for_url(url + "/console/program?published=1")
        newest = admin.program_versions()[0]
        assert newest.state == "scheduled"
        assert [(r.store_code, r.effective_from is not None) for r in newest.rollouts] == [
            ("S001", True)
        ]
        assert newest.rollouts[0].effective_from is not None
        assert newest.rollouts[0].effective_from.isoformat() == "2099-01-01T01:00:00+00:00"
        row = page.locator("table.versions tbody tr").first
        assert STATES[language][0] in row.inner_text()
        assert "S001" in row.inner_text()
        _check(page, language, where + " versions")
        if shots:
            page.locator("#versions").screenshot(
                path=str(Path(shots) / f"program-versions-{language}-{device}.png")
            )
        # Then to every store, at once: in force for the chain.
        form = page.locator(f"#rollout-{newest.rule_version}")
        form.locator("input[name=scope][value=all]").check()
        form.locator("button[type=submit]").click()
        page.wait_for_url(url + "/console/program?published=1")
        assert admin.program_versions()[0].state == "in_force"
        assert STATES[language][1] in page.locator("table.versions tbody tr").first.inner_text()
        assert admin.program_in_force("S002") == newest.rule_version
        context.close()
