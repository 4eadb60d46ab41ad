"""The program editor: head office edits the next version in a form, sees each error next
to its input (nothing published), a preview computed with the shared rules, and the
difference from the published version before it publishes."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

from fastapi.testclient import TestClient

from sync_server.db import Database
from sync_server.services.admin import AdminService


class _Form(HTMLParser):
    """The fields a browser would post from the page's form at ``action``: inputs with
    their values, checked boxes, each select's selected option (else its first)."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.fields = action, False, []
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action") == self.action
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self.select, self.options = a.get("name"), []
        elif tag == "option" and self.select:
            self.options.append((a.get("value") or "", "selected" in a))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        if tag == "select" and self.select and self.options:
            chosen = [v for v, s in self.options if s] or [self.options[0][0]]
            self.fields.append((self.select, chosen[0]))
            self.select = None

    def handle_data(self, data: str) -> None:
        if self.select and self.options and not self.options[-1][0]:
            self.options[-1] = (data.strip(), self.options[-1][1])


def form_of(page: str, action: str = "/console/program/edit") -> dict[str, list[str]]:
    parser = _Form(action)
    parser.feed(page)
    fields: dict[str, list[str]] = {}
    for name, value in parser.fields:
        fields.setdefault(name, []).append(value)
    return fields


def post(http: TestClient, fields: dict[str, list[str]], action: str, **changes: object):
    data = {k: list(v) for k, v in fields.items()}
    for name, value in changes.items():
        data[name.replace("__", "-")] = value if isinstance(value, list) else [str(value)]
    data["action"] = [action]
    return http.post("/console/program/edit", data=data)


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_publish_through_the_form_after_reviewing_the_difference(
    as_role, database: Database
) -> None:
    admin = as_role("admin")
    fields = form_of(admin.get("/console/program").text)
    assert fields["rule_version"] == ["2"]
    assert fields["tiers-2-code"] == ["gold"]
    # A promotion: double points on Tuesdays, for every tier.
    added = post(admin, fields, "add_promotion")
    assert added.status_code == 200
    assert 'name="promotions-0-code"' in added.text
    fields = form_of(added.text)
    review = post(
        admin,
        fields,
        "review",
        earn_unit_cents=200,
        promotions__0__code="tue2x",
        promotions__0__name="Double Tuesday",
        promotions__0__names__zh_CN="周二双倍",
        promotions__0__kind="multiplier",
        promotions__0__multiplier="2",
        promotions__0__days_of_week=["2"],
    )
    assert review.status_code == 200, text_of(review.text)[:2000]
    shown = text_of(review.text)
    # The difference: the earn unit, and the new promotion's settings.
    # Labels and values for people: no field paths, no JSON.
    assert re.search(r"Spend per earn unit\s+CN¥1\.00\s+CN¥2\.00", shown), shown
    assert re.search(r"Promotion\s+tue2x\s*:\s*Days of the week\s+—\s+Tuesday", shown), shown
    assert re.search(r"Promotion\s+tue2x\s*:\s*Stacks with other promotions\s+—\s+no", shown)
    assert re.search(r"Promotion\s+tue2x\s*:\s*Kind\s+—\s+Points multiplier", shown), shown
    assert "promotions[" not in shown
    assert "earn_unit_cents" not in shown
    assert AdminService(database).current_program().rule_version == 1  # not yet
    # ¥128.00 at Gold on a Tuesday: 64 units x 1 point x 150 % = 96, doubled: 192.
    assert "A CN¥128.00 sale at Gold on a Tuesday earns 192 points." in shown
    confirm = form_of(review.text, "/console/program")
    published = admin.post("/console/program", data=confirm, follow_redirects=False)
    assert published.status_code == 303
    program = AdminService(database).current_program()
    assert program.rule_version == 2
    assert program.earn_unit_cents == 200
    assert program.promotions[0].names == {"zh_CN": "周二双倍"}
    assert program.promotions[0].days_of_week == (2,)


def test_an_error_is_shown_next_to_its_field_and_nothing_is_published(
    as_role, database: Database
) -> None:
    admin = as_role("admin")
    fields = form_of(admin.get("/console/program").text)
    refused = post(admin, fields, "review", tiers__1__multiplier_percent="lots", expiry_months=0)
    assert refused.status_code == 422
    page = refused.text
    # Each message sits in the label of the input it names, which is marked invalid.
    tier_label = page.split('name="tiers-1-multiplier_percent"')[1].split("</label>")[0]
    assert 'id="err-tiers-1-multiplier_percent"' in tier_label
    assert "Enter a whole number." in tier_label
    expiry_label = page.split('name="expiry_months"')[1].split("</label>")[0]
    assert "Enter 1 or more." in expiry_label
    assert 'aria-describedby="err-expiry_months"' in page
    # What was typed stays in the form.
    assert form_of(page)["tiers-1-multiplier_percent"] == ["lots"]
    assert AdminService(database).current_program().rule_version == 1


def test_a_program_wide_error_lands_on_its_promotion_field(as_role, database: Database) -> None:
    admin = as_role("admin")
    fields = form_of(post(admin, form_of(admin.get("/console/program").text), "add_promotion").text)
    refused = post(
        admin,
        fields,
        "review",
        promotions__0__code="xmas",
        promotions__0__name="Xmas",
        promotions__0__kind="bonus",
        promotions__0__bonus_points=50,
        promotions__0__starts_on="2026-12-26",
        promotions__0__ends_on="2026-12-24",
    )
    assert refused.status_code == 422
    # The promotion's own check names ends_on: the message sits at that date input.
    label = refused.text.split('name="promotions-0-ends_on"')[1].split("</label>")[0]
    assert "ends_on 2026-12-24 is before starts_on" in html.unescape(label)
    assert AdminService(database).current_program().rule_version == 1


