"""Fuzzing at a small budget: schemathesis over every route of /openapi.json (with and
without a paired till's token), and hypothesis on the push models with the till's own
terminal id, so that extreme seqs, points, amounts and times reach the ledger.

Nothing may answer 500, and the server's peak memory may not grow by more than a bounded
amount (the probe that found these grew it to ~23 GB with one event). SQLite only: the
PostgreSQL path of the same code is covered by tests/sync_server/test_rogue_till.py.
"""

from __future__ import annotations

import resource
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from sync_server.app import build_services, create_app
from sync_server.config import Settings
from sync_server.db import Database
from sync_server.migrate import migrate
from tests.sync_server.helpers import Pairing, pair_terminal, push

BUDGET = settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
MAX_GROWTH_BYTES = 300 * 2**20


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


@pytest.fixture
def fuzz_app(tmp_path: Path) -> Iterator[tuple[Any, TestClient, Pairing]]:
    config = Settings(
        database_url=f"sqlite:///{tmp_path / 'fuzz.db'}",
        data_dir=tmp_path,
        maintenance_interval_seconds=0,
    )
    database = Database(config.database_url, pool_size=5)
    migrate(database)
    app = create_app(config, services=build_services(config, database), background=False)
    with TestClient(app) as client:
        yield app, client, pair_terminal(client, database, config)
    database.dispose()


def _fuzz(operation: Any, mode: GenerationMode, token: dict[str, str], seen: set[str]) -> None:
    """Run one operation's generated requests, signed and anonymous; none may be a 500."""
    label = operation.label

    @BUDGET
    @given(case=operation.as_strategy(generation_mode=mode), signed=st.booleans())
    def check(case: schemathesis.Case, signed: bool) -> None:
        response = case.call(headers=dict(token) if signed else {})
        seen.add(label)
        assert response.status_code < 500, (label, response.status_code, response.text)

    try:
        check()
    except Unsatisfiable:
        # No invalid request exists for a route without inputs (GET /v1/health).
        assert mode is GenerationMode.NEGATIVE, label


def test_no_route_answers_500(fuzz_app: tuple[Any, TestClient, Pairing]) -> None:
    app, client, paired = fuzz_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    before = _peak_rss()
    seen: set[str] = set()
    for result in schema.get_all_operations():
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(result.ok(), mode, paired.headers, seen)
    assert {"POST /v1/events", "GET /v1/changes", "POST /v1/day-close", "POST /v1/pair"} <= seen
    assert _peak_rss() - before < MAX_GROWTH_BYTES
    assert client.get("/v1/health").status_code == 200


_BIG = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, -1, 2**31, 2**53, 2**53 + 1, 2**63 - 1, 2**63, 10**9, 10**23]),
)
_MOMENTS = st.one_of(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from([timezone(timedelta(hours=h)) for h in (-14, -8, 0, 8, 14)]),
    ).map(lambda d: d.isoformat()),
    st.sampled_from(["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]),
    st.just("now"),
)


def _data(kind: str, points: int, amount: int) -> dict[str, Any]:
    ref = f"S-{uuid.uuid4().hex[:8]}"
    if kind == "points.earned":
        return {
            "sale_ref": ref,
            "amount_cents": amount,
            "currency": "CNY",
            "points": points,
            "rule_version": 1,
        }
    if kind == "points.redeemed":
        return {"sale_ref": ref, "points": points, "value_cents": amount}
    return {"points": points, "reason": "fuzz"}


def test_push_models_never_cost_a_500_or_unbounded_memory(
    fuzz_app: tuple[Any, TestClient, Pairing],
) -> None:
    _, client, paired = fuzz_app
    enrol = paired.events.enrol()
    member = str(enrol["member_id"])
    push(client, paired, [enrol])
    manager = paired.events.manager_id()
    before = _peak_rss()

    @BUDGET
    @given(
        kind=st.sampled_from(["points.earned", "points.redeemed", "points.adjusted"]),
        seq=_BIG,
        points=_BIG,
        amount=_BIG,
        when=_MOMENTS,
        staff=st.sampled_from([None, "manager", "unknown"]),
    )
    def check(kind: str, seq: int, points: int, amount: int, when: str, staff: str | None) -> None:
        staff_id = {None: None, "manager": manager, "unknown": str(uuid.uuid4())}[staff]
        event = {
            "event_id": str(uuid.uuid4()),
            "terminal_id": paired.terminal_id,
            "seq": seq,
            "type": kind,
            "occurred_at": datetime.now(UTC).isoformat() if when == "now" else when,
            "staff_id": staff_id,
            "member_id": member,
            "data": _data(kind, points, amount),
        }
        response = client.post("/v1/events", json={"events": [event]}, headers=paired.headers)
        assert response.status_code in (200, 409, 422), response.text[:500]
        if response.status_code == 200:
            assert len(response.json()["results"]) == 1
        else:
            assert response.json()["code"] in ("seq_out_of_window", "invalid_request")

    check()
    assert _peak_rss() - before < MAX_GROWTH_BYTES
