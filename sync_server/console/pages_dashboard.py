"""The dashboard: members, points, rates and tiers of the chain or one store over a date
range, beside the range just before it; charts (Apache ECharts, served from
``/console/static``) and a CSV of every table (docs/DASHBOARD.md)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.dates import format_skeleton
from babel.numbers import format_percent
from fastapi import APIRouter, Depends, Query, Request, Response

from shared.domain.business_day import parse_day
from shared.domain.money import currency_exponent
from shared.errors import ValidationFailed
from sync_server.console import i18n
from sync_server.console.csv_export import csv_response
from sync_server.console.deps import (
    ConsoleRoute,
    allowed,
    console,
    page_language,
    render,
    templates,
)
from sync_server.console.i18n import N_
from sync_server.services.accounts import Principal
from sync_server.services.dashboard import MAX_DAYS, Dashboard, Figures, Period

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
Viewer = Annotated[Principal, Depends(allowed("view_dashboard"))]
Day = Annotated[str, Query(max_length=32)]
StoreCode = Annotated[str, Query(max_length=32)]
Region = Annotated[str, Query(max_length=64)]
Table = Annotated[str, Query(pattern="^(summary|liability|tiers|coupons|days|churn)$")]
DEFAULT_DAYS = 30


def percent(value: float | None) -> str:
    """A ratio as the page's locale writes a percentage (one decimal), or a dash."""
    if value is None:
        return "–"
    return format_percent(value, format="#,##0.0%", locale=i18n.locale_of(i18n.current()))


templates.env.filters["percent"] = percent


@dataclass(frozen=True)
class Metric:
    """One row of the summary: its code (the CSV's), its label, both periods' values."""

    code: str
    label: str
    kind: str  # "count", "ratio", "average", "money"
    now: float | None
    before: float | None
    currency: str = ""

    @property
    def change(self) -> float | None:
        if self.kind == "ratio" or self.now is None or not self.before:
            return None
        return (self.now - self.before) / abs(self.before)


_COUNTS: tuple[tuple[str, str, Callable[[Figures], float | None]], ...] = (
    ("members", N_("Members (at the end)"), lambda f: f.members),
    ("new_members", N_("New members"), lambda f: f.new_members),
    ("active_30", N_("Active in the last 30 days"), lambda f: f.active_30),
    ("active_90", N_("Active in the last 90 days"), lambda f: f.active_90),
    ("daily_active", N_("Active per day (average)"), lambda f: f.daily_active),
    ("active_ratio", N_("Active ratio (30 days / members)"), lambda f: f.active_ratio),
    ("stickiness", N_("Daily / monthly active"), lambda f: f.stickiness),
    ("points_issued", N_("Points issued"), lambda f: f.points_issued),
    ("points_redeemed", N_("Points redeemed"), lambda f: f.points_redeemed),
    ("points_adjusted", N_("Points adjusted (net)"), lambda f: f.points_adjusted),
    ("points_expired", N_("Points expired"), lambda f: f.points_expired),
    ("points_returned", N_("Points taken back by returns"), lambda f: f.points_returned),
    ("redemption_rate", N_("Redemption rate (redeemed / issued)"), lambda f: f.redemption_rate),
    ("sales_count", N_("Member sales"), lambda f: f.sales_count),
    ("returns", N_("Returns"), lambda f: f.returns),
    ("redemptions", N_("Redemptions"), lambda f: f.redemptions),
    ("coupons_used", N_("Coupons used"), lambda f: f.coupons_used),
    ("buyers_90", N_("Members who bought in the last 90 days"), lambda f: f.buyers_90),
    ("repeat_buyers_90", N_("Of them, bought on two days or more"), lambda f: f.repeat_buyers_90),
    ("repeat_rate", N_("Repeat-purchase rate (90 days)"), lambda f: f.repeat_rate),
    ("at_risk", N_("Members newly at risk (no visit for 90 days)"), lambda f: f.at_risk),
    ("won_back", N_("Of them, back within 30 days"), lambda f: f.won_back),
    ("win_back_rate", N_("Win-back rate"), lambda f: f.win_back_rate),
)
_RATIOS = frozenset(
    {"active_ratio", "stickiness", "redemption_rate", "repeat_rate", "win_back_rate"}
)


