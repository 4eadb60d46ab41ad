"""Migration s19a keeps the ledger's rows and gives a sale's existing rows their receipt
number (from the payload), so that sales made before the upgrade can be returned."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text

from sync_server.db import Database
from sync_server.migrate import alembic_config


def _row(event_id: str, type_: str, data: dict[str, object]) -> dict[str, object]:
    return {
        "event_id": event_id,
        "terminal_id": "t-1",
        "seq": 1,
        "type": type_,
        "member_id": "m-1",
        "occurred_at": datetime(2026, 1, 2, 3, 4, 5),
        "received_at": datetime(2026, 1, 2, 3, 4, 6, tzinfo=UTC).replace(tzinfo=None),
        "content_hash": "0" * 64,
        "payload": json.dumps({"event_id": event_id, "type": type_, "data": data}),
        "status": "accepted",
        "overdraft": False,
        "points_delta": 0,
        "lifetime_delta": 0,
    }


def test_s19a_gives_existing_sale_rows_their_receipt_number(database: Database) -> None:
    with database.write_engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "s17a")
        columns = ", ".join(_row("x", "x", {}))
        values = ", ".join(f":{name}" for name in _row("x", "x", {}))
        insert = text(f"INSERT INTO events ({columns}) VALUES ({values})")
        connection.execute(
            insert, _row("e-1", "points.earned", {"sale_ref": "R-9", "amount_cents": 100})
        )
        connection.execute(insert, _row("e-2", "coupon.redeemed", {"sale_ref": "R-9"}))
        connection.execute(insert, _row("e-3", "points.adjusted", {"points": 5, "reason": "x"}))
        command.upgrade(config, "head")
        found = dict(
            connection.execute(text("SELECT event_id, sale_ref FROM events ORDER BY event_id"))
            .tuples()
            .all()
        )
    assert found == {"e-1": "R-9", "e-2": "R-9", "e-3": None}
