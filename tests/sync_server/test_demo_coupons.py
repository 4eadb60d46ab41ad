"""Demo data says what it does: each seeded coupon's title names its own value."""

from __future__ import annotations

from sqlalchemy import select

from sync_server.db import Database
from sync_server.models import Coupon
from sync_server.services.seed import SeedService


def test_demo_coupon_titles_match_their_values(database: Database) -> None:
    from sync_server.migrate import migrate

    migrate(database)
    SeedService(database).seed(60, store_code="S001", rng_seed=3)
    with database.read() as session:
        coupons = session.scalars(select(Coupon)).all()
        pairs = {(c.title, c.value_cents) for c in coupons}
    assert pairs
    for title, value_cents in pairs:
        assert f"¥{value_cents // 100} off" in title, (title, value_cents)
        assert f"减{value_cents // 100}元" in title
        assert "满" not in title
        assert "over" not in title
