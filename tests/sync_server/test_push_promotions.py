"""The server weighs an earn that names promotions with the till's own function."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_
from hypothesis import strategies as st
from sqlalchemy import text

from shared.domain.program import DEFAULT_PROGRAM, LoyaltyProgram
from shared.domain.promotions import TriggerLimit, times_used
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.services.admin import AdminService
from sync_server.services.reconcile import ReconcileService
from tests.sync_server.helpers import Pairing, pair_terminal, pull_all, push


def publish(database: Database, *promotions: dict[str, Any]) -> LoyaltyProgram:
    body = {**DEFAULT_PROGRAM.model_dump(mode="json"), "rule_version": 2}
    program = LoyaltyProgram.model_validate({**body, "promotions": list(promotions)})
    return AdminService(database).publish_program(program)


def today_in_shanghai() -> int:
    return datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).isoweekday()


def test_claims_a_till_could_make_stand_and_others_are_mismatches(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    other_day = today_in_shanghai() % 7 + 1
    publish(
        database,
        {"code": "x2", "name": "Double", "kind": "multiplier", "multiplier": "2"},
        {"code": "bday", "name": "Birthday", "kind": "bonus", "bonus_points": 50,
         "birthday_month": True, "stacks": True},
        {"code": "far", "name": "Elsewhere", "kind": "bonus", "bonus_points": 30,
         "stores": ["S999"], "stacks": True},
        {"code": "other", "name": "Another day", "kind": "bonus", "bonus_points": 30,
         "days_of_week": [other_day], "stacks": True},
        {"code": "hi", "name": "Welcome", "kind": "bonus", "bonus_points": 100,
         "welcome": True, "stacks": True},
    )  # fmt: skip
    ev = paired.events
    enrol = ev.enrol()
    member = enrol["member_id"]
    month = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).month
    born = ev.enrol(phone="13812340000", birthday=f"1990-{month:02d}-01")
    wrong_month = ev.enrol(phone="13812340001", birthday=f"1990-{month % 12 + 1:02d}-01")

    def earn(who: str, points: int, *codes: str) -> dict[str, Any]:
        event = ev.earn(who, 10_000, points, rule_version=2)
        if codes:
            event["data"]["promotions"] = list(codes)
        return event

    batch = [
        enrol,
        born,
        wrong_month,
        earn(member, 300, "x2", "hi"),  # base 100, x2 +100, welcome +100
        earn(member, 200, "x2"),  # a till that used the welcome up
        earn(member, 100),  # an old till: base only
        earn(member, 150, "far"),  # not this store
        earn(member, 130, "other"),  # not today
        earn(member, 250, "x2"),  # the sum is wrong
        earn(member, 150, "bday"),  # no birthday on record
        earn(born["member_id"], 150, "bday"),  # born this month
        earn(wrong_month["member_id"], 150, "bday"),
        earn(member, 200, "x2", "x2"),  # named twice
    ]
    results = push(client, paired, batch)["results"]
    answers = [r.get("code") or r["status"] for r in results]
    assert answers == [
        "accepted",
        "accepted",
        "accepted",
        "accepted",
        "accepted",
        "accepted",
        "points_mismatch",
        "points_mismatch",
        "points_mismatch",
        "points_mismatch",
        "accepted",
        "points_mismatch",
        "points_mismatch",
    ]
    state, _ = pull_all(client, paired)
    assert state[("member", member)]["data"]["balance"] == 600
    assert state[("member", born["member_id"])]["data"]["balance"] == 150


def test_a_program_with_promotions_reaches_the_till_whole(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    published = publish(
        database, {"code": "x2", "name": "Double", "kind": "multiplier", "multiplier": "2.5"}
    )
    state, _ = pull_all(client, paired)
    pulled = LoyaltyProgram.model_validate(state[("program", "2")]["data"])
    assert pulled == published
    assert pulled.promotions[0].multiplier_percent == 250


# --- trigger limits, counted across terminals --------------------------------------------


def test_a_trigger_limit_holds_across_three_terminals_and_is_flagged_never_refused(
    client: TestClient, paired: Pairing, database: Database, settings: Settings
) -> None:
    publish(
        database,
        {"code": "gift", "name": "Gift", "kind": "bonus", "bonus_points": 40, "stacks": True,
         "limit": {"times": 2, "per": "day"}},
        {"code": "x2", "name": "Double", "kind": "multiplier", "multiplier": "2",
         "limit": {"times": 1, "per": "program"}},
    )  # fmt: skip
    tills = [paired, *(pair_terminal(client, database, settings, name=f"T{n}") for n in (2, 3))]
    enrol = paired.events.enrol()
    member = enrol["member_id"]
    assert push(client, paired, [enrol])["results"][0]["status"] == "accepted"
    # each till, offline, saw no earlier earn: each applied both promotions
    answers = []
    for till in tills:
        event = till.events.earn(member, 10_000, 240, rule_version=2)  # 100 + 100 + 40
        event["data"]["promotions"] = ["gift", "x2"]
        answers.append(push(client, till, [event])["results"][0])
    assert [a["status"] for a in answers] == ["accepted"] * 3
    assert [a.get("flag") for a in answers] == [None, "promotion_limit", "promotion_limit"]
    # the first: all of it; the second: gift only (x2 once per program); the third: base
    assert [a["member_balance"] for a in answers] == [240, 240 + 140, 240 + 140 + 100]
    flagged = ReconcileService(database).exceptions()["flagged"]
    assert sorted(f["code"] for f in flagged) == ["promotion_limit", "promotion_limit"]
    assert {f["points_delta"] for f in flagged} == {140, 100}


def test_a_void_gives_the_trigger_back(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    publish(
        database,
        {"code": "once", "name": "Once", "kind": "bonus", "bonus_points": 50,
         "limit": {"times": 1, "per": "month"}},
    )  # fmt: skip
    ev = paired.events
    enrol = ev.enrol()
    member = enrol["member_id"]

    def earn() -> dict[str, Any]:
        event = ev.earn(member, 1_000, 60, rule_version=2)
        event["data"]["promotions"] = ["once"]
        return event

    first = earn()
    results = push(client, paired, [enrol, first, earn()])["results"]
    assert [r.get("flag") for r in results] == [None, None, "promotion_limit"]
    assert results[-1]["member_balance"] == 70  # 60, then 10 without the bonus
    void = ev.void(member, first["event_id"])
    again = push(client, paired, [void, earn()])["results"]
    assert [r.get("flag") for r in again] == [None, None]
    assert again[-1]["member_balance"] == 70
    with database.read() as session:
        rows = session.execute(text("SELECT event_id FROM promotion_triggers")).all()
    assert first["event_id"] not in {r[0] for r in rows}
    assert len(rows) == 1


VERSIONS = iter(range(10, 10_000))


@settings_(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    times=st.integers(1, 3),
    per=st.sampled_from(["day", "week", "month", "program"]),
    sales=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 20)), min_size=1, max_size=12),
    order=st.randoms(use_true_random=False),
)
def test_three_offline_tills_never_award_a_limited_promotion_more_than_its_limit(
    client: TestClient,
    paired: Pairing,
    database: Database,
    settings: Settings,
    times: int,
    per: str,
    sales: list[tuple[int, int]],
    order: Any,
) -> None:
    version = next(VERSIONS)
    body = {**DEFAULT_PROGRAM.model_dump(mode="json"), "rule_version": version}
    gift = {"code": "gift", "name": "Gift", "kind": "bonus", "bonus_points": 1_000,
            "limit": {"times": times, "per": per}}  # fmt: skip
    AdminService(database).publish_program(
        LoyaltyProgram.model_validate({**body, "promotions": [gift]})
    )
    tills = [paired, *(pair_terminal(client, database, settings, name=f"P{n}") for n in (2, 3))]
    enrol = paired.events.enrol()
    member = enrol["member_id"]
    assert push(client, paired, [enrol])["results"][0]["status"] == "accepted"
    limit = TriggerLimit(times=times, per=per)
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
    known: list[list[date]] = [[], [], []]  # what each offline till knows: its own earns
    queued: list[tuple[int, dict[str, Any], date]] = []
    for till_index, days_back in sales:
        day = today - timedelta(days=days_back)
        at = datetime.combine(day, time(12), ZoneInfo("Asia/Shanghai"))
        claims = times_used(limit, day, known[till_index]) < times
        event = tills[till_index].events.earn(
            member, 1_000, 1_010 if claims else 10, rule_version=version, occurred_at=at.isoformat()
        )
        if claims:
            event["data"]["promotions"] = ["gift"]
            known[till_index].append(day)
        queued.append((till_index, event, day))
    # each till pushes its own events in order; the tills take turns at random
    awarded: list[date] = []
    cursors = [0, 0, 0]
    per_till = [[q for q in queued if q[0] == i] for i in range(3)]
    while any(cursors[i] < len(per_till[i]) for i in range(3)):
        i = order.choice([i for i in range(3) if cursors[i] < len(per_till[i])])
        _, event, day = per_till[i][cursors[i]]
        cursors[i] += 1
        result = push(client, tills[i], [event])["results"][0]
        assert result["status"] == "accepted"  # never refused: the goods have left
        if result.get("flag") is None and "promotions" in event["data"]:
            awarded.append(day)
        else:
            assert result.get("flag") in (None, "promotion_limit")
    for day in awarded:
        assert times_used(limit, day, awarded) <= times
    with database.read() as session:
        total = session.execute(
            text("SELECT SUM(points_delta) FROM events WHERE member_id = :m"), {"m": member}
        ).scalar_one()
    assert total == 10 * len(sales) + 1_000 * len(awarded)


def test_the_server_publishes_the_program_schema(client: TestClient) -> None:
    response = client.get("/v1/program/schema")
    assert response.status_code == 200
    schema = response.json()
    promotion = schema["$defs"]["Promotion"]["properties"]
    assert promotion["kind"]["enum"] == ["multiplier", "bonus"]
    number = {"exclusiveMinimum": 1.0, "maximum": 10.0, "type": "number"}
    assert number in promotion["multiplier"]["anyOf"]
    assert "promotions" in schema["properties"]
    assert schema["$defs"]["TriggerLimit"]["properties"]["per"]["enum"] == [
        "day",
        "week",
        "month",
        "program",
    ]
    # units per currency, and the terms of a coupon (issue 16)
    units = schema["$defs"]["CurrencyUnits"]["properties"]
    assert units["earn_unit_cents"]["minimum"] == 1
    assert "^[A-Z]{3}$" in schema["properties"]["currencies"]["patternProperties"]
    terms = schema["$defs"]["CouponTerms"]["properties"]
    assert terms["kind"]["enum"] == ["fixed", "percent", "item"]
    assert {"maximum": 100, "minimum": 1, "type": "integer"} in terms["percent"]["anyOf"]