def metrics(view: Dashboard) -> list[Metric]:
    rows = [
        Metric(
            code,
            label,
            "ratio" if code in _RATIOS else "average" if code == "daily_active" else "count",
            value(view.now),
            value(view.before),
        )
        for code, label, value in _COUNTS
    ]
    for currency in view.currencies:
        rows.append(
            Metric(
                f"sales_amount_{currency}",
                N_("Member sales amount, less returns (%(currency)s)"),
                "money",
                view.now.sales_cents.get(currency, 0),
                view.before.sales_cents.get(currency, 0),
                currency,
            )
        )
        rows.append(
            Metric(
                f"returned_amount_{currency}",
                N_("Amount returned (%(currency)s)"),
                "money",
                view.now.returned_cents.get(currency, 0),
                view.before.returned_cents.get(currency, 0),
                currency,
            )
        )
    return rows


def _period(first: str, last: str, today: date) -> Period:
    end = parse_day(last) if last else today
    start = parse_day(first) if first else end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ValidationFailed("The first day is after the last.", code="invalid_range")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationFailed(
            f"A range is at most {MAX_DAYS} days.", code="invalid_range_length", days=MAX_DAYS
        )
    return Period(start, end)


def _view(request: Request, first: str, last: str, store: str, region: str = "") -> Dashboard:
    services = console(request)
    if store and store not in {s.code for s in services.admin.stores()}:
        raise ValidationFailed(f"Unknown store {store!r}.", code="unknown_store")
    if region and region not in services.dashboard.regions():
        raise ValidationFailed(f"Unknown region {region!r}.", code="unknown_region")
    period = _period(first, last, services.reconcile.today())
    return services.dashboard.view(period, store or None, region or None)


def _short_day(value: date, language: str, month: bool = False) -> str:
    """A chart's label of a day ("Dec 7", "12月7日") or a month ("Dec 2026")."""
    return format_skeleton("yMMM" if month else "MMMd", value, locale=i18n.locale_of(language))


def charts(view: Dashboard, language: str, tier_names: dict[str, str]) -> dict[str, str]:
    """Each chart's data (JSON in a ``data-chart`` attribute; static/dashboard.js draws
    it): series names in the page's language."""
    with i18n.using(language):
        t = i18n.gettext
        days = [_short_day(d.day, language, view.by_month) for d in view.days]
        found: dict[str, Any] = {
            "members": {
                "kind": "line",
                "categories": days,
                "series": [
                    {
                        "name": t("Active in the last 30 days"),
                        "data": [d.active_30 for d in view.days],
                    },
                    {
                        "name": t("Member visit days" if view.by_month else "Active that day"),
                        "data": [d.active_members for d in view.days],
                    },
                    {"name": t("New members"), "data": [d.new_members for d in view.days]},
                ],
            },
            "points": {
                "kind": "bar",
                "categories": days,
                "series": [
                    {"name": t("Points issued"), "data": [d.points_issued for d in view.days]},
                    {"name": t("Points redeemed"), "data": [d.points_redeemed for d in view.days]},
                ],
            },
            "tiers": {
                "kind": "bar",
                "categories": [tier_names.get(r.tier, r.tier) for r in view.tiers],
                "series": [
                    {"name": t("Members"), "data": [r.members for r in view.tiers]},
                    {"name": t("New members"), "data": [r.new_members for r in view.tiers]},
                ],
            },
            "churn": {
                "kind": "bar",
                "categories": days,
                "series": [
                    {"name": t("Newly at risk"), "data": [d.at_risk for d in view.days]},
                    {"name": t("Won back"), "data": [d.won_back for d in view.days]},
                ],
            },
            "spend": {
                "kind": "bar",
                "categories": [tier_names.get(r.tier, r.tier) for r in view.tiers],
                "series": [
                    {
                        "name": t(N_("Average spend per visit (%(currency)s)")) % {"currency": c},
                        "data": [_units(r.average_spend(c), c) for r in view.tiers],
                    }
                    for c in sorted({c for r in view.tiers for c in r.sales_cents})
                ],
            },
            "coupons": {
                "kind": "bar",
                "horizontal": True,  # campaign names are long: one per line
                "categories": [c.title for c in view.coupons],
                "series": [
                    {"name": t("Coupons issued"), "data": [c.issued for c in view.coupons]},
                    {"name": t("Coupons used"), "data": [c.used for c in view.coupons]},
                ],
            },
        }
    return {name: json.dumps(spec, ensure_ascii=False) for name, spec in found.items()}


def _units(cents: int | None, currency: str) -> float | None:
    """An amount in the currency's unit (a chart's value)."""
    return None if cents is None else float(Decimal(cents).scaleb(-currency_exponent(currency)))