def test_the_preview_uses_the_shared_rules(as_role) -> None:
    admin = as_role("admin")
    page = admin.get("/console/program").text
    # Default program: ¥128.00 at Gold is 128 x 150 % = 192 points.
    assert "A CN¥128.00 sale at Gold on a Tuesday earns 192 points." in text_of(page)
    fields = form_of(page)
    silver = post(admin, fields, "preview", preview_tier="silver", preview_amount="99.99")
    assert "A CN¥99.99 sale at Silver on a Tuesday earns 123 points." in text_of(silver.text)


def test_the_form_shows_in_chinese(as_role, client: TestClient) -> None:
    admin = as_role("admin")
    page = admin.get("/console/program").text
    admin.post(
        "/console/language",
        data={"csrf_token": form_of(page)["csrf_token"][0], "language": "zh_CN", "next": "/"},
    )
    chinese = text_of(admin.get("/console/program").text)
    assert "金卡" in chinese
    assert "星期二" in chinese
    assert "Review changes before publishing" not in chinese


def test_only_admin_edits(as_role) -> None:
    auditor = as_role("auditor")
    page = auditor.get("/console/program").text
    assert "<fieldset disabled" in page
    refused = auditor.post(
        "/console/program/edit", data={"csrf_token": form_of(page)["csrf_token"][0]}
    )
    assert refused.status_code == 403
    admin = as_role("admin")
    fields = form_of(admin.get("/console/program").text)
    fields["csrf_token"] = ["forged"]
    assert post(admin, fields, "review").status_code in (400, 403)


def test_back_from_the_review_keeps_the_edits(as_role) -> None:
    admin = as_role("admin")
    review = post(admin, form_of(admin.get("/console/program").text), "review", expiry_months=36)
    back = form_of(review.text)
    back["action"] = ["back"]
    again = admin.post("/console/program/edit", data=back)
    assert form_of(again.text)["expiry_months"] == ["36"]
    assert json.loads(html.unescape(back["program"][0]))["expiry_months"] == 36


def test_names_in_other_languages_survive_an_edit_in_the_form(as_role, database: Database) -> None:
    admin = as_role("admin")
    page = admin.get("/console/program").text
    body = AdminService(database).current_program().model_dump(mode="json")
    body["rule_version"] = 2
    body["tiers"][2]["names"]["ja"] = "ゴールド"
    published = admin.post(
        "/console/program",
        data={"csrf_token": form_of(page)["csrf_token"][0], "program": json.dumps(body)},
        follow_redirects=False,
    )
    assert published.status_code == 303
    review = post(admin, form_of(admin.get("/console/program").text), "review", expiry_months=12)
    assert "Name in ja" not in text_of(review.text)  # only the expiry changes
    assert re.search(r"Points expire after \(months\)\s+24\s+12", text_of(review.text))
    admin.post("/console/program", data=form_of(review.text, "/console/program"))
    program = AdminService(database).current_program()
    assert program.rule_version == 3
    assert program.expiry_months == 12
    assert program.tiers[2].names["ja"] == "ゴールド"


def test_a_rule_version_that_is_not_newer_cannot_be_published(as_role, database: Database) -> None:
    admin = as_role("admin")
    review = post(admin, form_of(admin.get("/console/program").text), "review", rule_version=1)
    assert review.status_code == 422
    assert 'id="err-rule_version"' in review.text
    assert 'action="/console/program"' not in review.text  # no publish button
    assert AdminService(database).current_program().rule_version == 1


def test_the_preview_is_in_the_stores_currency(as_role, database: Database) -> None:
    AdminService(database).add_store(
        "HK1", "Causeway Bay", currency="HKD", timezone="Asia/Hong_Kong"
    )
    page = as_role("admin").get("/console/program").text
    assert "A HK$128.00 sale at Gold on a Tuesday earns 192 points." in text_of(page)


def test_the_publish_step_schedules_for_chosen_stores_in_the_chains_time_zone(
    as_role, database: Database
) -> None:
    admin_service = AdminService(database)
    admin_service.add_store("S001", "Downtown")
    admin_service.add_store("S002", "Uptown")
    admin = as_role("admin")
    review = post(admin, form_of(admin.get("/console/program").text), "review", expiry_months=30)
    assert 'name="effective_from"' in review.text
    assert 'value="S002"' in review.text
    confirm = form_of(review.text, "/console/program")
    assert confirm["scope"] == ["all"]  # every store unless the admin chooses
    # A time already past is refused, in the page's words; nothing is published.
    refused = admin.post(
        "/console/program", data={**confirm, "effective_from": ["2020-01-01T09:00"]}
    )
    assert refused.status_code == 422
    assert "The effective time must be in the future" in text_of(refused.text)
    nobody = admin.post("/console/program", data={**confirm, "scope": ["stores"]})
    assert nobody.status_code == 422
    assert "Choose at least one store, or every store." in text_of(nobody.text)
    assert admin_service.current_program().rule_version == 1
    published = admin.post(
        "/console/program",
        data={
            **confirm,
            "effective_from": ["2099-03-01T08:30"],  # Asia/Shanghai, the stores' zone
            "scope": ["stores"],
            "stores": ["S002"],
        },
        follow_redirects=False,
    )
    assert published.status_code == 303
    newest = admin_service.program_versions()[0]
    assert (newest.rule_version, newest.state) == (2, "scheduled")
    assert [(r.store_code, r.effective_from) for r in newest.rollouts] == [
        ("S002", datetime(2099, 3, 1, 0, 30, tzinfo=UTC))
    ]
    page = text_of(admin.get("/console/program").text)
    assert re.search(r"2\s+scheduled\s+Store\s+S002\s*:\s*from\s+3/1/99", page), page
