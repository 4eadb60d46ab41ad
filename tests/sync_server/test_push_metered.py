"""Metering wraps the push service: outcomes are counted and the wrapped service's own
hooks (fault injection before the commit) still run."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from shared.protocol import PushRequest
from sync_server.db import Database
from sync_server.observability import MeteredPushService
from sync_server.services.push import PushService
from tests.sync_server.helpers import Pairing


def _count(status: str) -> float:
    return REGISTRY.get_sample_value("sync_push_events_total", {"status": status}) or 0.0


def test_the_metered_service_counts_and_keeps_before_commit(
    client: TestClient, paired: Pairing, database: Database
) -> None:
    reached: list[int] = []
    inner = PushService(database, before_commit=lambda: reached.append(1))
    metered = MeteredPushService(inner)
    enrol = paired.events.enrol()
    events = PushRequest.model_validate({"events": [enrol, enrol]}).events
    accepted, duplicate = _count("accepted"), _count("duplicate")
    answer = metered.push(paired.terminal_id, events)
    assert [r.status for r in answer.results] == ["accepted", "duplicate"]
    assert reached == [1]  # the hook of the wrapped service ran before its commit
    assert _count("accepted") == accepted + 1
    assert _count("duplicate") == duplicate + 1
    assert metered.limits is inner.limits  # nothing rebuilt
