"""Returns of one sale pushed at the same moment by tills of two stores, to a real
server with two worker processes, on SQLite and PostgreSQL: the member's row lock puts
them one after the other, so together they return exactly the sale and the one that
comes second is flagged, every time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from sync_server.config import Settings
from sync_server.db import Database
from sync_server.services.admin import AdminService
from tests.sync_server.helpers import Pairing, ensure_manager, new_terminal, pull_all, push
from tests.sync_server.live import ServerProcess
from tests.sync_server.test_returns import SALE, _member_after_sale, _return

pytestmark = pytest.mark.slow


def _pair(http: httpx.Client, database: Database, settings: Settings, store: str) -> Pairing:
    _, code = new_terminal(database, settings, store=store, name=f"Till {store}")
    body = http.post("/v1/pair", json={"pairing_code": code, "device_name": "t"}).json()
    return Pairing(
        body["terminal_id"],
        body["token"],
        body["member_code_prefix"],
        body["phone_hash_key"],
        body,
        lambda: ensure_manager(database, store),
    )


def _send(
    url: str,
    till: Pairing,
    event: dict[str, Any],
    start: threading.Barrier,
    results: list[dict[str, Any]],
) -> None:
    with httpx.Client(base_url=url, timeout=30) as own:
        start.wait()
        results.append(push(own, till, [event])["results"][0])


def test_simultaneous_returns_from_two_stores_never_exceed_the_sale(
    server_factory: Callable[..., ServerProcess], database: Database, settings: Settings
) -> None:
    server = server_factory(workers=2)
    http = httpx.Client(base_url=server.url, timeout=30)
    AdminService(database).add_store("S002", "Uptown")
    seller = _pair(http, database, settings, "S001")
    other = _pair(http, database, settings, "S002")
    for round_ in range(3):
        member_id, sale = _member_after_sale(http, seller)  # type: ignore[arg-type]
        made = [_return(seller, member_id, sale, 15_000), _return(other, member_id, sale, 15_000)]
        results: list[dict[str, Any]] = []
        start = threading.Barrier(2)

        threads = [
            threading.Thread(target=_send, args=(server.url, till, event, start, results))
            for till, event in zip((seller, other), made, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(r["status"] for r in results) == ["accepted", "accepted"], round_
        assert sorted(str(r.get("flag")) for r in results) == ["None", "return_over_sale"]
        state, _ = pull_all(http, seller)
        member = state[("member", member_id)]["data"]
        # all of the sale is back, no more: 200 earned taken back, 300 redeemed given back
        assert (member["balance"], member["lifetime_points"]) == (900, 900)
        found = http.get("/v1/sales", params={"sale_ref": "R-1"}, headers=seller.headers)
        sales = {s["sale_event_id"]: s for s in found.json()["sales"]}
        assert sales[sale["earn"]]["returned_cents"] == SALE
