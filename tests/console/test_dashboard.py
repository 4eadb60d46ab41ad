"""The dashboard page (SQLite and PostgreSQL, the app in-process): who may open it, the
figures a till's pushes make, every table as CSV, bad ranges refused in the page's
language, and the page's scripts (ECharts) served by the server under its CSP."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from shared.domain.business_day import business_date
from sync_server.db import Database
from sync_server.services.admin import AdminService
from tests.console.conftest import csrf_of
from tests.sync_server.helpers import Pairing, push


def _sales(client: TestClient, paired: Pairing) -> str:
    ev = paired.events
    enrol = ev.enrol()
    member = enrol["member_id"]
    body = push(client, paired, [enrol, ev.earn(member, 12_800, 128), ev.redeem(member, 100)])
    assert {r["status"] for r in body["results"]} == {"accepted"}
    return str(member)


def _today(database: Database) -> str:
    store = AdminService(database).stores()[0]
    return business_date(datetime.now(UTC), store.timezone, store.closing_time).isoformat()


def _csv(response: object) -> list[list[str]]:
    text = response.content.decode("utf-8")  # type: ignore[attr-defined]
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_admin_and_auditor_read_the_dashboard_support_does_not(
    as_role: Callable[[str], TestClient],
) -> None:
    for role, status in (("admin", 200), ("auditor", 200), ("support", 403)):
        http = as_role(role)
        assert http.get("/console/dashboard").status_code == status, role
        assert http.get("/console/dashboard.csv").status_code == status, role
        home = http.get("/console/").text
        assert ('href="/console/dashboard"' in home) is (status == 200), role


def test_the_page_shows_what_the_tills_pushed(
    as_role: Callable[[str], TestClient],
    client: TestClient,
    paired: Pairing,
    database: Database,
) -> None:
    _sales(client, paired)
    http = as_role("auditor")
    page = http.get("/console/dashboard")
    assert page.status_code == 200
    html = page.text
    assert "Points issued" in html
    assert 'data-chart="' in html
    # The summary in numbers: issued 128, redeemed 100, the rate 78.1 %
    assert ">128<" in html
    assert "78.1%" in html
    assert "CN¥128.00" in html  # member sales amount
    store = http.get("/console/dashboard", params={"store": "S001"})
    assert ">128<" in store.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "unsafe" not in page.headers["content-security-policy"]
    # other pages still run no script at all
    assert "script-src" not in http.get("/console/").headers["content-security-policy"]


def test_every_table_exports_csv(
    as_role: Callable[[str], TestClient],
    client: TestClient,
    paired: Pairing,
    database: Database,
) -> None:
    _sales(client, paired)
    http = as_role("admin")
    today = _today(database)
    summary = _csv(http.get("/console/dashboard.csv", params={"table": "summary"}))
    assert summary[0][:4] == ["metric", "range_first", "range_last", "value"]
    rows = {r[0]: r for r in summary[1:]}
    assert rows["points_issued"][3] == "128"
    assert rows["points_redeemed"][3] == "100"
    assert rows["sales_amount_CNY"][3] == "128.00"
    assert rows["redemption_rate"][3].startswith("0.78")
    assert rows["points_issued"][2] == today
    liability = _csv(http.get("/console/dashboard.csv", params={"table": "liability"}))
    assert liability[1] == ["CNY", "28", "0.28"]  # 100 points are worth 1.00 CNY
    tiers = _csv(http.get("/console/dashboard.csv", params={"table": "tiers"}))
    assert tiers[0][0] == "tier"
    assert any(r[1] == "1" and r[3] == "1" and r[8] == "128.00" for r in tiers[1:])
    days = _csv(http.get("/console/dashboard.csv", params={"table": "days", "first": today}))
    assert days[1][0] == today
    assert days[1][1:3] == ["1", "1"]
    coupons = http.get("/console/dashboard.csv", params={"table": "coupons"})
    assert _csv(coupons)[0] == ["title", "issued", "used", "usage_rate"]
    assert "attachment" in coupons.headers["content-disposition"]
    assert http.get("/console/dashboard.csv", params={"table": "members"}).status_code == 422


def test_a_bad_range_is_refused_in_the_pages_language(
    as_role: Callable[[str], TestClient],
) -> None:
    http = as_role("admin")
    today = datetime.now(UTC).date()
    later = (today + timedelta(days=1)).isoformat()
    page = http.get("/console/dashboard", params={"first": later, "last": today.isoformat()})
    assert page.status_code == 422
    assert "The first day of the range is after its last day." in page.text
    long = http.get("/console/dashboard", params={"first": "2020-01-01", "last": "2026-01-01"})
    assert "A range is at most 366 days." in long.text
    assert http.get("/console/dashboard", params={"last": "2026-02-30"}).status_code == 422
    assert http.get("/console/dashboard", params={"store": "NOPE"}).status_code == 422
    token = csrf_of(http.get("/console/").text)
    http.post("/console/language", data={"csrf_token": token, "language": "zh_CN", "next": "/"})
    page = http.get("/console/dashboard", params={"first": later, "last": today.isoformat()})
    assert page.status_code == 422
    assert "范围" in page.text
    assert "The first day" not in page.text
    page = http.get("/console/dashboard", params={"last": "2026-02-30"})
    assert "YYYY-MM-DD" in page.text
    assert "日期" in page.text


def test_the_chart_library_is_served_by_the_server(as_role: Callable[[str], TestClient]) -> None:
    http = as_role("auditor")
    page = http.get("/console/dashboard").text
    for src in ("/console/static/vendor/echarts-5.6.0.min.js", "/console/static/dashboard.js"):
        assert f'<script src="{src}">' in page
        script = http.get(src)
        assert script.status_code == 200
        assert "javascript" in script.headers["content-type"]
    assert "<script>" not in page  # no inline script


def test_region_scope_churn_and_returns_on_the_page_and_in_csv(
    as_role: Callable[[str], TestClient],
    client: TestClient,
    paired: Pairing,
    database: Database,
) -> None:
    admin = AdminService(database)
    s = admin.stores()[0]
    settings = {k: getattr(s, k) for k in ("name", "currency", "timezone", "phone_region")}
    admin.update_store(
        "S001", **settings, language=s.language, closing_time=s.closing_time, region="华东"
    )
    _sales(client, paired)
    http = as_role("auditor")
    page = http.get("/console/dashboard", params={"region": "华东"})
    assert page.status_code == 200
    assert '<option value="华东" selected>' in page.text
    assert ">128<" in page.text
    assert "Repeat-purchase rate (90 days)" in page.text
    assert "Win-back rate" in page.text
    assert page.text.count('data-chart="') == 5  # no coupons were issued: no coupon chart
    assert http.get("/console/dashboard", params={"region": "Nowhere"}).status_code == 422
    summary = _csv(http.get("/console/dashboard.csv", params={"region": "华东"}))
    rows = {r[0]: r for r in summary[1:]}
    assert rows["points_issued"][3] == "128"
    assert rows["buyers_90"][3] == "1"
    assert rows["repeat_rate"][3] == "0.0"
    assert rows["returned_amount_CNY"][3] == "0.00"
    for key in ("at_risk", "won_back", "win_back_rate", "returns"):
        assert key in rows
    response = http.get("/console/dashboard.csv", params={"table": "churn", "region": "华东"})
    assert "region-__" in response.headers["content-disposition"]
    churn = _csv(response)
    assert churn[0] == ["day", "at_risk", "won_back", "win_back_rate"]
    assert len(churn) == 31
    days = _csv(http.get("/console/dashboard.csv", params={"table": "days"}))
    assert days[0][-1] == "returns"


def test_a_stores_region_is_edited_in_the_console(
    as_role: Callable[[str], TestClient], database: Database
) -> None:
    AdminService(database).add_store("R01", "Flagship")
    http = as_role("admin")
    page = http.get("/console/stores/R01").text
    token = csrf_of(page)
    form = {
        "csrf_token": token,
        "name": "Flagship",
        "currency": "CNY",
        "timezone": "Asia/Shanghai",
        "phone_region": "CN",
        "language": "zh_CN",
        "closing_time": "23:00",
        "region": "East  China",
    }
    saved = http.post("/console/stores/R01", data=form)
    assert saved.status_code == 200, saved.text
    assert "East China" in saved.text
    assert "East China" in http.get("/console/stores.csv").text
    refused = http.post("/console/stores/R01", data={**form, "region": "x" * 65})
    assert refused.status_code == 422
    assert "A region is at most 64 characters." in refused.text
