"""The dashboard in Chromium: its charts (Apache ECharts, served by the server under its
CSP) are drawn at a desktop's 1280 px and a phone's 390 px, in English and Simplified
Chinese; nothing is wider than the window, no English is left on the Chinese page but
data, and the browser reports no error (a script or style the CSP refused would be one).

With ``CONSOLE_SCREENSHOTS=DIR`` the page is saved there in both languages at both
widths (docs/screenshots/console/dashboard-*.png)."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from argon2 import PasswordHasher

from sync_server.config import Settings
from sync_server.db import Database
from sync_server.migrate import migrate
from sync_server.services.accounts import CLI_PRINCIPAL, AccountService
from sync_server.services.admin import AdminService
from sync_server.services.campaigns import CampaignService, Segment
from sync_server.services.dashboard_rebuild import DashboardRebuild
from sync_server.services.seed import SeedService
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_console_layout import _LAYOUT, _WORDS, english_words
from tests.services import require_service
from tests.sync_server.helpers import pair_terminal, push
from tests.sync_server.live import ServerProcess

pytestmark = pytest.mark.slow
PASSWORD = "browser dashboard password"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
ACCOUNTS = {"en": "dash-en", "zh_CN": "dash-zh"}
REGION = "华东"  # the region of the seeded store: the page is shown for it


@dataclass
class Site:
    url: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A server with seeded members (rolled up by a rebuild), a coupon campaign, and
    three weeks of sales pushed by a till (rolled up by the push path)."""
    missing = None if CHROMIUM.exists() else f"no {CHROMIUM} (apt-get install chromium)"
    require_service("Chromium", missing)
    tmp = tmp_path_factory.mktemp("dashboard")
    url = f"sqlite:///{tmp / 'server.db'}"
    settings = Settings(database_url=url, data_dir=tmp, maintenance_interval_seconds=0)
    database = Database(url, pool_size=2)
    migrate(database)
    SeedService(database).seed(60, store_code="S001", rng_seed=11, phone_lookup=None)
    DashboardRebuild(database).rebuild()
    admin = AdminService(database)
    store = admin.stores()[0]
    admin.update_store(
        store.code,
        name=store.name,
        currency=store.currency,
        timezone=store.timezone,
        phone_region=store.phone_region,
        language=store.language,
        closing_time=store.closing_time,
        region=REGION,
    )
    campaigns = CampaignService(database)
    campaigns.issue_to_segment(CLI_PRINCIPAL, Segment(tier="member"), "Spring ¥10", 1000, "CNY")
    accounts = AccountService(database, hasher=PasswordHasher(time_cost=1, memory_cost=64))
    for language, name in ACCOUNTS.items():
        accounts.add(name, "auditor", PASSWORD, language=language)
    server = ServerProcess(url, tmp)
    server.start()
    try:
        with httpx.Client(timeout=30) as http:
            till = pair_terminal(http, database, settings, base=server.url)
            ev, rng, now = till.events, random.Random(5), datetime.now(UTC)
            for days_ago in range(20, -1, -1):
                when = (now - timedelta(days=days_ago)).isoformat()
                batch = []
                for _ in range(rng.randint(1, 4)):
                    enrol = ev.enrol(phone=f"139{rng.randrange(10**8):08d}")
                    enrol["occurred_at"] = when
                    amount = rng.randint(20, 400) * 100
                    earn = ev.earn(enrol["member_id"], amount, amount // 100, occurred_at=when)
                    batch += [enrol, earn]
                    if amount >= 20_000:  # a second visit, with a redemption
                        redeem = ev.redeem(enrol["member_id"], 100)
                        redeem["occurred_at"] = when
                        batch.append(redeem)
                push(http, till, batch, base=server.url)
        yield Site(server.url)
    finally:
        server.stop()
        database.dispose()


@pytest.fixture(scope="module")
def chromium(site: Site) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


_CHARTS = """() => Array.from(document.querySelectorAll('.chart')).map(el => {
  const canvas = el.querySelector('canvas');
  return {
    drawn: el.dataset.drawn === 'true',
    width: el.getBoundingClientRect().width,
    canvas: canvas ? [canvas.width, canvas.height] : null,
    inked: canvas ? (() => {
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return n;
    })() : 0,
  };
})"""


def _errors_of(page: Any) -> list[str]:
    """What the browser reports as wrong from now on: script errors, console errors (a
    script or style the CSP refused is one) and failed requests (the favicon's aside)."""
    errors: list[str] = []

    def console(message: Any) -> None:
        if message.type == "error" and "favicon" not in str(message.location.get("url", "")):
            errors.append(message.text)

    def response(answer: Any) -> None:
        if answer.status >= 400 and not answer.url.endswith("/favicon.ico"):
            errors.append(f"{answer.status} {answer.url}")

    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", console)
    page.on("response", response)
    return errors


@pytest.mark.parametrize("language", list(ACCOUNTS))
def test_the_dashboard_draws_its_charts_and_fits(chromium: Any, site: Site, language: str) -> None:
    shots = os.environ.get("CONSOLE_SCREENSHOTS")
    for device, (width, height) in WIDTHS.items():
        context = chromium.new_context(
            viewport={"width": width, "height": height}, locale=language.replace("_", "-")
        )
        page = context.new_page()
        errors = _errors_of(page)
        page.goto(site.url + "/console/login")
        page.fill("input[name=name]", ACCOUNTS[language])
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(site.url + "/console/")
        page.goto(site.url + "/console/dashboard?" + urlencode({"region": REGION}))
        page.wait_for_selector(".chart[data-drawn=true]")
        where = f"{language} {device}"
        # members, points, tiers, churn, spend per visit by tier, coupons
        charts = page.evaluate(_CHARTS)
        assert len(charts) == 6, where
        assert page.locator("select[name=region]").input_value() == REGION, where
        for chart in charts:
            assert chart["drawn"], where
            assert chart["canvas"] is not None, where
            assert chart["width"] <= width, where
            assert chart["inked"] > 1000, (where, chart)  # axes, lines and bars, not a blank
        assert page.evaluate(_LAYOUT) == [], where
        if language == "zh_CN":
            assert english_words(page.evaluate(_WORDS)) == set(), where
        assert errors == [], where
        # a chart follows the window (a phone turned sideways)
        page.set_viewport_size({"width": width + 200, "height": height})
        page.wait_for_timeout(300)
        assert page.evaluate(_LAYOUT) == [], where + " wider"
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(300)
        if shots:
            page.screenshot(
                path=str(Path(shots) / f"dashboard-{language}-{device}.png"), full_page=True
            )
        context.close()
