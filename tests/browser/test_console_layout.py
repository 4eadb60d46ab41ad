"""Every console page in Chromium, in English and Simplified Chinese, at a desktop's
1280 px and a phone's 390 px: nothing wider than the window, no element outside it, and
on a Chinese page no English left but data (marked ``translate="no"``). Then a staff
member added in the browser signs in on a paired till after its next sync.

One server and one browser for the module; pages are visited in a loop. With
``CONSOLE_SCREENSHOTS=DIR`` the members list, a member page, the stores and the staff
pages are saved there in both languages at both widths (docs/screenshots/console/)."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
import pytest
from argon2 import PasswordHasher

from sync_server.config import Settings
from sync_server.db import Database
from sync_server.migrate import migrate
from sync_server.services.accounts import AccountService
from sync_server.services.seed import SeedService
from terminal.config import Argon2Params, TerminalSettings
from terminal.offline.credentials import ProcessKeyring
from terminal.offline.db import Replica
from terminal.services import build_services
from terminal.services.sync import SyncService
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.services import require_service
from tests.sync_server.helpers import new_terminal
from tests.sync_server.live import ServerProcess

pytestmark = pytest.mark.slow
PASSWORD = "browser layout password"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
ACCOUNTS = {"en": "hq-en", "zh_CN": "hq-zh"}
# Latin words a Chinese page may show: abbreviations, formats and codes of the product.
ALLOWED = {
    "CSV", "PIN", "JSON", "POS", "ISO", "CNY", "HH", "MM", "YYYY", "DD", "http", "https",
    "localhost", "rule_version", "names", "Cookie", "UTC", "seq",
}  # fmt: skip


@dataclass
class Site:
    url: str
    database: Database
    till: Any
    member_code: str
    keyring: Any


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    missing = None if CHROMIUM.exists() else f"no {CHROMIUM} (apt-get install chromium)"
    require_service("Chromium", missing)
    tmp = tmp_path_factory.mktemp("console-layout")
    url = f"sqlite:///{tmp / 'server.db'}"
    settings = Settings(database_url=url, data_dir=tmp, maintenance_interval_seconds=0)
    database = Database(url, pool_size=2)
    migrate(database)
    SeedService(database).seed(40, store_code="S001", rng_seed=7)
    hasher = PasswordHasher(time_cost=1, memory_cost=64)
    accounts = AccountService(database, hasher=hasher)
    for language, name in ACCOUNTS.items():
        accounts.add(name, "admin", PASSWORD, language=language)
    server = ServerProcess(url, tmp)
    server.start()
    previous, backend = keyring.get_keyring(), ProcessKeyring()  # the module's till's
    keyring.set_keyring(backend)
    try:
        till_settings = TerminalSettings(
            data_dir=tmp / "till",
            keyring_service=f"pos-test-{uuid.uuid4().hex[:8]}",
            argon2=Argon2Params(time_cost=1, memory_cost_kib=8, parallelism=1),
        )
        replica = Replica(till_settings.replica_path)
        sync = SyncService(replica, till_settings)
        sync.pair(server.url, new_terminal(database, settings, name="Till 1")[1], device_name="t")
        sync.sync_once()
        services = build_services(replica, till_settings, credentials=sync.credentials)
        cashier = services.staff.sign_in("C001", "1111")
        member = next(
            hit
            for prefix in ("王", "李", "张", "刘", "陈", "J", "M")
            for hit in services.lookup.by_name(prefix, page=0).items
        )
        services.sales.earn(cashier, member.member_id, amount_cents=12_800, sale_ref="B-1")
        sync.sync_once()
        till = type("Till", (), {"sync": sync, "services": services})
        yield Site(server.url, database, till, member.member_code, backend)
    finally:
        keyring.set_keyring(previous)
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


_LAYOUT = """() => {
  const doc = document.documentElement, width = doc.clientWidth, problems = [];
  if (doc.scrollWidth > width) problems.push(`page is ${doc.scrollWidth} px wide in ${width}`);
  for (const el of document.body.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    // visually hidden for screen readers (a stacked table's header row on a phone)
    if (el.closest('thead') && getComputedStyle(el.closest('thead')).clipPath !== 'none') continue;
    const scroller = el.closest('.scroll');
    if (scroller && scroller !== el) continue;  // scrolls inside its box, nothing cut
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    const name = el.tagName + (el.id ? '#' + el.id : '') + (el.className ? '.' + el.className : '');
    if (box.left < -1 || box.right > width + 1)
      problems.push(`${name} spans ${Math.round(box.left)}..${Math.round(box.right)}`);
    if (style.overflowX === 'hidden' && el.scrollWidth > el.clientWidth + 1)
      problems.push(`${name} cuts its content`);
  }
  return problems;
}"""

_WORDS = """() => {
  const parts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || el.closest('[translate="no"], datalist, textarea')) continue;
    parts.push(walker.currentNode.textContent);
  }
  for (const el of document.querySelectorAll('[data-label], [aria-label], [placeholder]')) {
    if (el.closest('[translate="no"]')) continue;
    for (const a of ['data-label', 'aria-label', 'placeholder'])
      if (el.getAttribute(a)) parts.push(el.getAttribute(a));
  }
  return parts.join(' ');
}"""


def english_words(text: str) -> set[str]:
    """Latin words left on a page, time-zone names and allowed abbreviations aside."""
    text = re.sub(r"\S*/\S*", " ", text)  # Asia/Shanghai, paths
    return {w for w in re.findall(r"[A-Za-z][A-Za-z_]+", text) if w not in ALLOWED}


def _pages(site: Site, page: Any) -> list[str]:
    """Every console page, with a real terminal-day, member and store."""
    page.goto(site.url + "/console/board")
    day_link = page.locator("td a").first.get_attribute("href")
    return [
        "/console/",
        "/console/members",
        "/console/members?q=%E7%8E%8B&sort=name&dir=desc",
        f"/console/members/{site.member_code}",
        "/console/churn?days=1",
        "/console/stores",
        "/console/stores/S001",
        "/console/staff",
        "/console/terminals",
        "/console/accounts",
        "/console/audit",
        "/console/board",
        str(day_link),
        "/console/exceptions",
        "/console/campaigns?days=1",
        "/console/program",
        "/console/partners?status=",
        "/console/members/000000000000",  # an error page
    ]


def _sign_in(page: Any, site: Site, name: str) -> None:
    page.goto(site.url + "/console/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(site.url + "/console/")


SHOTS = {
    "members": "/console/members",
    "member": None,  # the seeded member with a sale
    "stores": "/console/stores",
    "staff": "/console/staff?store=S001",
}


@pytest.mark.parametrize("language", list(ACCOUNTS))
def test_every_page_fits_and_speaks_the_language(chromium: Any, site: Site, language: str) -> None:
    shots = os.environ.get("CONSOLE_SCREENSHOTS")
    for device, (width, height) in WIDTHS.items():
        context = chromium.new_context(  # the browser of someone who reads that language
            viewport={"width": width, "height": height}, locale=language.replace("_", "-")
        )
        page = context.new_page()
        _sign_in(page, site, ACCOUNTS[language])
        for path in _pages(site, page):
            page.goto(site.url + path)
            where = f"{language} {device} {path}"
            assert page.evaluate("document.documentElement.lang") == language.replace("_", "-")
            assert page.evaluate(_LAYOUT) == [], where
            if language == "zh_CN":
                assert english_words(page.evaluate(_WORDS)) == set(), where
        if shots:
            for name, path in SHOTS.items():
                page.goto(site.url + (path or f"/console/members/{site.member_code}"))
                whole = name == "member" and device == "desktop"  # the history too
                page.screenshot(
                    path=str(Path(shots) / f"{name}-{language}-{device}.png"), full_page=whole
                )
        context.close()


def test_the_sign_in_page_fits_in_both_languages(chromium: Any, site: Site) -> None:
    for _device, (width, height) in WIDTHS.items():
        context = chromium.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(site.url + "/console/login?lang=zh_CN")
        assert page.evaluate(_LAYOUT) == []
        assert english_words(page.evaluate(_WORDS)) == set()
        page.click("text=English")
        assert page.inner_text("h1") == "Sign in"
        assert page.evaluate(_LAYOUT) == []
        context.close()


def test_a_staff_member_added_in_the_browser_signs_in_on_the_till(
    chromium: Any, site: Site
) -> None:
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    _sign_in(page, site, ACCOUNTS["zh_CN"])
    page.goto(site.url + "/console/staff?store=S001")
    form = page.locator("#staff-add")
    form.locator("input[name=staff_code]").fill("C777")
    form.locator("input[name=name]").fill("赵敏")
    form.locator("select[name=store_code]").select_option("S001")
    form.locator("input[name=pin]").fill("4826")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/console/staff\?.*saved=C777"))
    assert "C777" in page.inner_text("#staff-C777")
    assert "已保存" in page.inner_text("main")
    context.close()

    keyring.set_keyring(site.keyring)  # (each test gets a fresh one otherwise)
    site.till.sync.sync_once()
    session = site.till.services.staff.sign_in("C777", "4826")
    assert session.name == "赵敏"
