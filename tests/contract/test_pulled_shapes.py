"""The member and coupon data the server builds, read by the terminal: one description.

``shared.protocol.MemberFields`` and ``CouponFields`` are what the server's builders
(``sync_server.services.common``) return and what the terminal's page reader validates
into. Here the server's real output (a pull page from a seeded database) is checked
against the description key by key, then read and applied by the terminal, and the
replica's rows are compared with the server's own tables.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NotRequired, get_origin, get_type_hints

import pytest
from sqlalchemy import text

from shared.domain.coupons import CouponTerms, parse_coupon_terms
from shared.protocol import CouponFields, MemberFields
from sync_server.db import Database
from sync_server.migrate import migrate
from sync_server.services.admin import AdminService
from sync_server.services.pull import PullService
from sync_server.services.seed import SeedService
from terminal.offline.db import Replica
from terminal.offline.pages import PulledPage
from terminal.services.sync_store import SyncStore

DESCRIPTIONS: dict[str, Any] = {"member": MemberFields, "coupon": CouponFields}


def _keys(shape: Any) -> tuple[set[str], set[str]]:
    """All keys of a description, and the required ones (as pydantic reads them)."""
    hints = get_type_hints(shape, include_extras=True)
    return set(hints), {key for key, hint in hints.items() if get_origin(hint) is not NotRequired}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, dict[str, Any]]]:
    """A pull page from a seeded SQLite database, and the server's own rows by id."""
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('server') / 'sync.db'}", pool_size=2)
    migrate(database)
    try:
        admin = AdminService(database)
        admin.add_store("S001", "Downtown")
        SeedService(database).seed(4, store_code="S001", coupons_every=2, with_staff=False)
        with database.read() as session:
            code = session.execute(text("SELECT member_code FROM members LIMIT 1")).scalar_one()
        expires = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
        admin.issue_coupon(code, "¥10 off", 1_000, "CNY", expires)
        terms = parse_coupon_terms(
            '{"kind": "percent", "percent": 10, "cap_cents": 5000, "currency": "CNY",'
            ' "min_spend_cents": 20000, "valid_from": "2026-12-24T00:00:00+08:00",'
            ' "stores": ["S001"]}'
        )
        admin.issue_coupon(code, "10% off above ¥200", 0, "CNY", terms=terms, paper=True)
        body = PullService(database, max_limit=1_000).changes_json(None, 1_000, "S001")
        rows: dict[str, dict[str, Any]] = {}
        with database.read() as session:
            for table in ("members", "coupons"):
                for row in session.execute(text(f"SELECT * FROM {table}")).mappings():
                    rows[str(row["id"])] = dict(row)
    finally:
        database.dispose()
    return body, rows


def test_the_server_sends_exactly_the_described_fields(
    served: tuple[str, dict[str, dict[str, Any]]],
) -> None:
    body, _ = served
    sent = [c for c in json.loads(body)["changes"] if c["entity"] in DESCRIPTIONS]
    assert {c["entity"] for c in sent} == {"member", "coupon"}
    for change in sent:
        every, required = _keys(DESCRIPTIONS[change["entity"]])
        keys = set(change["data"])
        # Nothing the terminal would drop unread, nothing it needs left out.
        assert keys <= every, (change["entity"], keys - every)
        assert required <= keys, (change["entity"], required - keys)


def test_the_terminal_reads_and_keeps_what_the_server_holds(
    served: tuple[str, dict[str, dict[str, Any]]], tmp_path: Path
) -> None:
    body, rows = served
    page = PulledPage.model_validate_json(body)
    # Every member and coupon upsert is read as its description, none as a generic change.
    assert sorted(c["entity"] for c in page.changes if isinstance(c, dict)) == sorted(
        c["entity"] for c in json.loads(body)["changes"] if c["entity"] in DESCRIPTIONS
    )
    with Replica(tmp_path / "replica.sqlite3") as replica:
        SyncStore(replica).apply_pulled(page.changes, page.cursor)
        with replica.read() as session:
            members = session.execute(text("SELECT * FROM members")).mappings().all()
            coupons = session.execute(text("SELECT * FROM coupons")).mappings().all()
    assert len(members) == 4
    assert len(coupons) == 4
    for member in members:
        held = rows[member["member_id"]]
        assert member["member_code"] == held["member_code"]
        assert member["display_name"] == held["name"]
        assert member["phone_last4"] == held["phone_last4"]
        assert member["phone_hash"] == held["phone_slow_hash"] != ""
        assert (member["tier"], member["status"]) == (held["tier"], held["status"])
        assert (member["balance"], member["lifetime_points"]) == (
            held["balance"],
            held["lifetime_points"],
        )
    for coupon in coupons:
        held = rows[coupon["coupon_id"]]
        assert coupon["member_id"] == held["member_id"]
        assert (coupon["title"], coupon["value_cents"], coupon["currency"]) == (
            held["title"],
            held["value_cents"],
            held["currency"],
        )
        assert coupon["status"] == held["status"]
        # the terms and the paper code (s20d / t20d) arrive as the server holds them
        assert coupon["code"] == held["code"]
        if held["terms"] is None:
            assert coupon["terms"] is None
        else:
            kept = CouponTerms.model_validate_json(coupon["terms"])
            assert kept == CouponTerms.model_validate_json(held["terms"])
            assert (kept.kind, kept.percent, kept.stores) == ("percent", 10, ("S001",))
            assert coupon["code"] is not None
            assert len(coupon["code"]) == 10
        if held["expires_at"] is None:
            assert coupon["expires_at"] is None
        else:
            server_time = datetime.fromisoformat(str(held["expires_at"])).replace(tzinfo=UTC)
            assert datetime.fromisoformat(coupon["expires_at"]) == server_time
