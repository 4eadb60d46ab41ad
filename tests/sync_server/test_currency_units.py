"""One program, a CNY and an HKD store: the server weighs each till's earn at the rates
head office set for the earn's currency, and re-checks a redemption's share of the sale
in the store's currency (``LoyaltyProgram.units``, the till's function)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from shared.domain.program import DEFAULT_PROGRAM, LoyaltyProgram
from sync_server.cli import main
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.services.admin import AdminService
from tests.sync_server.helpers import Pairing, push
from tests.sync_server.test_coupon_codes import pair_in

PROGRAM = LoyaltyProgram.model_validate(
    {
        **DEFAULT_PROGRAM.model_dump(mode="json"),
        "rule_version": 2,
        "currencies": {
            "HKD": {
                "earn_unit_cents": 1000,
                "points_per_unit": 9,
                "redeem_value_cents_per_unit": 110,
            }
        },
    }
)


def earn(pairing: Pairing, member: str, amount: int, points: int, currency: str) -> dict[str, Any]:
    event = pairing.events.earn(member, amount, points, rule_version=2)
    event["data"]["currency"] = currency
    return event


def redeem(pairing: Pairing, member: str, points: int, sale: int) -> dict[str, Any]:
    event = pairing.events.redeem(member, points)
    event["data"].update(sale_amount_cents=sale, value_cents=0)
    return event


def test_each_store_earns_and_redeems_at_its_currency_rates(
    client: TestClient, database: Database, settings: Settings
) -> None:
    admin = AdminService(database)
    admin.add_store("H001", "Causeway Bay", currency="HKD", timezone="Asia/Hong_Kong")
    mainland = pair_in(client, database, settings, "S001")
    hong_kong = pair_in(client, database, settings, "H001")
    admin.publish_program(PROGRAM)
    enrol = mainland.events.enrol()
    member = enrol["member_id"]
    first = push(
        client,
        mainland,
        [
            enrol,
            earn(mainland, member, 12_800, 128, "CNY"),
            earn(mainland, member, 12_800, 108, "CNY"),
        ],
    )["results"]
    assert [(r["status"], r.get("code")) for r in first] == [
        ("accepted", None),
        ("accepted", None),
        ("rejected", "points_mismatch"),  # 108 is the HKD figure
    ]
    second = push(
        client,
        hong_kong,
        [
            earn(hong_kong, member, 12_800, 128, "HKD"),  # the CNY figure
            earn(hong_kong, member, 12_800, 108, "HKD"),  # HK$128: 12 x 9 pts
            earn(hong_kong, member, 1_000_000, 9_000, "HKD"),
        ],
    )["results"]
    assert [(r["status"], r.get("code")) for r in second] == [
        ("rejected", "points_mismatch"),
        ("accepted", None),
        ("accepted", None),
    ]
    # 4,600 pts are ¥46.00 (within half of ¥100) but HK$50.60 (over half of HK$100)
    in_cny = push(client, mainland, [redeem(mainland, member, 4_600, 10_000)])["results"][0]
    in_hkd = push(client, hong_kong, [redeem(hong_kong, member, 4_600, 10_000)])["results"][0]
    assert (in_cny["status"], in_cny.get("flag")) == ("accepted", None)
    assert (in_hkd["status"], in_hkd.get("flag")) == ("accepted", "exceeds_sale_cap")


def test_bad_input_names_the_field_and_nothing_is_published_or_issued(
    client: TestClient,
    paired: Pairing,
    db_url: str,
    database: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``sync-server program publish`` and ``coupon issue --terms``: a currency that is
    not one, a coupon percent over 100, an end before its start."""
    db = ("--db", db_url)
    program = tmp_path / "program.json"
    program.write_text(
        json.dumps({**PROGRAM.model_dump(mode="json"), "currencies": {"XYZ": {}}}), "utf-8"
    )
    assert main(["program", "publish", str(program), *db]) != 0
    assert "currencies.XYZ: not an ISO 4217 currency in use" in capsys.readouterr().err
    assert AdminService(database).current_program().rule_version == 1  # nothing published
    enrol = paired.events.enrol()
    push(client, paired, [enrol])
    code = enrol["data"]["member_code"]
    terms = tmp_path / "terms.json"
    for body, words in (
        ({"kind": "percent", "percent": 101, "currency": "CNY"}, "percent: Input should be"),
        (
            {"value_cents": 500, "currency": "CNY", "valid_from": "2026-12-24T00:00:00+08:00",
             "expires_at": "2026-12-01T00:00:00+08:00"},
            "expires_at: 2026-12-01T00:00:00+08:00 is not after valid_from",
        ),
        ({"value_cents": 500, "currency": "HKX"}, "currency: HKX is not an ISO 4217 currency"),
    ):  # fmt: skip
        terms.write_text(json.dumps(body), "utf-8")
        argv = ["coupon", "issue", "--member", code, "--title", "x", "--terms", str(terms)]
        assert main([*argv, "--paper", *db]) != 0
        assert words in capsys.readouterr().err
    with database.read() as session:
        assert session.execute(text("SELECT COUNT(*) FROM coupons")).scalar_one() == 0
    terms.write_text('{"kind": "percent", "percent": 10, "currency": "CNY"}', "utf-8")
    argv = ["coupon", "issue", "--member", code, "--title", "10% off", "--terms", str(terms)]
    assert main([*argv, "--paper", "--json", *db]) == 0
    issued = json.loads(capsys.readouterr().out)
    assert issued["terms"] == {"kind": "percent", "percent": 10, "currency": "CNY"}
    assert len(issued["code"]) == 10