def _tier_names(request: Request, language: str) -> dict[str, str]:
    program = console(request).admin.current_program()
    return {t.code: t.names.get(language, t.name) for t in program.tiers}


@router.get("/dashboard")
def dashboard(
    request: Request,
    who: Viewer,
    first: Day = "",
    last: Day = "",
    store: StoreCode = "",
    region: Region = "",
) -> Response:
    view = _view(request, first, last, store, region)
    language = page_language(request)
    names = _tier_names(request, language)
    query = urlencode(
        {
            "first": view.period.first.isoformat(),
            "last": view.period.last.isoformat(),
            "store": store,
            "region": view.region or "",
        }
    )
    return render(
        request,
        "dashboard.html",
        view=view,
        metrics=metrics(view),
        charts=charts(view, language, names),
        stores=console(request).admin.stores(),
        store=store,
        regions=console(request).dashboard.regions(),
        region=view.region or "",
        query=query,
        max_days=MAX_DAYS,
        month_name=lambda d: _short_day(d, language, month=True),
    )


_CSV_COLUMNS: dict[str, Sequence[str]] = {
    "summary": (
        "metric",
        "range_first",
        "range_last",
        "value",
        "previous_first",
        "previous_last",
        "previous_value",
    ),
    "liability": ("currency", "points", "value"),
    "tiers": (
        "tier",
        "members",
        "new_members",
        "sales",
        "points_issued",
        "points_redeemed",
        "currency",
        "sales_amount",
        "average_spend",
    ),
    "coupons": ("title", "issued", "used", "usage_rate"),
    "days": (
        "day",
        "new_members",
        "active_members",
        "active_30",
        "points_issued",
        "points_redeemed",
        "sales",
        "returns",
    ),
    "churn": ("day", "at_risk", "won_back", "win_back_rate"),
}


def _decimal(cents: int | None, currency: str) -> str:
    if cents is None:
        return ""
    return str(Decimal(cents).scaleb(-currency_exponent(currency)))


def csv_rows(view: Dashboard, table: str) -> list[Sequence[Any]]:
    """A table of the dashboard as CSV rows (codes, not the page's words; ISO dates,
    plain numbers, money in the currency's unit)."""
    p, b = view.period, view.previous
    if table == "summary":
        return [
            (
                m.code,
                p.first,
                p.last,
                _decimal(int(m.now), m.currency)
                if m.kind == "money" and m.now is not None
                else m.now,
                b.first,
                b.last,
                _decimal(int(m.before), m.currency)
                if m.kind == "money" and m.before is not None
                else m.before,
            )
            for m in metrics(view)
        ]
    if table == "liability":
        return [
            (x.currency, x.points, _decimal(x.value_cents, x.currency)) for x in view.liabilities
        ]
    if table == "tiers":
        rows: list[Sequence[Any]] = []
        for r in view.tiers:
            for currency in sorted(r.sales_cents) or [""]:
                rows.append(
                    (
                        r.tier,
                        r.members,
                        r.new_members,
                        r.sales_count,
                        r.points_issued,
                        r.points_redeemed,
                        currency,
                        _decimal(r.sales_cents.get(currency), currency) if currency else "",
                        _decimal(r.average_spend(currency), currency) if currency else "",
                    )
                )
        return rows
    if table == "coupons":
        return [(c.title, c.issued, c.used, c.rate) for c in view.coupons]
    if table == "churn":
        return [
            (d.day, d.at_risk, d.won_back, d.won_back / d.at_risk if d.at_risk > 0 else None)
            for d in view.days
        ]
    return [
        (
            d.day,
            d.new_members,
            d.active_members,
            d.active_30,
            d.points_issued,
            d.points_redeemed,
            d.sales_count,
            d.returns,
        )
        for d in view.days
    ]


@router.get("/dashboard.csv")
def dashboard_csv(
    request: Request,
    who: Viewer,
    table: Table = "summary",
    first: Day = "",
    last: Day = "",
    store: StoreCode = "",
    region: Region = "",
) -> Response:
    view = _view(request, first, last, store, region)
    region_part = re.sub(r"[^A-Za-z0-9_-]", "_", view.region or "")
    scope = store or (f"region-{region_part}" if view.region else "chain")
    name = f"dashboard-{table}-{scope}-{view.period.first}-{view.period.last}.csv"
    header = list(_CSV_COLUMNS[table])
    if table in ("days", "churn") and view.by_month:
        header[0] = "month"
    return csv_response(name, header, csv_rows(view, table), lambda r: r)
